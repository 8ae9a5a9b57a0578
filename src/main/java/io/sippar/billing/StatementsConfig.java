package io.sippar.billing;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Statements, period close and analytics. */
@ConfigMapping(prefix = "sippar.statements")
public interface StatementsConfig {

    /** Database time limit for one statement, close or analytics query (the server cancels it past this). */
    @WithDefault("60s")
    Duration queryTimeout();

    /** Whether every pod closes the previous month's statements once it has ended and the grace has passed. */
    @WithDefault("true")
    boolean autoClose();

    /** How long after a month ends its statements stay open for settlements still in flight. */
    @WithDefault("24h")
    Duration closeGrace();

    /** How often a pod checks whether a month is due to be closed. */
    @WithDefault("10m")
    Duration closeCheckInterval();

    /** Merchants closed in parallel by one close-all. */
    @WithDefault("4")
    int closeConcurrency();

    /** Payments per page of {@code /statements/{period}/lines} when the request names no limit. */
    @WithDefault("1000")
    int pageSize();

    /** The largest page a request may ask for. */
    @WithDefault("10000")
    int maxPageSize();

    /** Seconds a client is told to wait (Retry-After) when the database is unavailable or too slow. */
    @WithDefault("5")
    int retryAfterSeconds();
}
