package io.sippar.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Local chains for every {@code @QuarkusTest}, started once per JVM: an anvil as the demo devnet
 * (eip155:31337) and one presenting Base Sepolia's chain id (eip155:84532), so the legacy v1
 * client, which only knows named networks, can pay too. Both carry the chain-fixtures token at the
 * same address; account #9 settles. Next to them the Algorand devnet (testnet's identity, USDC ASA
 * 10458941), with its documented fee-payer account as the gateway's fee payer.
 */
public class ChainsTestResource implements QuarkusTestResourceLifecycleManager {

    private static AnvilFixture devnet;
    private static AnvilFixture baseSepolia;
    private static AlgodFixture algorand;

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

    /** The Algorand devnet behind algorand:SGO1GKSz…OiI= (a round per accepted group). */
    public static synchronized AlgodFixture algorand() {
        ensureStarted();
        return algorand;
    }

    private static synchronized void ensureStarted() {
        if (devnet == null) {
            devnet = AnvilFixture.builder().chainId(31337).start();
            baseSepolia = AnvilFixture.builder().chainId(84532).start();
            algorand = AlgodFixture.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                devnet.close();
                baseSepolia.close();
                algorand.close();
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
        // the treasury of treasury-mode merchants (TreasuryTest): the devnet's SipparDisburser, owned by #11
        props.put("sippar.evm.networks.devnet.treasury.address", devnet.treasury().disburser());
        props.put("sippar.evm.networks.devnet.treasury.key", devnet.treasury().privateKey());
        // gas is reported in USD too on the devnet (MetricsTest)
        props.put("sippar.evm.networks.devnet.native-usd-rate", "3000");
        props.put("sippar.evm.networks.sepolia.chain-id", "84532");
        props.put("sippar.evm.networks.sepolia.rpc-urls", baseSepolia.rpcUrl());
        props.put("sippar.evm.networks.sepolia.settlement-key", baseSepolia.settler().privateKey());
        props.put("sippar.algorand.networks.devnet.network", algorand.network());
        props.put("sippar.algorand.networks.devnet.algod-urls", algorand.url());
        props.put("sippar.algorand.networks.devnet.algod-token", algorand.token());
        props.put("sippar.algorand.networks.devnet.fee-payer-key", algorand.feePayer().key());
        props.put("sippar.algorand.networks.devnet.treasury.key", algorand.account("treasury").key());
        // a held pool (AlgorandPaidFlowTest) shows "not confirmed in time" within seconds
        props.put("sippar.algorand.networks.devnet.confirmation-rounds", "3");
        props.put("sippar.algorand.networks.devnet.block-wait-timeout", "2s");
        props.put("sippar.demo.algorand-pay-to", algorand.merchant().address());
        return props;
    }

    @Override
    public void stop() {
        // shared for the whole JVM; the shutdown hook stops both
    }
}
