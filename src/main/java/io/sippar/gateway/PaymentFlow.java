package io.sippar.gateway;

import io.sippar.pricing.PricedRoute;
import io.sippar.scheme.PaymentScheme;
import io.sippar.scheme.SchemeRegistry;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * The paid-request path shared by every integration mode: match the payment to the route, find the
 * scheme that can verify it, then verify, serve and settle.
 */
@ApplicationScoped
public class PaymentFlow {

    private final SchemeRegistry schemes;

    public PaymentFlow(SchemeRegistry schemes) {
        this.schemes = schemes;
    }

    /** What the edge answers for a paid request. */
    public sealed interface Outcome {
    }

    /** The payment is refused; answer 402 with the route's challenge and this reason. */
    public record Rejected(ReasonCode reason, String message) implements Outcome {
    }

    /** Our side cannot decide now (chain node or database down): 503 with Retry-After. */
    public record Unavailable(String message, int retryAfterSeconds) implements Outcome {
    }

    /** Handles a request that carries a decoded payment for a priced route. */
    public Uni<Outcome> pay(PricedRoute route, Payment payment, HttpServerRequest request, Buffer body) {
        RequirementMatcher.Result match = RequirementMatcher.match(route, payment);
        if (match instanceof RequirementMatcher.Mismatch m) {
            return Uni.createFrom().item(new Rejected(m.reason(), m.message()));
        }
        PaymentRequirements requirements = ((RequirementMatcher.Matched) match).requirements();
        Optional<PaymentScheme> scheme = schemes.find(requirements.scheme(), requirements.network());
        if (scheme.isEmpty()) {
            return Uni.createFrom().item(new Rejected(ReasonCode.UNSUPPORTED_SCHEME,
                    requirements.scheme() + " on " + requirements.network()
                            + " is offered by this route but this deployment cannot verify it yet"));
        }
        return Uni.createFrom().item(new Rejected(ReasonCode.UNSUPPORTED_SCHEME,
                "settlement for " + requirements.network() + " is not enabled"));
    }
}
