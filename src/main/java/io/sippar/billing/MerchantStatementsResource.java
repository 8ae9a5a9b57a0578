package io.sippar.billing;

import io.quarkus.security.identity.SecurityIdentity;
import io.sippar.merchant.AdminMerchantsResource;
import io.sippar.merchant.ApiKeyAuthentication;
import io.sippar.merchant.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

/** Merchant API: the calling merchant's own statements (the merchant is the key's, never a parameter). */
@Path("/merchant/statements")
@RolesAllowed(Caller.MERCHANT)
@Tag(name = "merchant")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class MerchantStatementsResource {

    static final String BASE = "/merchant/statements";

    private final SecurityIdentity identity;
    private final StatementEndpoints endpoints;

    public MerchantStatementsResource(SecurityIdentity identity, StatementEndpoints endpoints) {
        this.identity = identity;
        this.endpoints = endpoints;
    }

    private UUID me() {
        return ApiKeyAuthentication.caller(identity).scope(Optional.empty());
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Every month of the calling merchant's statements, newest first (closed ones with their totals)")
    public Uni<List<StatementViews.ListedView>> list() {
        return endpoints.list(me(), BASE);
    }

    @GET
    @Path("{period}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The statement of a month (YYYY-MM, UTC): frozen once closed, computed from the ledger while open; "
            + "CSV with ?format=csv or Accept: text/csv")
    public Uni<StatementViews.StatementView> statement(
            @Parameter(description = "YYYY-MM") @PathParam("period") String period) {
        return endpoints.json(me(), period, BASE);
    }

    @GET
    @Path("{period}")
    @Produces(StatementCsv.MEDIA_TYPE)
    @Operation(summary = "The statement of a month as CSV: one row per line, then the totals")
    public Uni<Response> statementCsv(@PathParam("period") String period) {
        return endpoints.csv(me(), period);
    }

    @GET
    @Path("{period}/lines")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The payments charged on the statement with their tx hash and journal entry, in settlement order, "
            + "a page at a time (nextCursor → ?after=); CSV of all of them with ?format=csv or Accept: text/csv")
    public Uni<StatementViews.PaymentPage> lines(@PathParam("period") String period,
            @Parameter(description = "page size, 1 to sippar.statements.max-page-size") @QueryParam("limit") Integer limit,
            @Parameter(description = "nextCursor of the previous page") @QueryParam("after") String after) {
        return endpoints.page(me(), period, limit, after);
    }

    @GET
    @Path("{period}/lines")
    @Produces(StatementCsv.MEDIA_TYPE)
    @Operation(summary = "Every payment charged on the statement as CSV, streamed")
    public RestMulti<String> linesCsv(@PathParam("period") String period) {
        return endpoints.paymentsCsv(me(), period);
    }
}
