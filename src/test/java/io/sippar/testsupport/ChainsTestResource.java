package io.sippar.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Local chains for every {@code @QuarkusTest}, started once per JVM: an anvil as the demo devnet
 * (eip155:31337) and one presenting Base Sepolia's chain id (eip155:84532), so the legacy v1
 * client, which only knows named networks, can pay too. Both carry the chain-fixtures token at the
 * same address; account #9 settles.
 */
public class ChainsTestResource implements QuarkusTestResourceLifecycleManager {

    private static AnvilFixture devnet;
    private static AnvilFixture baseSepolia;

    /** The anvil behind eip155:31337. */
    public static synchronized AnvilFixture devnet() {
        ensureStarted();
        return devnet;
    }

    /** The anvil behind eip155:84532. */
    public static synchronized AnvilFixture baseSepolia() {
        ensureStarted();
        return baseSepolia;
    }

    private static synchronized void ensureStarted() {
        if (devnet == null) {
            devnet = AnvilFixture.builder().chainId(31337).start();
            baseSepolia = AnvilFixture.builder().chainId(84532).start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                devnet.close();
                baseSepolia.close();
            }, "test-anvil-stop"));
        }
    }

    @Override
    public Map<String, String> start() {
        ensureStarted();
        Map<String, String> props = new HashMap<>();
        props.put("sippar.evm.networks.devnet.chain-id", "31337");
        props.put("sippar.evm.networks.devnet.rpc-urls", devnet.rpcUrl());
        props.put("sippar.evm.networks.devnet.settlement-key", devnet.settler().privateKey());
        props.put("sippar.evm.networks.sepolia.chain-id", "84532");
        props.put("sippar.evm.networks.sepolia.rpc-urls", baseSepolia.rpcUrl());
        props.put("sippar.evm.networks.sepolia.settlement-key", baseSepolia.settler().privateKey());
        return props;
    }

    @Override
    public void stop() {
        // shared for the whole JVM; the shutdown hook stops both
    }
}
