package io.sippar.treasury;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Treasury mode and payouts (README "Treasury mode"). The treasuries themselves (address and key per
 * network) are configured with their network: {@code sippar.evm.networks.<alias>.treasury.*} and
 * {@code sippar.algorand.networks.<alias>.treasury.*}.
 */
@ConfigMapping(prefix = "sippar.treasury")
public interface TreasuryConfig {

    /** Whether this pod runs the payout job (one pod at a time holds its lease); default true. */
    @WithDefault("true")
    boolean enabled();

    /** Pause between payout runs (each run checks every treasury first); default 60s. */
    @WithDefault("60s")
    Duration interval();

    /** How long a run's lease keeps other pods off the job; a run gives it back when it ends; default 10m. */
    @WithDefault("10m")
    Duration lease();

    /** How long a run waits for a payout transaction to execute before leaving it to the next run; default 60s. */
    @WithDefault("60s")
    Duration confirmationTimeout();

    /** Pause between two looks at a payout transaction while a run waits for it; default 1s. */
    @WithDefault("1s")
    Duration pollInterval();

    /** Payable balance from which a merchant is paid at once: {@code $10} (converted to the asset) or atomic units; default $10. */
    @WithDefault("$10")
    String defaultThreshold();

    /** The payout period: at its end every balance of at least {@code min-payout} is paid, below threshold too; default day. */
    @WithDefault("day")
    Period period();

    /** Smallest balance paid at a period end (network fees make dust not worth sending); default $1. */
    @WithDefault("$1")
    String minPayout();

    /** How long a merchant's own change of payout address waits before it takes effect (an operator may approve it sooner); default 24h. */
    @WithDefault("24h")
    Duration addressChangeDelay();

    /** After a failed transfer to a merchant (e.g. a receiver that cannot receive), how long before it is tried again; default 1h. */
    @WithDefault("1h")
    Duration failedRetryDelay();

    /** Most payout transactions one run sends per network (each waits for the one before); default 10. */
    @WithDefault("10")
    int maxPayoutsPerRun();

    /** Configured merchants' treasury settings by slug ({@code sippar.treasury.merchants.<slug>.*}); default none. */
    Map<String, MerchantTreasury> merchants();

    /** A payout period. */
    enum Period {
        /** UTC days. */
        DAY,
        /** ISO weeks (Monday, UTC). */
        WEEK,
        /** UTC months. */
        MONTH
    }

    /** One configured merchant. */
    interface MerchantTreasury {
        /** {@code direct} or {@code treasury}, applied at every start (configuration wins over the API); default none. */
        Optional<String> mode();

        /** Payout address per network (CAIP-2 key, quoted), set at every start with immediate effect; default none. */
        Map<String, String> payoutAddresses();
    }
}
