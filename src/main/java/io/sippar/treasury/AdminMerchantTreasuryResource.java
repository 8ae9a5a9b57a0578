package io.sippar.treasury;

import io.quarkus.security.identity.SecurityIdentity;
import io.sippar.merchant.AdminMerchantsResource;
import io.sippar.merchant.ApiKeyAuthentication;
import io.sippar.merchant.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
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
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Operator API of one merchant's treasury mode. Rooted at /admin/merchants like the other merchant
 * resources (the REST layer merges classes with the same root path).
 */
@Path("/admin/merchants")
@RolesAllowed(Caller.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class AdminMerchantTreasuryResource {

    private final SecurityIdentity identity;
    private final TreasuryApi api;

    public AdminMerchantTreasuryResource(SecurityIdentity identity, TreasuryApi api) {
        this.identity = identity;
        this.api = api;
    }

    private String actor() {
        return "operator-key:" + ApiKeyAuthentication.caller(identity).keyId();
    }

    @GET
    @Path("{merchantId}/settlement-mode")
    @Operation(summary = "A merchant's settlement mode (direct or treasury) and the networks with a treasury")
    @APIResponse(responseCode = "200", description = "The mode")
    @APIResponse(responseCode = "404", description = "No such merchant")
    public Uni<TreasuryViews.ModeView> mode(@PathParam("merchantId") UUID merchantId) {
        return api.mode(merchantId);
    }

    @PUT
    @Path("{merchantId}/settlement-mode")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set a merchant's settlement mode: treasury = its 402s name the network's treasury as payTo, "
            + "the fee is kept on chain and the rest becomes its payable balance; direct = payments go to its own "
            + "address and fees are invoiced. Served on every pod without a restart")
    @APIResponse(responseCode = "200", description = "The new mode")
    @APIResponse(responseCode = "400", description = "Not direct or treasury")
    @APIResponse(responseCode = "404", description = "No such merchant")
    @APIResponse(responseCode = "409", description = "No treasury is configured")
    public Uni<TreasuryViews.ModeView> setMode(@PathParam("merchantId") UUID merchantId, TreasuryViews.ModeRequest body) {
        return api.setMode(merchantId, body);
    }

    @GET
    @Path("{merchantId}/balance")
    @Operation(summary = "A merchant's payable balances per network and asset, in payout and paid out")
    @APIResponse(responseCode = "200", description = "The balances")
    @APIResponse(responseCode = "404", description = "No such merchant")
    public Uni<TreasuryViews.BalancesView> balance(@PathParam("merchantId") UUID merchantId) {
        return api.balances(merchantId);
    }

    @GET
    @Path("{merchantId}/payouts")
    @Operation(summary = "A merchant's payout transfers, newest first")
    @APIResponse(responseCode = "200", description = "The transfers")
    @APIResponse(responseCode = "400", description = "limit out of range, or a malformed period")
    @APIResponse(responseCode = "404", description = "No such merchant")
    public Uni<List<TreasuryViews.MerchantPayoutView>> payouts(@PathParam("merchantId") UUID merchantId,
            @Parameter(description = "At most this many (1..500, default 100)") @QueryParam("limit") Integer limit,
            @Parameter(description = "Only the payouts made in this UTC month (YYYY-MM), as a statement links them")
            @QueryParam("period") String period) {
        return api.payouts(merchantId, limit, period);
    }

    @GET
    @Path("{merchantId}/payout-accounts")
    @Operation(summary = "A merchant's payout accounts")
    @APIResponse(responseCode = "200", description = "The payout accounts")
    @APIResponse(responseCode = "404", description = "No such merchant")
    public Uni<List<TreasuryViews.PayoutAccountView>> accounts(@PathParam("merchantId") UUID merchantId) {
        return api.accounts(merchantId);
    }

    @PUT
    @Path("{merchantId}/payout-accounts")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set a merchant's payout address (with immediate effect, dropping a pending change) and/or "
            + "threshold on a network")
    @APIResponse(responseCode = "200", description = "The payout account")
    @APIResponse(responseCode = "400", description = "No treasury on that network, an invalid address or threshold")
    @APIResponse(responseCode = "404", description = "No such merchant")
    public Uni<TreasuryViews.PayoutAccountView> change(@PathParam("merchantId") UUID merchantId,
            TreasuryViews.PayoutAccountRequest body) {
        return api.change(merchantId, body, actor(), true);
    }

    @POST
    @Path("{merchantId}/payout-accounts/approve")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Make a merchant's pending payout address take effect now")
    @APIResponse(responseCode = "200", description = "The payout account")
    @APIResponse(responseCode = "400", description = "No network given")
    @APIResponse(responseCode = "404", description = "No such merchant")
    @APIResponse(responseCode = "409", description = "Nothing is pending")
    public Uni<TreasuryViews.PayoutAccountView> approve(@PathParam("merchantId") UUID merchantId,
            TreasuryViews.NetworkRequest body) {
        return api.approve(merchantId, body, actor());
    }

    @POST
    @Path("{merchantId}/payout-accounts/cancel")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Cancel a merchant's pending payout address change")
    @APIResponse(responseCode = "204", description = "Cancelled")
    @APIResponse(responseCode = "400", description = "No network given")
    @APIResponse(responseCode = "404", description = "No such merchant")
    @APIResponse(responseCode = "409", description = "Nothing was pending")
    public Uni<Response> cancel(@PathParam("merchantId") UUID merchantId, TreasuryViews.NetworkRequest body) {
        return api.cancel(merchantId, body, actor()).replaceWith(Response.noContent().build());
    }

    @GET
    @Path("{merchantId}/payout-accounts/history")
    @Operation(summary = "Every change of a merchant's payout addresses, newest first")
    @APIResponse(responseCode = "200", description = "The history")
    @APIResponse(responseCode = "404", description = "No such merchant")
    public Uni<List<TreasuryViews.AddressEventView>> history(@PathParam("merchantId") UUID merchantId) {
        return api.history(merchantId);
    }
}
