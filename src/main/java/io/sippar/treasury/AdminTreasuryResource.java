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
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Operator API of the treasuries: hygiene, clearing mismatches, payout runs and held payouts. */
@Path("/admin/treasury")
@RolesAllowed(Caller.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class AdminTreasuryResource {

    private final SecurityIdentity identity;
    private final TreasuryApi api;

    public AdminTreasuryResource(SecurityIdentity identity, TreasuryApi api) {
        this.identity = identity;
        this.api = api;
    }

    private String actor() {
        return "operator-key:" + ApiKeyAuthentication.caller(identity).keyId();
    }

    @GET
    @Operation(summary = "Every treasury: address, signer, the last comparison of its on-chain balances with the ledger "
            + "per asset (ok or mismatch) and its unfinished payout")
    @APIResponse(responseCode = "200", description = "The treasuries")
    public Uni<List<TreasuryViews.TreasuryView>> treasuries() {
        return api.treasuries();
    }

    @POST
    @Path("clear")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Clear a treasury mismatch so payouts of the asset resume; with adjust=true the last check's "
            + "difference (repeated in difference) is first booked as an adjustment entry")
    @APIResponse(responseCode = "200", description = "The check, now ok")
    @APIResponse(responseCode = "400", description = "Missing fields, no treasury on that network")
    @APIResponse(responseCode = "409", description = "No mismatch recorded, or the difference is not the last check's")
    public Uni<TreasuryViews.CheckView> clear(TreasuryViews.ClearRequest body) {
        return api.clear(body, actor());
    }

    @POST
    @Path("payouts/run")
    @Operation(summary = "Run payouts now on this pod (decide unfinished payouts, check every treasury, pay who is due)")
    @APIResponse(responseCode = "200", description = "What the run did")
    @APIResponse(responseCode = "409", description = "Another pod holds the payout job's lease")
    public Uni<TreasuryViews.RunView> run() {
        return api.run();
    }

    @GET
    @Path("payouts")
    @Operation(summary = "Payouts, newest first, with their transfers")
    @APIResponse(responseCode = "200", description = "The payouts")
    @APIResponse(responseCode = "400", description = "Unknown state or limit out of range")
    public Uni<List<TreasuryViews.PayoutView>> payouts(
            @Parameter(description = "Only payouts in this state") @QueryParam("state") String state,
            @Parameter(description = "At most this many (1..500, default 100)") @QueryParam("limit") Integer limit) {
        return api.allPayouts(state, limit);
    }

    @GET
    @Path("payouts/{payoutId}")
    @Operation(summary = "One payout with its transfers and every signed version's transaction id")
    @APIResponse(responseCode = "200", description = "The payout")
    @APIResponse(responseCode = "404", description = "No such payout")
    public Uni<TreasuryViews.PayoutView> payout(@PathParam("payoutId") UUID payoutId) {
        return api.payout(payoutId);
    }

    @POST
    @Path("payouts/{payoutId}/resolve")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Decide a held payout after looking at the chain: not executed (its balances stay payable) or "
            + "executed in a transaction (every transfer it carried paid, with the network fee given)")
    @APIResponse(responseCode = "200", description = "The payout, now finished")
    @APIResponse(responseCode = "400", description = "Missing fields")
    @APIResponse(responseCode = "404", description = "No such payout")
    @APIResponse(responseCode = "409", description = "The payout is not held")
    public Uni<TreasuryViews.PayoutView> resolve(@PathParam("payoutId") UUID payoutId, TreasuryViews.ResolveRequest body) {
        return api.resolve(payoutId, body, actor());
    }
}
