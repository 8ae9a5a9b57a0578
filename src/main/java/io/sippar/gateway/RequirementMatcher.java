package io.sippar.gateway;

import io.sippar.pricing.PricedRoute;
import io.sippar.x402.Network;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import java.util.Optional;

/**
 * Finds which of a route's requirements a payment answers. v2 payments must carry an exact copy of
 * one offered requirement ({@code accepted}, compared structurally as the reference server does);
 * v1 payments name scheme and network, as the legacy server matches them.
 */
final class RequirementMatcher {

    private RequirementMatcher() {
    }

    /** The matched requirement, or why none matches. */
    sealed interface Result {
    }

    record Matched(PaymentRequirements requirements) implements Result {
    }

    record Mismatch(ReasonCode reason, String message) implements Result {
    }

    static Result match(PricedRoute route, Payment payment) {
        Optional<String> network = Network.parse(payment.network()).map(Network::caip2);
        if (route.requirements().stream().noneMatch(r -> r.scheme().equals(payment.scheme()))) {
            return new Mismatch(ReasonCode.UNSUPPORTED_SCHEME,
                    "this route does not accept the scheme '" + payment.scheme() + "'");
        }
        if (network.isEmpty()) {
            return new Mismatch(ReasonCode.INVALID_NETWORK, "unknown network '" + payment.network() + "'");
        }
        if (route.requirements().stream().noneMatch(r -> r.network().equals(network.get()))) {
            return new Mismatch(ReasonCode.UNSUPPORTED_NETWORK,
                    "this route does not accept payments on " + network.get());
        }
        Optional<PaymentRequirements> found = payment.x402Version() == 2
                ? route.matchAccepted(payment.accepted())
                : route.matchSchemeNetwork(payment.scheme(), network.get());
        return found.<Result>map(Matched::new).orElseGet(() -> new Mismatch(
                ReasonCode.NO_MATCHING_PAYMENT_REQUIREMENTS,
                "the accepted requirements differ from what this route offers (amount, asset, payTo, "
                        + "maxTimeoutSeconds or extra)"));
    }
}
