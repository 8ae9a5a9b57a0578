package io.sippar.pricing;

import java.util.List;
import java.util.UUID;

/** A merchant's priced route as stored in the database. */
public record RouteDefinition(UUID id, UUID merchantId, String merchantSlug, String name, String method, String host,
        String pathPattern, String upstream, String price, String description, String mimeType,
        int maxTimeoutSeconds, boolean settleBeforeServe, List<Accept> accepts) {

    /** One (scheme, network, asset, payTo) the route accepts; asset null = the network's default. */
    public record Accept(String scheme, String network, String asset, String payTo) {
    }
}
