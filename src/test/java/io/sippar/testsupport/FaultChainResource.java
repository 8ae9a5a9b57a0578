package io.sippar.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * An isolated chain for fault tests, so the chain-and-ledger audit covers everything on it: its own
 * anvil (eip155:31339), reached only through two {@link FaultProxy} nodes (the primary and the
 * second RPC URL), and a {@link FaultyUpstream}. Routes {@code /fault/chain} (the demo weather
 * upstream) and {@code /fault/upstream/**} (the faulty upstream) take $0.001 on that chain.
 */
public class FaultChainResource implements QuarkusTestResourceLifecycleManager {

    /** Chain id of the fault chain. */
    public static final long CHAIN_ID = 31339;
    /** Its CAIP-2 network. */
    public static final String NETWORK = "eip155:" + CHAIN_ID;
    /** Per-call RPC deadline of the gateway on this chain. */
    public static final String RPC_TIMEOUT = "1s";
    /** How long the gateway waits for a receipt on this chain. */
    public static final int RECEIPT_TIMEOUT_SECONDS = 6;
    /** The gateway's upstream deadline in this profile. */
    public static final int UPSTREAM_TIMEOUT_SECONDS = 2;

    private static AnvilFixture anvil;
    private static FaultProxy primary;
    private static FaultProxy secondary;
    private static FaultyUpstream upstream;

    public static AnvilFixture anvil() {
        return anvil;
    }

    /** The first RPC URL. */
    public static FaultProxy primary() {
        return primary;
    }

    /** The second RPC URL, which takes over when the first fails. */
    public static FaultProxy secondary() {
        return secondary;
    }

    public static FaultyUpstream upstream() {
        return upstream;
    }

    @Override
    public synchronized Map<String, String> start() {
        if (anvil == null) {
            anvil = AnvilFixture.builder().chainId(CHAIN_ID).start();
            primary = new FaultProxy(anvil.rpcUrl());
            secondary = new FaultProxy(anvil.rpcUrl());
            upstream = new FaultyUpstream();
        }
        Map<String, String> p = new HashMap<>();
        String net = "sippar.evm.networks.faultnet.";
        p.put(net + "chain-id", Long.toString(CHAIN_ID));
        p.put(net + "rpc-urls", primary.url() + "," + secondary.url());
        p.put(net + "settlement-key", anvil.settler().privateKey());
        p.put(net + "rpc-timeout", RPC_TIMEOUT);
        p.put(net + "receipt-timeout", RECEIPT_TIMEOUT_SECONDS + "s");
        p.put(net + "poll-interval", "100ms");
        p.put(net + "breaker-failure-threshold", "3");
        p.put(net + "breaker-delay", "1s");
        p.put("sippar.pricing.assets.fault-usdc.network", NETWORK);
        p.put("sippar.pricing.assets.fault-usdc.address", AnvilFixture.TOKEN_ADDRESS);
        p.put("sippar.pricing.assets.fault-usdc.eip712-name", "USD Coin");
        p.put("sippar.pricing.assets.fault-usdc.eip712-version", "2");
        p.put("sippar.pricing.merchants.faults.name", "Fault Injection");
        route(p, "fault-chain", "/fault/chain", "/demo-upstream/weather");
        route(p, "fault-upstream", "/fault/upstream/**", upstream.url());
        p.put("sippar.gateway.upstream-timeout", UPSTREAM_TIMEOUT_SECONDS + "s");
        return p;
    }

    private static void route(Map<String, String> p, String name, String path, String upstreamUrl) {
        String r = "sippar.pricing.routes." + name + ".";
        p.put(r + "merchant", "faults");
        p.put(r + "path", path);
        p.put(r + "upstream", upstreamUrl);
        p.put(r + "price", "$0.001");
        p.put(r + "accepts[0].network", NETWORK);
        p.put(r + "accepts[0].pay-to", anvil.merchant().address());
    }

    @Override
    public synchronized void stop() {
        if (anvil != null) {
            upstream.close();
            primary.close();
            secondary.close();
            anvil.close();
            anvil = null;
        }
    }
}
