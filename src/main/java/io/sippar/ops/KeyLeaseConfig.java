package io.sippar.ops;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settlement-key leases in Postgres: how long a process holds a key and how it keeps and gives it back. */
@ConfigMapping(prefix = "sippar.key-leases")
public interface KeyLeaseConfig {

    /**
     * Lease keys so that no two gateway processes ever sign with one key; off only when exactly one
     * process runs (each network then settles from its first key); default true.
     */
    @WithDefault("true")
    boolean enabled();

    /** How long a lease lasts without renewal: a crashed process's key is free again after this; default 30s. */
    @WithDefault("30s")
    Duration ttl();

    /**
     * How often held leases are renewed and a network without a key tries again to take one; at most
     * half the ttl, and ttl minus this must exceed every network's rpc-timeout; default 10s.
     */
    @WithDefault("10s")
    Duration renewInterval();

    /**
     * At a graceful shutdown, how long to wait for settlements still in flight before a key is given
     * back (the HTTP server has already waited for its requests); default 70s (receipt-timeout + margin).
     */
    @WithDefault("70s")
    Duration drainTimeout();
}
