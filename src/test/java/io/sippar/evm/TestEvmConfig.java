package io.sippar.evm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A hand-built {@link EvmConfig} for plain tests, with the mapping's defaults. */
final class TestEvmConfig implements EvmConfig {

    private final Map<String, NetworkConfig> networks = new LinkedHashMap<>();

    static TestEvmConfig of(TestNetwork... nets) {
        TestEvmConfig c = new TestEvmConfig();
        int i = 0;
        for (TestNetwork n : nets) {
            c.networks.put("net" + i++, n);
        }
        return c;
    }

    @Override
    public Map<String, NetworkConfig> networks() {
        return networks;
    }

    /** A treasury of {@code address} signed by {@code key}, with the mapping's defaults. */
    static EvmConfig.TreasuryConfig treasury(String address, String key) {
        return new EvmConfig.TreasuryConfig() {
            @Override public String address() { return address; }
            @Override public Optional<String> key() { return Optional.ofNullable(key); }
            @Override public Optional<Path> keyFile() { return Optional.empty(); }
            @Override public int maxTransfers() { return 50; }
            @Override public Duration stuckAfter() { return Duration.ofSeconds(60); }
        };
    }

    /** One network; fields are public so a test changes only what it cares about. */
    static final class TestNetwork implements NetworkConfig {
        long chainId;
        List<String> rpcUrls;
        String settlementKey;
        Path settlementKeyFile;
        List<String> settlementKeys;
        Path settlementKeyDir;
        java.math.BigDecimal nativeUsdRate;
        Duration rpcTimeout = Duration.ofSeconds(5);
        Duration receiptTimeout = Duration.ofSeconds(60);
        Duration pollInterval = Duration.ofMillis(250);
        Duration stuckAfter = Duration.ofSeconds(20);
        long maxFeeCap = 500;
        ContractSigners contractSigners = ContractSigners.ANY_LENGTH;
        int breakerFailureThreshold = 5;
        Duration breakerDelay = Duration.ofSeconds(10);
        int logBlockRange = 2000;
        Duration expiryMargin = Duration.ofSeconds(60);
        boolean batchEnabled;
        int batchMaxSize = 50;
        Duration batchMaxWait = Duration.ofMillis(20);
        int batchMaxInFlight = 4;
        String multicall = Multicall3.ADDRESS;
        EvmConfig.TreasuryConfig treasury;

        TestNetwork(long chainId, String settlementKey, String... rpcUrls) {
            this.chainId = chainId;
            this.settlementKey = settlementKey;
            this.rpcUrls = List.of(rpcUrls);
        }

        @Override public long chainId() { return chainId; }
        @Override public List<String> rpcUrls() { return rpcUrls; }
        @Override public Optional<String> settlementKey() { return Optional.ofNullable(settlementKey); }
        @Override public Optional<Path> settlementKeyFile() { return Optional.ofNullable(settlementKeyFile); }
        @Override public Optional<List<String>> settlementKeys() { return Optional.ofNullable(settlementKeys); }
        @Override public Optional<Path> settlementKeyDir() { return Optional.ofNullable(settlementKeyDir); }
        @Override public Optional<java.math.BigDecimal> nativeUsdRate() { return Optional.ofNullable(nativeUsdRate); }
        @Override public Duration rpcTimeout() { return rpcTimeout; }
        @Override public Duration receiptTimeout() { return receiptTimeout; }
        @Override public Duration pollInterval() { return pollInterval; }
        @Override public Duration stuckAfter() { return stuckAfter; }
        @Override public long maxFeeCap() { return maxFeeCap; }
        @Override public ContractSigners contractSigners() { return contractSigners; }
        @Override public int breakerFailureThreshold() { return breakerFailureThreshold; }
        @Override public Duration breakerDelay() { return breakerDelay; }
        @Override public int logBlockRange() { return logBlockRange; }
        @Override public Duration expiryMargin() { return expiryMargin; }
        @Override public Optional<EvmConfig.TreasuryConfig> treasury() { return Optional.ofNullable(treasury); }

        @Override
        public Batch batch() {
            return new Batch() {
                @Override public boolean enabled() { return batchEnabled; }
                @Override public int maxSize() { return batchMaxSize; }
                @Override public Duration maxWait() { return batchMaxWait; }
                @Override public int maxInFlight() { return batchMaxInFlight; }
                @Override public String multicall() { return multicall; }
            };
        }
    }
}
