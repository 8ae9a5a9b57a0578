package io.sippar.x402;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/** A CAIP-2 chain id ({@code namespace:reference}), with the mapping to x402 v1 short names. */
public record Network(String namespace, String reference) {

    private static final Pattern NAMESPACE = Pattern.compile("[-a-z0-9]{3,8}");
    // wider than CAIP-2's [-_a-zA-Z0-9]{1,32}: Algorand uses its 44-char base64 genesis hash
    private static final Pattern REFERENCE = Pattern.compile("[-_a-zA-Z0-9/+=]{1,64}");
    // an EVM reference is a chain id; anything else would only fail later, deep in a scheme
    private static final Pattern EVM_CHAIN_ID = Pattern.compile("[1-9][0-9]{0,17}");

    private static final String EIP155 = "eip155";
    private static final String SOLANA_MAINNET = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";
    private static final String SOLANA_DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";

    /** v1 name -> CAIP-2: union of @x402/evm's v1 chain map and the legacy package's map. */
    private static final Map<String, String> V1_TO_CAIP2 = v1Names();

    /** The legacy {@code x402} network enum: the only names the old x402-fetch client accepts. */
    private static final Set<String> LEGACY_V1_NAMES = Set.of(
            "abstract", "abstract-testnet", "base-sepolia", "base", "avalanche-fuji", "avalanche",
            "iotex", "solana-devnet", "solana", "sei", "sei-testnet", "polygon", "polygon-amoy",
            "peaq", "story", "educhain", "skale-base-sepolia");

    private static final Map<String, String> CAIP2_TO_LEGACY_V1 = legacyReverse();

    /** Algorand mainnet: {@code algorand:} + the full base64 genesis hash. */
    public static final Network ALGORAND_MAINNET =
            new Network("algorand", "wGHE2Pwdvd7S12BL5FaOP20EGYesN73ktiC1qzkkit8=");
    /** Algorand testnet. */
    public static final Network ALGORAND_TESTNET =
            new Network("algorand", "SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=");
    /** Base mainnet ({@code eip155:8453}). */
    public static final Network BASE = evm(8453);
    /** Base Sepolia ({@code eip155:84532}). */
    public static final Network BASE_SEPOLIA = evm(84532);

    public Network {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(reference, "reference");
        if (!valid(namespace, reference)) {
            throw new IllegalArgumentException("not a CAIP-2 network: " + namespace + ":" + reference);
        }
    }

    /** Parses a CAIP-2 id, or a v1 short name (mapped to its CAIP-2 id); empty when neither. */
    public static Optional<Network> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        int colon = value.indexOf(':');
        if (colon < 0) {
            return fromV1Name(value);
        }
        String namespace = value.substring(0, colon);
        String reference = value.substring(colon + 1);
        return valid(namespace, reference) ? Optional.of(new Network(namespace, reference)) : Optional.empty();
    }

    private static boolean valid(String namespace, String reference) {
        return NAMESPACE.matcher(namespace).matches() && REFERENCE.matcher(reference).matches()
                && (!EIP155.equals(namespace) || EVM_CHAIN_ID.matcher(reference).matches());
    }

    /** Decodes a v1 short name as found in X-PAYMENT ({@code base-sepolia}, {@code ethereum}, ...). */
    public static Optional<Network> fromV1Name(String name) {
        String caip2 = name == null ? null : V1_TO_CAIP2.get(name);
        return caip2 == null ? Optional.empty() : parse(caip2);
    }

    /** {@code eip155:<chainId>}. */
    public static Network evm(long chainId) {
        return new Network(EIP155, Long.toString(chainId));
    }

    /** The CAIP-2 string, e.g. {@code eip155:84532}. */
    public String caip2() {
        return namespace + ":" + reference;
    }

    /**
     * The v1 name for a v1 402 body, only when the legacy x402-fetch client would accept it;
     * e.g. {@code eip155:1} decodes from "ethereum" but gets no name here.
     */
    public Optional<String> v1Name() {
        return Optional.ofNullable(CAIP2_TO_LEGACY_V1.get(caip2()));
    }

    /** Matches an exact CAIP-2 id or a pattern with {@code *} wildcards ({@code eip155:*}). */
    public boolean matches(String pattern) {
        if (pattern == null) {
            return false;
        }
        if (pattern.indexOf('*') < 0) {
            return pattern.equals(caip2());
        }
        StringBuilder regex = new StringBuilder();
        for (String part : pattern.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.matches(regex.toString(), caip2());
    }

    /** The EVM chain id for {@code eip155:*} networks. */
    public OptionalLong evmChainId() {
        return isEvm() ? OptionalLong.of(Long.parseLong(reference)) : OptionalLong.empty();
    }

    /** True for {@code eip155:*}. */
    public boolean isEvm() {
        return EIP155.equals(namespace);
    }

    /** True for {@code algorand:*}. */
    public boolean isAlgorand() {
        return "algorand".equals(namespace);
    }

    @Override
    public String toString() {
        return caip2();
    }

    private static Map<String, String> v1Names() {
        Map<String, String> m = new LinkedHashMap<>();
        Object[][] evm = {
            {"ethereum", 1L}, {"sepolia", 11155111L}, {"abstract", 2741L}, {"abstract-testnet", 11124L},
            {"base-sepolia", 84532L}, {"base", 8453L}, {"avalanche-fuji", 43113L}, {"avalanche", 43114L},
            {"iotex", 4689L}, {"sei", 1329L}, {"sei-testnet", 1328L}, {"polygon", 137L},
            {"polygon-amoy", 80002L}, {"peaq", 3338L}, {"story", 1514L}, {"educhain", 41923L},
            {"skale-base-sepolia", 324705682L}, {"megaeth", 4326L}, {"monad", 143L}, {"stable", 988L},
            {"stable-testnet", 2201L},
        };
        for (Object[] e : evm) {
            m.put((String) e[0], EIP155 + ":" + e[1]);
        }
        m.put("solana", SOLANA_MAINNET);
        m.put("solana-devnet", SOLANA_DEVNET);
        return Collections.unmodifiableMap(m);
    }

    private static Map<String, String> legacyReverse() {
        Map<String, String> m = new LinkedHashMap<>();
        V1_TO_CAIP2.forEach((name, caip2) -> {
            if (LEGACY_V1_NAMES.contains(name) && m.putIfAbsent(caip2, name) != null) {
                throw new IllegalStateException("two legacy v1 names for " + caip2);
            }
        });
        return Collections.unmodifiableMap(m);
    }
}
