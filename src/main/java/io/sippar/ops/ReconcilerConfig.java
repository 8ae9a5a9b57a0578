package io.sippar.ops;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The reconciler: which stuck payments it looks up on chain, how often, and how it shares them between pods. */
@ConfigMapping(prefix = "sippar.reconciler")
public interface ReconcilerConfig {

    /** Run the reconciler in this process; every pod may, since rows are leased to one owner at a time; default true. */
    @WithDefault("true")
    boolean enabled();

    /** Pause between two runs (a run that filled its batch is followed at once by the next); default 15s. */
    @WithDefault("15s")
    Duration interval();

    /**
     * A payment in {@code settling} for longer than this is finished from the chain; keep it above the
     * longest EVM {@code receipt-timeout} and Algorand confirmation wait, so the request that broadcast
     * it has given up; default 5m.
     */
    @WithDefault("5m")
    Duration settlingDeadline();

    /**
     * A payment in {@code reserved} or {@code verified} for longer than this is taken from its request
     * (released, or failed when the chain shows the authorization used); must exceed
     * {@code sippar.gateway.upstream-timeout}, checked at start; default 5m.
     */
    @WithDefault("5m")
    Duration reservedDeadline();

    /** Most payments one run claims; default 100. */
    @WithDefault("100")
    int batchSize();

    /** How long a claim keeps other pods off a payment while it is looked up; default 2m. */
    @WithDefault("2m")
    Duration lease();

    /** First wait before a payment the chain could not decide yet is looked at again, doubling each time; default 30s. */
    @WithDefault("30s")
    Duration retryDelay();

    /** Longest wait between two looks at an undecided payment; default 10m. */
    @WithDefault("10m")
    Duration maxRetryDelay();
}
