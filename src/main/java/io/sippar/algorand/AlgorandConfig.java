package io.sippar.algorand;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The Algorand networks the exact scheme verifies and settles on, with their algod nodes and fee-payer keys. */
@ConfigMapping(prefix = "sippar.algorand")
public interface AlgorandConfig {

    /** Networks keyed by a free alias ({@code sippar.algorand.networks.<alias>.*}); default none (scheme inactive). */
    Map<String, NetworkConfig> networks();

    /** One Algorand network. */
    interface NetworkConfig {

        /**
         * The network: {@code algorand:<genesis hash>}, the bare 44-character base64 genesis hash, or
         * {@code mainnet} / {@code testnet}; required.
         */
        String network();

        /** algod REST base URLs, tried in this order with failover to the next; required, at least one. */
        List<String> algodUrls();

        /** algod API token sent as {@code X-Algo-API-Token} (a secret: set it from the environment); default none. */
        Optional<String> algodToken();

        /**
         * The fee payer's key, a secret: base64 of 64 bytes (x402 key form, only the first 32 bytes, the
         * seed, are used) or a 25-word mnemonic; set it from the environment; default none (no fee payer
         * offered: clients pay their own fees).
         */
        Optional<String> feePayerKey();

        /** File holding the fee payer's key in either form (content trimmed), e.g. a mounted k8s Secret; default none. */
        Optional<Path> feePayerKeyFile();

        /** The fee payer's 25-word mnemonic, a secret (environment only); default none. */
        Optional<String> feePayerMnemonic();

        /** Time one algod call may take before the endpoint counts as failed; default 5s. */
        @WithDefault("5s")
        Duration algodTimeout();

        /** Time one {@code /v2/status/wait-for-block-after} long poll may take; default 15s (a block is about 3 s). */
        @WithDefault("15s")
        Duration blockWaitTimeout();

        /**
         * Rounds settle waits for the payment to be confirmed after submitting it; past them the payment stays
         * {@code settling} with its transaction id (the client gets 503); default 10, as the reference.
         */
        @WithDefault("10")
        int confirmationRounds();

        /** Highest fee in microAlgo per transaction of a group the fee payer will pay (times the group size); default 5000. */
        @WithDefault("5000")
        long maxFeePerTxn();

        /**
         * Consecutive failures after which an algod endpoint's circuit breaker opens (rolling window of this many
         * calls, failure ratio 1); default 5.
         */
        @WithDefault("5")
        int breakerFailureThreshold();

        /** How long an open breaker skips its endpoint before letting one trial call through; default 10s. */
        @WithDefault("10s")
        Duration breakerDelay();

        /** The network's treasury for treasury-mode merchants (README "Treasury mode"); default none. */
        Optional<TreasuryConfig> treasury();
    }

    /**
     * A network's treasury: an account opted in to the assets it receives, which pays merchants out in
     * groups and its own fees. Its key is a secret (environment or file), never the fee payer's.
     */
    interface TreasuryConfig {

        /** The treasury key: base64 of 64 bytes (x402 key form) or of a 32-byte seed, or a 25-word mnemonic; default none. */
        Optional<String> key();

        /** File holding the treasury key in either form (content trimmed), e.g. a mounted k8s Secret; default none. */
        Optional<Path> keyFile();

        /** Transfers per payout group, at most 16 (Algorand's group limit); default 16. */
        @WithDefault("16")
        int maxTransfers();

        /**
         * Rounds a payout group stays valid; once they have passed unconfirmed it can never be committed and
         * is retried as a new group; default 20 (about a minute on mainnet).
         */
        @WithDefault("20")
        int validityRounds();
    }
}
