package io.sippar.pricing;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Assets, merchants and priced routes from configuration; synced into the database at start. */
@ConfigMapping(prefix = "sippar.pricing")
public interface PricingConfig {

    /** Extra assets by alias, added to the built-in USDC table (sippar.pricing.assets.ALIAS.*). */
    Map<String, AssetConfig> assets();

    /** Merchants by slug (sippar.pricing.merchants.SLUG.name). */
    Map<String, MerchantConfig> merchants();

    /** Priced routes by name (sippar.pricing.routes.NAME.*). */
    Map<String, RouteConfig> routes();

    /** One asset. */
    interface AssetConfig {
        /** CAIP-2 network, e.g. eip155:31337. */
        String network();

        /** Token address (EVM) or ASA id (Algorand). */
        String address();

        /** Decimals of the smallest unit; default 6 (USDC). */
        @WithDefault("6")
        int decimals();

        /** EIP-712 domain name for EIP-3009 tokens, e.g. "USD Coin". */
        Optional<String> eip712Name();

        /** EIP-712 domain version, e.g. "2". */
        Optional<String> eip712Version();

        /** Whether one unit is one US dollar; default true. */
        @WithDefault("true")
        boolean usdStable();

        /** Whether this is the network's default asset for $ prices; default true. */
        @WithDefault("true")
        boolean networkDefault();
    }

    /** One merchant. */
    interface MerchantConfig {
        /** Display name. */
        String name();

        /** Plan id; default developer. */
        @WithDefault("developer")
        String plan();

        /** The merchant's API key for the facilitator API (a secret: set it from the environment). */
        Optional<String> apiKey();
    }

    /** One priced route. */
    interface RouteConfig {
        /** Slug of the owning merchant. */
        String merchant();

        /** HTTP method, or * for any; default GET. */
        @WithDefault("GET")
        String method();

        /** Host the route applies to; absent = any host. */
        Optional<String> host();

        /** Path pattern: exact, /prefix/* (one segment) or /prefix/** (any depth). */
        String path();

        /** Upstream base URL (http/https), or a path on this gateway; absent = answer 502 if paid. */
        Optional<String> upstream();

        /** $0.001 or atomic units. */
        String price();

        /** Shown to clients in the 402; default empty. */
        Optional<String> description();

        /** MIME type of the resource; default application/json. */
        @WithDefault("application/json")
        String mimeType();

        /** Seconds the client's authorization must stay valid; default 300. */
        @WithDefault("300")
        int maxTimeoutSeconds();

        /** Settle before forwarding to the upstream (high-value calls); default false. */
        @WithDefault("false")
        boolean settleBeforeServe();

        /** What the route accepts, in the order offered. */
        List<AcceptConfig> accepts();
    }

    /** One accepted (network, asset, payTo). */
    interface AcceptConfig {
        /** Payment scheme; default exact. */
        @WithDefault("exact")
        String scheme();

        /** CAIP-2 network. */
        String network();

        /** Asset address or ASA id; absent = the network's default asset. */
        Optional<String> asset();

        /** Recipient on that network. */
        String payTo();
    }
}
