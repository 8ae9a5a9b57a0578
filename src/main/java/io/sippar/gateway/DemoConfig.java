package io.sippar.gateway;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** The demo merchant and its paid route GET /demo/weather, on by default for the local run. */
@ConfigMapping(prefix = "sippar.demo")
public interface DemoConfig {

    /** Create the demo merchant and route at start; the launcher turns this on with the embedded database. */
    @WithDefault("false")
    boolean enabled();

    /** Price of GET /demo/weather; default $0.001. */
    @WithDefault("$0.001")
    String price();

    /** Network the demo route accepts; default the local anvil devnet. */
    @WithDefault("eip155:31337")
    String network();

    /** Token the demo accepts (the chain-fixtures EIP-3009 USDC on anvil). */
    @WithDefault("0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9")
    String asset();

    /** The demo merchant's receiving address (anvil account #2 of chain-fixtures/evm). */
    @WithDefault("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")
    String payTo();

    /**
     * Algorand network the demo route also accepts (after the EVM one); default the first configured
     * Algorand network, none when no Algorand network is configured.
     */
    Optional<String> algorandNetwork();

    /** ASA the demo accepts on Algorand; default the network's USDC (testnet and the devnet: 10458941). */
    Optional<String> algorandAsset();

    /** The demo merchant's Algorand address, opted in to the asset; default merchant-1 of chain-fixtures/algorand. */
    @WithDefault("UBKEWF43MQYV4G5R3PHN3EK3P5HWAURTKJRLPLDGSQQZHUXL3UVJTI2YPI")
    String algorandPayTo();
}
