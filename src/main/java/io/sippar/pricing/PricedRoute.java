package io.sippar.pricing;

import io.sippar.x402.PaymentRequirements;
import java.util.List;
import java.util.Optional;

/**
 * A route ready to serve: its definition, its parsed path, and the payment requirements it offers,
 * computed once so that every 402 for it is byte-for-byte the same (the v2 client's copy of a
 * requirement must deep-equal ours when it pays).
 */
public record PricedRoute(RouteDefinition definition, RoutePattern pattern, List<PaymentRequirements> requirements) {

    /** Whether this route applies to a request. */
    public boolean matches(String method, String host, String normalisedPath) {
        String m = definition.method();
        if (!m.equals("*") && !m.equals(method)) {
            return false;
        }
        if (definition.host() != null && !definition.host().equalsIgnoreCase(stripPort(host, definition.host()))) {
            return false;
        }
        return pattern.matches(normalisedPath);
    }

    /** The requirement a v2 client's {@code accepted} object deep-equals, if any. */
    public Optional<PaymentRequirements> matchAccepted(com.fasterxml.jackson.databind.JsonNode accepted) {
        return requirements.stream().filter(r -> r.matchesAccepted(accepted)).findFirst();
    }

    /** The requirement for a v1 payment: scheme and network equal, as the legacy server matches. */
    public Optional<PaymentRequirements> matchSchemeNetwork(String scheme, String network) {
        return requirements.stream()
                .filter(r -> r.scheme().equals(scheme) && r.network().equals(network))
                .findFirst();
    }

    private static String stripPort(String requestHost, String configured) {
        if (requestHost == null) {
            return "";
        }
        // a configured host without a port matches the request host on any port
        if (!configured.contains(":")) {
            int colon = requestHost.lastIndexOf(':');
            if (colon > 0 && !requestHost.endsWith("]")) {
                return requestHost.substring(0, colon);
            }
        }
        return requestHost;
    }
}
