package io.sippar.gateway;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

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
}
