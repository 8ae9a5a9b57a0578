package io.sippar.billing;

import io.quarkus.security.identity.SecurityIdentity;
import io.sippar.merchant.AdminMerchantsResource;
import io.sippar.merchant.ApiKeyAuthentication;
import io.sippar.merchant.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

/** Operator API: any merchant's statements and the close of one merchant's month. */
@Path("/admin/merchants/{merchantId}/statements")
@RolesAllowed(Caller.ADMIN)
@Tag(name = "admin")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class AdminStatementsResource {

    private final SecurityIdentity identity;
    private final StatementEndpoints endpoints;

    public AdminStatementsResource(SecurityIdentity identity, StatementEndpoints endpoints) {
        this.identity = identity;
        this.endpoints = endpoints;
    }

    private static String base(UUID merchantId) {
        return "/admin/merchants/" + merchantId + "/statements";
    }

    static String operator(SecurityIdentity identity) {
        return "operator:" + ApiKeyAuthentication.caller(identity).keyId();
    }

    @GET
        @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Every month of a merchant's statements, newest first")
    public Uni<List<StatementViews.ListedView>> list(@PathParam("merchantId") UUID merchantId) {
        return endpoints.list(merchantId, base(merchantId));
    }

    @GET
    @Path("{period}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A merchant's statement of a month (YYYY-MM); CSV with ?format=csv or Accept: text/csv")
    public Uni<StatementViews.StatementView> statement(@PathParam("merchantId") UUID merchantId,
            @Parameter(description = "YYYY-MM") @PathParam("period") String period) {
        return endpoints.json(merchantId, period, base(merchantId));
    }

    @GET
    @Path("{period}")
    @Produces(StatementCsv.MEDIA_TYPE)
    @Operation(summary = "A merchant's statement of a month as CSV")
    public Uni<Response> statementCsv(@PathParam("merchantId") UUID merchantId, @PathParam("period") String period) {
        return endpoints.csv(merchantId, period);
    }

    @GET
    @Path("{period}/lines")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The payments charged on a merchant's statement, a page at a time")
    public Uni<StatementViews.PaymentPage> lines(@PathParam("merchantId") UUID merchantId,
            @PathParam("period") String period, @QueryParam("limit") Integer limit, @QueryParam("after") String after) {
        return endpoints.page(merchantId, period, limit, after);
    }

    @GET
    @Path("{period}/lines")
    @Produces(StatementCsv.MEDIA_TYPE)
    @Operation(summary = "Every payment charged on a merchant's statement as CSV, streamed")
    public RestMulti<String> linesCsv(@PathParam("merchantId") UUID merchantId, @PathParam("period") String period) {
        return endpoints.paymentsCsv(merchantId, period);
    }

    @POST
    @Path("{period}/close")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Close (freeze) a merchant's statement of an ended month; idempotent (closedNow false when it already was)")
    public Uni<StatementViews.ClosedView> close(@PathParam("merchantId") UUID merchantId,
            @PathParam("period") String period) {
        return endpoints.close(merchantId, period, operator(identity), base(merchantId));
    }
}
