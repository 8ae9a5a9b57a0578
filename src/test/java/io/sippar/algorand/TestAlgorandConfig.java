package io.sippar.algorand;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A hand-built {@link AlgorandConfig} for plain tests, with the mapping's defaults. */
final class TestAlgorandConfig implements AlgorandConfig {

    private static Vertx vertx;
    private final Map<String, NetworkConfig> networks = new LinkedHashMap<>();

    /** One Vert.x for every plain test in the JVM (the scheme's web clients run on it). */
    static synchronized Vertx vertx() {
        if (vertx == null) {
            vertx = Vertx.vertx();
        }
        return vertx;
    }

    static TestAlgorandConfig of(TestNetwork... nets) {
        TestAlgorandConfig c = new TestAlgorandConfig();
        int i = 0;
        for (TestNetwork n : nets) {
            c.networks.put("net" + i++, n);
        }
        return c;
    }

    /** A testnet scheme with the vectors' fee payer and an algod nobody listens on: for offline checks only. */
    static ExactAvmScheme offlineScheme() {
        TestNetwork n = new TestNetwork("testnet", "http://127.0.0.1:9");
        n.feePayerKey = AvmVectors.E_FACILITATOR_KEY;
        return new ExactAvmScheme(of(n), vertx());
    }

    @Override
    public Map<String, NetworkConfig> networks() {
        return networks;
    }

    /** One network; fields are public so a test changes only what it cares about. */
    static final class TestNetwork implements NetworkConfig {
        String network;
        List<String> algodUrls;
        String algodToken;
        String feePayerKey;
        Path feePayerKeyFile;
        String feePayerMnemonic;
        Duration algodTimeout = Duration.ofSeconds(5);
        Duration blockWaitTimeout = Duration.ofSeconds(15);
        int confirmationRounds = 10;
        long maxFeePerTxn = 5000;
        int breakerFailureThreshold = 5;
        Duration breakerDelay = Duration.ofSeconds(10);

        TestNetwork(String network, String... algodUrls) {
            this.network = network;
            this.algodUrls = List.of(algodUrls);
        }

        @Override public String network() { return network; }
        @Override public List<String> algodUrls() { return algodUrls; }
        @Override public Optional<String> algodToken() { return Optional.ofNullable(algodToken); }
        @Override public Optional<String> feePayerKey() { return Optional.ofNullable(feePayerKey); }
        @Override public Optional<Path> feePayerKeyFile() { return Optional.ofNullable(feePayerKeyFile); }
        @Override public Optional<String> feePayerMnemonic() { return Optional.ofNullable(feePayerMnemonic); }
        @Override public Duration algodTimeout() { return algodTimeout; }
        @Override public Duration blockWaitTimeout() { return blockWaitTimeout; }
        @Override public int confirmationRounds() { return confirmationRounds; }
        @Override public long maxFeePerTxn() { return maxFeePerTxn; }
        @Override public int breakerFailureThreshold() { return breakerFailureThreshold; }
        @Override public Duration breakerDelay() { return breakerDelay; }
        @Override public Optional<AlgorandConfig.TreasuryConfig> treasury() { return Optional.empty(); }
    }
}
