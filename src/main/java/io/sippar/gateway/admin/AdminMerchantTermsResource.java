package io.sippar.gateway.admin;

import static io.sippar.merchant.AdminMerchantsResource.PROBLEM;
import static io.sippar.merchant.AdminMerchantsResource.PROBLEM_SCHEMA;

import com.fasterxml.jackson.databind.JsonNode;
import io.sippar.gateway.FeeBook;
import io.sippar.ledger.FeeScheduleRepository;
import io.sippar.ledger.MerchantRepository;
import io.sippar.merchant.AdminMerchantsResource;
import io.sippar.merchant.ApiError;
import io.sippar.merchant.ApiViews;
import io.sippar.merchant.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Operator API: the fee terms of a merchant's contract, the inputs of the fee calculator besides the
 * payment itself. Only the operator sets them: a merchant could otherwise lower its own fees.
 */
@Path("/admin/merchants/{merchantId}")
@RolesAllowed(Caller.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class AdminMerchantTermsResource {

    /**
     * The fields a PATCH may carry; an absent field is unchanged (JSON merge patch).
     *
     * @param homeNetwork CAIP-2 network; payments settled on another network pay the cross-chain fee; null clears it
     * @param crossChainTier a cross-chain tier of the fee schedule (standard, enterprise, high-frequency)
     * @param agentPricing whether the merchant's payments are charged as AI-agent transactions
     */
    public record FeeTermsPatch(String homeNetwork, String crossChainTier, Boolean agentPricing) {
    }

    private static final Set<String> FIELDS = Set.of("homeNetwork", "crossChainTier", "agentPricing");
    private static final Pattern TIER = Pattern.compile("^[a-z0-9][a-z0-9-]{0,39}$");

    private final MerchantRepository merchants;
    private final FeeScheduleRepository schedules;
    private final FeeBook fees;

    public AdminMerchantTermsResource(MerchantRepository merchants, FeeScheduleRepository schedules, FeeBook fees) {
        this.merchants = merchants;
        this.schedules = schedules;
        this.fees = fees;
    }

    @PATCH
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    @Operation(summary = "Change a merchant's fee terms: home network, cross-chain tier, AI-agent pricing")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = FeeTermsPatch.class)))
    @APIResponse(responseCode = "200", description = "The merchant with its new terms; settlements from now on use them",
            content = @Content(schema = @Schema(implementation = ApiViews.MerchantView.class)))
    @APIResponse(responseCode = "400", description = "An unknown field or an invalid value",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "404", description = "No such merchant",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "409", description = "A cross-chain tier the fee schedule does not price",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<ApiViews.MerchantView> patch(@PathParam("merchantId") UUID merchantId, String body) {
        MerchantRepository.FeeTermsChange change = change(StrictJson.object(body));
        Uni<Void> tierPriced = change.crossChainTier().isEmpty() ? Uni.createFrom().voidItem()
                : schedules.databaseNow().invoke(now -> fees.unpricedTier(change.crossChainTier().get(), now)
                        .ifPresent(problem -> {
                            throw ApiError.conflict(problem);
                        })).replaceWithVoid();
        return tierPriced.chain(() -> merchants.changeFeeTerms(merchantId, change))
                .map(m -> ApiViews.MerchantView.of(m.orElseThrow(() -> ApiError.notFound("no merchant " + merchantId))));
    }

    private static MerchantRepository.FeeTermsChange change(JsonNode patch) {
        for (Iterator<String> it = patch.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw ApiError.badRequest("$." + field + ": unknown field (allowed: " + FIELDS.stream().sorted().toList()
                        + ")");
            }
        }
        Optional<Optional<String>> home = Optional.empty();
        if (patch.has("homeNetwork")) {
            JsonNode h = patch.get("homeNetwork");
            if (h.isNull()) {
                home = Optional.of(Optional.empty());
            } else if (h.isTextual() && RouteService.isCaip2(h.textValue())) {
                home = Optional.of(Optional.of(h.textValue()));
            } else {
                throw ApiError.badRequest("$.homeNetwork: a CAIP-2 network like eip155:8453, or null for none");
            }
        }
        Optional<String> tier = Optional.empty();
        if (patch.has("crossChainTier")) {
            JsonNode t = patch.get("crossChainTier");
            if (!t.isTextual() || !TIER.matcher(t.textValue()).matches()) {
                throw ApiError.badRequest("$.crossChainTier: a tier name like \"standard\" is required");
            }
            tier = Optional.of(t.textValue());
        }
        Optional<Boolean> agent = Optional.empty();
        if (patch.has("agentPricing")) {
            JsonNode a = patch.get("agentPricing");
            if (!a.isBoolean()) {
                throw ApiError.badRequest("$.agentPricing: true or false");
            }
            agent = Optional.of(a.booleanValue());
        }
        return new MerchantRepository.FeeTermsChange(home, tier, agent);
    }
}
