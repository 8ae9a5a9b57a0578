package io.sippar.pricing;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The assets routes can be priced in: the reference's USDC table plus configured tokens. */
@ApplicationScoped
public class AssetRegistry {

    private static final String ALGORAND_MAINNET = "algorand:wGHE2Pwdvd7S12BL5FaOP20EGYesN73ktiC1qzkkit8=";
    private static final String ALGORAND_TESTNET = "algorand:SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=";

    /** Default stablecoins per network (x402-protocol.md section 7). */
    static final List<Asset> BUILT_IN = List.of(
            new Asset("eip155:8453", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", 6, "USD Coin", "2", true),
            new Asset("eip155:84532", "0x036CbD53842c5426634e7929541eC2318f3dCF7e", 6, "USDC", "2", true),
            new Asset("eip155:137", "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", 6, "USD Coin", "2", true),
            new Asset("eip155:42161", "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", 6, "USD Coin", "2", true),
            new Asset("eip155:421614", "0x75faf114eafb1BDbe2F0316DF893fd58CE46AA4d", 6, "USD Coin", "2", true),
            new Asset("eip155:43114", "0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E", 6, "USD Coin", "2", true),
            new Asset("eip155:43113", "0x5425890298aed601595a70AB815c96711a31Bc65", 6, "USD Coin", "2", true),
            new Asset(ALGORAND_MAINNET, "31566704", 6, null, null, true),
            new Asset(ALGORAND_TESTNET, "10458941", 6, null, null, true));

    private final Map<String, Asset> defaults = new LinkedHashMap<>();
    private final Map<String, Asset> byKey = new LinkedHashMap<>();

    @Inject
    public AssetRegistry(PricingConfig config) {
        this(config.assets().values().stream()
                .map(a -> new Registration(new Asset(a.network(), a.address(), a.decimals(),
                        a.eip712Name().orElse(null), a.eip712Version().orElse(null), a.usdStable()),
                        a.networkDefault()))
                .toList());
    }

    AssetRegistry(List<Registration> configured) {
        BUILT_IN.forEach(a -> register(a, true));
        configured.forEach(r -> register(r.asset(), r.networkDefault()));
    }

    record Registration(Asset asset, boolean networkDefault) {
    }

    private void register(Asset asset, boolean networkDefault) {
        byKey.put(key(asset.network(), asset.address()), asset);
        if (networkDefault) {
            defaults.put(asset.network(), asset);
        }
    }

    private static String key(String network, String address) {
        // EVM addresses compare case-insensitively; ASA ids are digits
        return network + "|" + address.toLowerCase(Locale.ROOT);
    }

    /** The asset with this address on this network, or the network's default when address is empty. */
    public Optional<Asset> find(String network, Optional<String> address) {
        if (address.isEmpty() || address.get().isBlank()) {
            return Optional.ofNullable(defaults.get(network));
        }
        return Optional.ofNullable(byKey.get(key(network, address.get())));
    }
}
