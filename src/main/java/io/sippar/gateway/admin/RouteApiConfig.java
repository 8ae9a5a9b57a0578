package io.sippar.gateway.admin;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Limits on routes written through the merchant and admin APIs, above all where their upstreams may point. */
@ConfigMapping(prefix = "sippar.route-api")
public interface RouteApiConfig {

    /**
     * Whether upstreams may resolve to loopback, private (RFC 1918, unique-local), link-local (cloud
     * metadata), carrier-grade NAT or other non-public addresses; default false (SSRF protection).
     */
    @WithDefault("false")
    boolean upstreamAllowPrivate();

    /** Upstream hosts (names or IP literals) allowed whatever they resolve to, e.g. an internal service; default none. */
    Optional<List<String>> upstreamAllowedHosts();

    /** Upstream hosts (names or IP literals) always refused; wins over the allowed list; default none. */
    Optional<List<String>> upstreamDeniedHosts();

    /** Deadline for resolving an upstream host when a route is written; default 3s. */
    @WithDefault("3s")
    Duration upstreamResolveTimeout();

    /** Most live routes one merchant may have; default 200. */
    @WithDefault("200")
    int maxRoutesPerMerchant();
}
