package io.sippar.billing;

import io.sippar.merchant.AdminMerchantsResource;
import io.sippar.merchant.ApiError;
import io.sippar.merchant.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Operator API: the plan catalog and notice redelivery (per-merchant billing is {@link AdminMerchantBillingResource}). */
@Path("/admin")
@RolesAllowed(Caller.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class AdminBillingResource {

    private final Subscriptions subscriptions;
    private final NoticeRepository notices;
    private final BillingConfig config;

    public AdminBillingResource(Subscriptions subscriptions, NoticeRepository notices, BillingConfig config) {
        this.subscriptions = subscriptions;
        this.notices = notices;
        this.config = config;
    }

    @GET
    @Path("plans")
    @Operation(summary = "The plan catalog: plans, prices, included transactions, overage, hard stop, commitment terms")
    @APIResponse(responseCode = "200", description = "The catalog")
    public BillingViews.CatalogView plans() {
        return BillingViews.CatalogView.of(subscriptions.catalog());
    }

    @POST
    @Path("notices/{noticeId}/redeliver")
    @Operation(summary = "Send a notice again now (same event id), with max-attempts more attempts, whatever its state")
    @APIResponse(responseCode = "202", description = "Queued; the answer is the notice")
    @APIResponse(responseCode = "404", description = "No such notice")
    @APIResponse(responseCode = "409", description = "An attempt is in flight right now")
    public Uni<Response> redeliver(@PathParam("noticeId") UUID noticeId) {
        int max = config.webhooks().maxAttempts();
        return notices.redeliver(noticeId, max, max).chain(outcome -> switch (outcome) {
            case NOT_FOUND -> throw ApiError.notFound("no notice " + noticeId);
            case IN_FLIGHT -> throw ApiError.conflict("notice " + noticeId + " is being delivered right now; retry shortly");
            case QUEUED -> notices.find(noticeId, max).map(n -> Response.status(202)
                    .entity(BillingViews.NoticeView.of(n.orElseThrow())).build());
        });
    }
}
