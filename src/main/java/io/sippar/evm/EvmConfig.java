package io.sippar.evm;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The EVM networks the exact scheme verifies and settles on, with their RPC nodes and settlement keys. */
@ConfigMapping(prefix = "sippar.evm")
public interface EvmConfig {

    /** Networks keyed by a free alias ({@code sippar.evm.networks.<alias>.*}); default none (scheme inactive). */
    Map<String, NetworkConfig> networks();

    /** Which signatures that do not recover to {@code from} are put to the chain as possible contract-wallet signatures. */
    enum ContractSigners {
        /** Ask ERC-1271 whenever the signature is not the payer's EOA signature (viem's universal verifier). */
        ANY_LENGTH,
        /** Only signatures longer than 65 bytes; a 65-byte mismatch is refused offline. */
        LONGER_THAN_65_BYTES
    }

    /** One EVM network. */
    interface NetworkConfig {

        /** EIP-155 chain id; required. The network is {@code eip155:<chainId>}. */
        long chainId();

        /** JSON-RPC URLs, tried in this order with failover to the next; required, at least one. */
        List<String> rpcUrls();

        /** Settlement private key (hex), a secret: set it from the environment, never in a file in git; default none. */
        Optional<String> settlementKey();

        /** File holding the settlement key (content trimmed), e.g. a mounted k8s Secret; default none. */
        Optional<Path> settlementKeyFile();

        /**
         * More settlement keys (hex, comma-separated), a secret like settlementKey: with several pods each
         * leases one (README, "Settlement keys across pods"); default none.
         */
        Optional<List<String>> settlementKeys();

        /**
         * Directory of settlement key files, one key per regular file (hidden files skipped, so a mounted
         * k8s Secret's {@code ..data} entries are ignored), taken in file-name order; default none.
         */
        Optional<Path> settlementKeyDir();

        /**
         * US dollars per whole native coin (ETH) for the gas-spent-in-USD metric; default none (gas is then
         * reported in native units only).
         */
        Optional<java.math.BigDecimal> nativeUsdRate();

        /** Time one JSON-RPC call may take before the endpoint counts as failed; default 5s. */
        @WithDefault("5s")
        Duration rpcTimeout();

        /** How long settle waits for a receipt before answering "pending" (SettlementPendingException); default 60s. */
        @WithDefault("60s")
        Duration receiptTimeout();

        /** Interval between receipt polls; default 250ms. */
        @WithDefault("250ms")
        Duration pollInterval();

        /** A settlement transaction not mined after this long is re-broadcast with fees bumped by at least 12.5%; default 20s. */
        @WithDefault("20s")
        Duration stuckAfter();

        /** Highest maxFeePerGas the settler will ever sign, in gwei; default 500. */
        @WithDefault("500")
        long maxFeeCap();

        /** When to ask ERC-1271 about a signature that is not the payer's EOA signature; default any-length. */
        @WithDefault("any-length")
        ContractSigners contractSigners();

        /**
         * Consecutive failures after which an RPC endpoint's circuit breaker opens (SmallRye Fault Tolerance
         * breaker with a rolling window of this many calls and failure ratio 1); default 5.
         */
        @WithDefault("5")
        int breakerFailureThreshold();

        /** How long an open breaker skips its endpoint before letting one trial call through (half-open); default 10s. */
        @WithDefault("10s")
        Duration breakerDelay();

        /**
         * Most blocks one {@code eth_getLogs} call may span when the reconciler looks for the transaction
         * that used an authorization (providers cap the range; 2,000 passes most); default 2000.
         */
        @WithDefault("2000")
        int logBlockRange();

        /**
         * How far the chain's latest block must be past an authorization's validBefore before the
         * reconciler treats an unused authorization as dead for good (covers reorgs around the
         * expiry); default 60s.
         */
        @WithDefault("60s")
        Duration expiryMargin();

        /** Settling many authorizations in one Multicall3 transaction ({@code sippar.evm.networks.<alias>.batch.*}). */
        Batch batch();

        /** The network's treasury for treasury-mode merchants (README "Treasury mode"); default none. */
        Optional<TreasuryConfig> treasury();
    }

    /**
     * Settlement batching: authorizations that arrive while batch transactions are in flight go out
     * together in the next one, as Multicall3 {@code aggregate3} calls that may fail one by one.
     */
    interface Batch {

        /** Whether this network batches settlements; default false (one transaction per payment). */
        @WithDefault("false")
        boolean enabled();

        /** Most authorizations in one transaction (2..500; 30M gas holds about 750 at ~40k each); default 50. */
        @WithDefault("50")
        int maxSize();

        /** How long a batch waits for more authorizations after its first, unless it is full first; default 20ms. */
        @WithDefault("20ms")
        Duration maxWait();

        /** Batch transactions broadcast and not yet mined at once; later authorizations queue for the next; default 4. */
        @WithDefault("4")
        int maxInFlight();

        /** The Multicall3 contract (must implement aggregate3); default its canonical address on every chain. */
        @WithDefault("0xcA11bde05977b3631167028862bE2a173976CA11")
        String multicall();
    }

    /** A network's treasury: the SipparDisburser contract holding the funds and the key that owns it. */
    interface TreasuryConfig {

        /** Address of the SipparDisburser contract (the payTo of treasury-mode payments); required. */
        String address();

        /**
         * The treasury key (hex): the EOA that owns the disburser and pays payout gas. A secret (environment or
         * {@code key-file}); never one of the network's settlement keys; default none.
         */
        Optional<String> key();

        /** File holding the treasury key (content trimmed), e.g. a mounted k8s Secret; default none. */
        Optional<Path> keyFile();

        /** Most merchants paid by one disburse transaction; default 50. */
        @WithDefault("50")
        int maxTransfers();

        /** A payout transaction not mined after this long is replaced at its nonce with fees raised 12.5%; default 60s. */
        @WithDefault("60s")
        Duration stuckAfter();
    }
}

