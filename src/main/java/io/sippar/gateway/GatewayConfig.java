package io.sippar.gateway;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The HTTP edge: how resources are named in 402s and how upstreams are called. */
@ConfigMapping(prefix = "sippar.gateway")
public interface GatewayConfig {

    /**
     * Public base URL (scheme://host[:port]) used for the absolute resource URL of 402 challenges
     * when the gateway sits behind a proxy; absent = taken from the request's scheme and Host.
     */
    Optional<String> publicBaseUrl();

    /** Upstream for paths no route prices; absent = such paths get 404 problem+json. */
    Optional<String> passthroughUpstream();

    /** Time an upstream may take to answer (headers and body); default 30s. */
    @WithDefault("30s")
    Duration upstreamTimeout();

    /** Largest upstream response body the gateway buffers before settling; default 10 MiB. */
    @WithDefault("10485760")
    int maxUpstreamResponseBytes();

    /**
     * Longest the payment path waits for one database call (a reservation, a state change, the
     * settlement's recording); past it the request is answered 503 like a database outage, and
     * anything the database does later is finished by the reconciler. Default 10s.
     */
    @WithDefault("10s")
    Duration databaseTimeout();

    /** Seconds clients are told to wait (Retry-After) when a chain node or the database is down; default 5. */
    @WithDefault("5")
    int retryAfterSeconds();
}
