package io.sippar.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.sippar.scheme.PaymentScheme;
import io.sippar.scheme.SchemeRegistry;
import io.sippar.x402.AtomicAmount;
import io.sippar.x402.FacilitatorRequest;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.Network;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.SettleResponse;
import io.sippar.x402.SupportedResponse;
import io.sippar.x402.VerifyResponse;
import io.sippar.x402.X402DecodeException;
import io.sippar.x402.X402Json;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/**
 * The x402 facilitator API ({@code /verify}, {@code /settle}, {@code /supported}) that the official
 * server middlewares call. Well-formed requests always get 200 with a schema-complete body, also
 * when the payment is refused (that is what the reference facilitator does and what its clients
 * parse); only a malformed request gets 400 problem+json.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class FacilitatorResource {

    private final SchemeRegistry schemes;
    private final io.sippar.merchant.ApiKeys apiKeys;
    private final PaymentFlow flow;
    private final io.sippar.limits.RequestLimits limits;
    private final GatewayConfig config;
    @jakarta.inject.Inject
    io.sippar.treasury.TreasuryAdmission treasury;

    public FacilitatorResource(SchemeRegistry schemes, io.sippar.merchant.ApiKeys apiKeys, PaymentFlow flow,
            io.sippar.limits.RequestLimits limits, GatewayConfig config) {
        this.limits = limits;
        this.config = config;
        this.schemes = schemes;
        this.apiKeys = apiKeys;
        this.flow = flow;
    }

    /** The merchant calling, by its API key; 401 otherwise (settling costs gas and is billed). */
    private Uni<java.util.UUID> merchant(String authorization, io.vertx.core.http.HttpServerRequest request) {
        var blocked = limits.apiKeyAllowed(request);
        if (blocked.isPresent()) {
            return Uni.createFrom().failure(blocked.get());
        }
        return apiKeys.authenticate(authorization)
                .ifNoItem().after(config.databaseTimeout()).failWith(() -> new java.util.concurrent.TimeoutException(
                        "no answer within " + config.databaseTimeout().toSeconds() + " s"))
                // a key that cannot be looked up (database down) is our outage, never a 500 or a 401
                .onFailure().transform(t -> new io.sippar.scheme.SchemeUnavailableException(
                        "the merchant's API key could not be checked: " + t.getMessage(), config.retryAfterSeconds(), t))
                .map(m -> {
                    if (m.isEmpty()) {
                        limits.apiKeyFailed(request);
                    }
                    return m.orElseThrow(Unauthorized::new);
                });
    }

    /** Missing or unknown API key; mapped to 401 problem+json. */
    public static class Unauthorized extends RuntimeException {
        public Unauthorized() {
            super("a merchant API key is required: Authorization: Bearer sk_...");
        }
    }

    /** The kinds this deployment can verify and settle. */
    @GET
    @Path("supported")
    @Operation(summary = "Payment kinds this facilitator verifies and settles")
    @APIResponse(responseCode = "200", description = "The kinds, extensions and signers")
    public SupportedResponse supported() {
        return new SupportedResponse(schemes.kinds(), List.of(), schemes.signers());
    }

    /** Verifies a payment against requirements, without moving money. */
    @POST
    @Path("verify")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Verify a payment payload against payment requirements")
    @SecurityRequirement(name = io.sippar.merchant.AdminMerchantsResource.API_KEY)
    @APIResponse(responseCode = "200", description = "The verdict (isValid false with the reason when refused)")
    @APIResponse(responseCode = "400", description = "Not a facilitator request",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(ref = io.sippar.merchant.AdminMerchantsResource.PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "401", description = "No merchant API key, or an unknown one",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(ref = io.sippar.merchant.AdminMerchantsResource.PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "429", description = "The payer's verification rate limit; retry after Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(ref = io.sippar.merchant.AdminMerchantsResource.PROBLEM_SCHEMA)))
    public Uni<VerifyResponse> verify(@jakarta.ws.rs.HeaderParam("Authorization") String authorization, byte[] body,
            @jakarta.ws.rs.core.Context io.vertx.core.http.HttpServerRequest request) {
        return merchant(authorization, request).chain(merchantId -> {
            Parsed p = parse(body);
            if (p.refusal() != null) {
                return Uni.createFrom().item(VerifyResponse.invalid(p.refusal(), p.message(), null));
            }
            limitPayer(p);
            return treasuryClaim(merchantId, p).chain(refused -> refused.isPresent()
                    ? Uni.createFrom().item(VerifyResponse.invalid(refused.get().reason(), refused.get().message(), null))
                    : p.scheme().verify(p.payment(), p.requirements()));
        });
    }

    /**
     * A verification of a payment to the treasury claims it for this merchant, before the merchant serves
     * anything against it (see {@link io.sippar.treasury.TreasuryAdmission}); a payload the scheme cannot
     * identify is left for verify to refuse.
     */
    private Uni<Optional<io.sippar.treasury.TreasuryAdmission.Refusal>> treasuryClaim(java.util.UUID merchantId,
            Parsed p) {
        io.sippar.scheme.PaymentIdentity identity;
        try {
            identity = p.scheme().identify(p.payment(), p.requirements());
        } catch (X402DecodeException e) {
            return Uni.createFrom().item(Optional.empty());
        }
        return treasury.admit(merchantId, p.requirements(), identity, io.sippar.treasury.TreasuryAdmission.Via.VERIFY)
                .onFailure().transform(t -> new io.sippar.scheme.SchemeUnavailableException(
                        "the payment's attribution could not be recorded: " + t.getMessage(), config.retryAfterSeconds(), t));
    }

    /** Settles a payment on chain. */
    @POST
    @Path("settle")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Settle a verified payment on chain")
    @SecurityRequirement(name = io.sippar.merchant.AdminMerchantsResource.API_KEY)
    @APIResponse(responseCode = "200", description = "The settlement (success false with the reason when refused)")
    @APIResponse(responseCode = "400", description = "Not a facilitator request",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(ref = io.sippar.merchant.AdminMerchantsResource.PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "401", description = "No merchant API key, or an unknown one",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(ref = io.sippar.merchant.AdminMerchantsResource.PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "503", description = "A chain node is down, or the settlement is not confirmed yet; retry",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(ref = io.sippar.merchant.AdminMerchantsResource.PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "429", description = "The payer's verification rate limit; retry after Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(ref = io.sippar.merchant.AdminMerchantsResource.PROBLEM_SCHEMA)))
    public Uni<SettleResponse> settle(@jakarta.ws.rs.HeaderParam("Authorization") String authorization, byte[] body,
            @jakarta.ws.rs.core.Context io.vertx.core.http.HttpServerRequest request) {
        return merchant(authorization, request).chain(merchantId -> {
            Parsed p = parse(body);
            if (p.refusal() != null) {
                return Uni.createFrom().item(SettleResponse.failure(p.refusal(), p.message(), null,
                        p.requirements() == null ? "" : p.requirements().network(), ""));
            }
            return flow.settleForMerchant(merchantId, p.scheme(), p.payment(), p.requirements());
        });
    }

    /**
     * Per-payer verification limit. Facilitator callers are merchants' servers, each relaying many
     * clients from one address, so the per-IP limits of the edge do not apply here; a payload the
     * scheme cannot even identify is left for verify to refuse.
     */
    private void limitPayer(Parsed p) {
        String payer;
        try {
            payer = p.scheme().identify(p.payment(), p.requirements()).payer();
        } catch (X402DecodeException e) {
            return;
        }
        limits.verification(p.requirements().network(), payer).ifPresent(e -> {
            throw e;
        });
    }

    /** A parsed request: either everything needed to call the scheme, or why it can't be called. */
    record Parsed(Payment payment, PaymentRequirements requirements, PaymentScheme scheme, ReasonCode refusal,
            String message) {
    }

    /**
     * Shape problems (not JSON, missing objects) are the caller's bug: 400. Content problems (unknown
     * version, scheme or network) are answers: 200 with a reason.
     */
    private Parsed parse(byte[] body) {
        FacilitatorRequest req;
        try {
            // bytes, not a String: the JAX-RS String reader replaces invalid UTF-8 with U+FFFD, so two
            // hops could read different text; Jackson's byte parser refuses it instead
            JsonNode tree = X402Json.MAPPER.readTree(body == null ? new byte[0] : body);
            if (tree == null || !tree.isObject()) {
                throw new BadRequest("the body must be a JSON object");
            }
            req = X402Json.MAPPER.treeToValue(tree, FacilitatorRequest.class);
        } catch (java.io.IOException | NumberFormatException e) {
            // NumberFormatException: Jackson passes BigDecimal's refusal of an exponent beyond int range through
            throw new BadRequest("the body is not valid UTF-8 JSON for a facilitator request");
        }
        if (req.paymentPayload() == null || !req.paymentPayload().isObject()) {
            throw new BadRequest("paymentPayload must be an object");
        }
        if (req.paymentRequirements() == null || !req.paymentRequirements().isObject()) {
            throw new BadRequest("paymentRequirements must be an object");
        }
        PaymentRequirements requirements;
        try {
            requirements = FacilitatorRequests.requirements(req.paymentRequirements());
        } catch (X402DecodeException e) {
            return new Parsed(null, null, null, e.reason(), e.getMessage());
        }
        Payment payment;
        try {
            payment = HeaderCodec.paymentFromJson(req.paymentPayload());
        } catch (X402DecodeException e) {
            return new Parsed(null, requirements, null, e.reason(), e.getMessage());
        }
        if (req.x402Version() != null && req.x402Version() != payment.x402Version()) {
            return new Parsed(payment, requirements, null, ReasonCode.INVALID_X402_VERSION,
                    "x402Version " + req.x402Version() + " differs from the payload's " + payment.x402Version());
        }
        Optional<PaymentScheme> scheme = schemes.find(requirements.scheme(), requirements.network());
        if (scheme.isEmpty()) {
            boolean knownScheme = schemes.knowsScheme(requirements.scheme());
            return new Parsed(payment, requirements, null,
                    knownScheme ? ReasonCode.UNSUPPORTED_NETWORK : ReasonCode.UNSUPPORTED_SCHEME,
                    (knownScheme ? "network " + requirements.network() : "scheme " + requirements.scheme())
                            + " is not supported by this facilitator; see GET /supported");
        }
        return new Parsed(payment, requirements, scheme.get(), null, null);
    }

    /** A malformed facilitator request; mapped to 400 problem+json. */
    public static class BadRequest extends RuntimeException {
        public BadRequest(String message) {
            super(message);
        }
    }

    /** Normalises v1 and v2 requirement objects to the canonical v2 form. */
    static final class FacilitatorRequests {
        private FacilitatorRequests() {
        }

        static PaymentRequirements requirements(JsonNode node) {
            String scheme = text(node, "scheme");
            String network = text(node, "network");
            String amount = node.has("amount") ? text(node, "amount") : text(node, "maxAmountRequired");
            String caip2 = Network.parse(network).map(Network::caip2).orElseThrow(() -> new X402DecodeException(
                    ReasonCode.INVALID_NETWORK, "paymentRequirements.network '" + network + "' is not a known network"));
            if (!AtomicAmount.isCanonical(amount)) {
                throw new X402DecodeException(ReasonCode.INVALID_PAYMENT_REQUIREMENTS,
                        "paymentRequirements amount must be a canonical decimal string of atomic units within uint256");
            }
            JsonNode timeout = node.get("maxTimeoutSeconds");
            if (timeout == null || !timeout.canConvertToInt() || !timeout.isIntegralNumber() || timeout.asInt() <= 0) {
                throw new X402DecodeException(ReasonCode.INVALID_PAYMENT_REQUIREMENTS,
                        "paymentRequirements.maxTimeoutSeconds must be a positive integer");
            }
            JsonNode extra = node.get("extra");
            return new PaymentRequirements(scheme, caip2, amount, text(node, "asset"), text(node, "payTo"),
                    timeout.asInt(), extra != null && extra.isObject()
                            ? (com.fasterxml.jackson.databind.node.ObjectNode) extra
                            : X402Json.MAPPER.createObjectNode());
        }

        private static String text(JsonNode node, String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isTextual() || v.asText().isEmpty()) {
                throw new X402DecodeException(ReasonCode.INVALID_PAYMENT_REQUIREMENTS,
                        "paymentRequirements." + field + " must be a non-empty string");
            }
            return v.asText();
        }
    }
}
