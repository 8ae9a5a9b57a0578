package io.sippar.billing;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Plans, the hard stop and the usage-notice webhooks (README "Plans and usage"). */
@ConfigMapping(prefix = "sippar.billing")
public interface BillingConfig {

    /** A plan file in the format of billing/PLANS.md; absent = the built-in catalog (billing/plans.json). */
    Optional<Path> planFile();

    /** How long a pod trusts a merchant's cached plan state before reading it again; default 5s. */
    @WithDefault("5s")
    Duration limitCacheTtl();

    /** How often each pod copies plan changes that have come due into merchant.plan; default 60s. */
    @WithDefault("60s")
    Duration planMirrorInterval();

    /** Delivery of usage notices to merchants' webhooks. */
    Webhooks webhooks();

    /** Webhook delivery. */
    interface Webhooks {
        /** Whether this pod delivers notices (any number of pods may; rows are claimed with a lease); default true. */
        @WithDefault("true")
        boolean enabled();

        /** Base64 of the 32-byte AES key that encrypts webhook secrets at rest (a secret: from the environment). */
        Optional<String> encryptionKey();

        /** A file holding that key (a mounted Secret); used when encryption-key is not set. */
        Optional<Path> encryptionKeyFile();

        /** Deadline of one delivery attempt (connect, send and the answer's status); default 10s. */
        @WithDefault("10s")
        Duration timeout();

        /** Attempts before a notice is given up (a redelivery grants as many again); default 8. */
        @WithDefault("8")
        int maxAttempts();

        /** Wait before the second attempt; doubles per attempt, with jitter; default 30s. */
        @WithDefault("30s")
        Duration initialBackoff();

        /** Longest wait between attempts; default 1h. */
        @WithDefault("1h")
        Duration maxBackoff();

        /** How often each pod looks for due notices; default 2s. */
        @WithDefault("2s")
        Duration pollInterval();

        /** Notices one pod claims per poll; default 20. */
        @WithDefault("20")
        int batchSize();

        /** Allow http:// and loopback endpoints (local development and tests only); default false. */
        @WithDefault("false")
        boolean allowLoopback();

        /** Allow endpoints in private, link-local and unique-local address ranges; default false. */
        @WithDefault("false")
        boolean allowPrivateNetworks();
    }
}
