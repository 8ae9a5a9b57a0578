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
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Merchant API of treasury mode: its payable balances, payouts with their transactions, payout accounts. */
@Path("/merchant")
@RolesAllowed(Caller.MERCHANT)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "merchant")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class MerchantTreasuryResource {

    private final SecurityIdentity identity;
    private final TreasuryApi api;

    public MerchantTreasuryResource(SecurityIdentity identity, TreasuryApi api) {
        this.identity = identity;
        this.api = api;
    }

    private UUID me() {
        return ApiKeyAuthentication.caller(identity).scope(Optional.empty());
    }

    private String actor() {
        return "merchant-key:" + ApiKeyAuthentication.caller(identity).keyId();
    }

    @GET
    @Path("balance")
    @Operation(summary = "The settlement mode and, per network and asset, the payable balance the treasury holds for "
            + "the merchant, the part in a payout not finished yet, what was paid out, and the payout threshold")
    @APIResponse(responseCode = "200", description = "The balances (atomic units as decimal strings)")
    public Uni<TreasuryViews.BalancesView> balance() {
        return api.balances(me());
    }

    @GET
    @Path("payouts")
    @Operation(summary = "The merchant's payout transfers, newest first, with their state and transaction id")
    @APIResponse(responseCode = "200", description = "The transfers")
    @APIResponse(responseCode = "400", description = "limit out of range, or a malformed period")
    public Uni<List<TreasuryViews.MerchantPayoutView>> payouts(
            @Parameter(description = "At most this many (1..500, default 100)") @QueryParam("limit") Integer limit,
            @Parameter(description = "Only the payouts made in this UTC month (YYYY-MM), as a statement links them")
            @QueryParam("period") String period) {
        return api.payouts(me(), limit, period);
    }

    @GET
    @Path("payout-accounts")
    @Operation(summary = "Where the merchant is paid on each network, a pending address change and when it takes "
            + "effect, and the payout threshold")
    @APIResponse(responseCode = "200", description = "The payout accounts")
    public Uni<List<TreasuryViews.PayoutAccountView>> accounts() {
        return api.accounts(me());
    }

    @PUT
    @Path("payout-accounts")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set the payout address and/or threshold of a network. A new address takes effect after "
            + "sippar.treasury.address-change-delay (24 h by default; the operator can approve it sooner); asking for "
            + "the address in effect cancels a pending change; a threshold (\"$10\", atomic units or \"default\") "
            + "applies now")
    @APIResponse(responseCode = "200", description = "The payout account, with a warning when the address cannot "
            + "receive the asset yet (e.g. not opted in)")
    @APIResponse(responseCode = "400", description = "No treasury on that network, an invalid address or threshold")
    public Uni<TreasuryViews.PayoutAccountView> change(TreasuryViews.PayoutAccountRequest body) {
        return api.change(me(), body, actor(), false);
    }

    @POST
    @Path("payout-accounts/cancel")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Cancel the pending payout address change of a network")
    @APIResponse(responseCode = "204", description = "Cancelled")
    @APIResponse(responseCode = "400", description = "No network given")
    @APIResponse(responseCode = "409", description = "Nothing was pending")
    public Uni<Response> cancel(TreasuryViews.NetworkRequest body) {
        return api.cancel(me(), body, actor()).replaceWith(Response.noContent().build());
    }

    @GET
    @Path("payout-accounts/history")
    @Operation(summary = "Every change of the merchant's payout addresses (requested, effective, approved, cancelled, "
            + "set by the operator), newest first")
    @APIResponse(responseCode = "200", description = "The history")
    public Uni<List<TreasuryViews.AddressEventView>> history() {
        return api.history(me());
    }
}
