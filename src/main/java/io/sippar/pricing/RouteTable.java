package io.sippar.pricing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.x402.PaymentRequirements;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.web3j.crypto.Keys;

/**
 * An immutable snapshot of every priced route, built once per (re)load and swapped atomically.
 * Lookups on the hot path are a hash probe for exact paths, then a scan of wildcard routes by
 * specificity.
 */
public final class RouteTable {

    private final Map<String, List<PricedRoute>> exact;
    private final List<PricedRoute> wildcard;
    private final List<String> problems;

    private RouteTable(Map<String, List<PricedRoute>> exact, List<PricedRoute> wildcard, List<String> problems) {
        this.exact = exact;
        this.wildcard = wildcard;
        this.problems = problems;
    }

    /** A table with no routes. */
    public static RouteTable empty() {
        return new RouteTable(Map.of(), List.of(), List.of());
    }

    /**
     * Compiles route definitions. A route whose price or accepts can't be turned into requirements is
     * left out and reported in {@link #problems()}, so one bad route never takes the others down.
     *
     * @param extra scheme data a requirement must carry, by (scheme, network)
     */
    public static RouteTable build(List<RouteDefinition> definitions, AssetRegistry assets,
            BiFunction<String, String, Optional<ObjectNode>> extra) {
        Map<String, List<PricedRoute>> exact = new HashMap<>();
        List<PricedRoute> wildcard = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (RouteDefinition def : definitions) {
            try {
                PricedRoute route = compile(def, assets, extra);
                if (route.pattern().isExact()) {
                    exact.computeIfAbsent(route.pattern().exactPath(), k -> new ArrayList<>()).add(route);
                } else {
                    wildcard.add(route);
                }
            } catch (IllegalArgumentException e) {
                problems.add(def.merchantSlug() + "/" + def.name() + ": " + e.getMessage());
            }
        }
        // a route bound to a host wins over the same path on any host
        Comparator<PricedRoute> hostFirst = Comparator.comparing(r -> r.definition().host() == null);
        exact.values().forEach(list -> list.sort(hostFirst));
        wildcard.sort(Comparator.comparingInt((PricedRoute r) -> -r.pattern().specificity()).thenComparing(hostFirst));
        return new RouteTable(Map.copyOf(exact), List.copyOf(wildcard), List.copyOf(problems));
    }

    static PricedRoute compile(RouteDefinition def, AssetRegistry assets,
            BiFunction<String, String, Optional<ObjectNode>> extra) {
        RoutePattern pattern = RoutePattern.parse(def.pathPattern());
        Price price = Price.parse(def.price());
        if (def.accepts().isEmpty()) {
            throw new IllegalArgumentException("accepts no network");
        }
        List<PaymentRequirements> reqs = new ArrayList<>();
        for (RouteDefinition.Accept accept : def.accepts()) {
            Asset asset = assets.find(accept.network(), Optional.ofNullable(accept.asset()))
                    .orElseThrow(() -> new IllegalArgumentException("unknown asset "
                            + (accept.asset() == null ? "(default)" : accept.asset()) + " on " + accept.network()));
            BigInteger amount = price.atomicAmount(asset);
            reqs.add(new PaymentRequirements(accept.scheme(), accept.network(), amount.toString(),
                    canonicalAddress(accept.network(), asset.address()),
                    canonicalAddress(accept.network(), accept.payTo()), def.maxTimeoutSeconds(),
                    requirementExtra(accept, asset, extra)));
        }
        return new PricedRoute(def, pattern, List.copyOf(reqs));
    }

    private static ObjectNode requirementExtra(RouteDefinition.Accept accept, Asset asset,
            BiFunction<String, String, Optional<ObjectNode>> extra) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        if (accept.network().startsWith("eip155:")) {
            if (asset.eip712Name() == null || asset.eip712Version() == null) {
                throw new IllegalArgumentException("EVM asset " + asset.address() + " needs eip712-name and -version");
            }
            node.put("name", asset.eip712Name());
            node.put("version", asset.eip712Version());
        } else if (accept.network().startsWith("algorand:")) {
            node.put("decimals", asset.decimals());
        }
        extra.apply(accept.scheme(), accept.network()).ifPresent(node::setAll);
        return node;
    }

    /** EIP-55 checksum case for EVM addresses (clients deep-compare it); other chains unchanged. */
    static String canonicalAddress(String network, String address) {
        if (network.startsWith("eip155:")) {
            if (!address.matches("^0x[0-9a-fA-F]{40}$")) {
                throw new IllegalArgumentException("not an EVM address: " + address);
            }
            return Keys.toChecksumAddress(address);
        }
        return address;
    }

    /** The most specific route for a request, if the path is priced. */
    public Optional<PricedRoute> find(String method, String host, String normalisedPath) {
        List<PricedRoute> candidates = exact.get(normalisedPath);
        if (candidates != null) {
            for (PricedRoute r : candidates) {
                if (r.matches(method, host, normalisedPath)) {
                    return Optional.of(r);
                }
            }
        }
        for (PricedRoute r : wildcard) {
            if (r.matches(method, host, normalisedPath)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** Every route in the table. */
    public List<PricedRoute> routes() {
        List<PricedRoute> all = new ArrayList<>();
        exact.values().forEach(all::addAll);
        all.addAll(wildcard);
        return all;
    }

    /** Routes left out of this table, with why. */
    public List<String> problems() {
        return problems;
    }
}
