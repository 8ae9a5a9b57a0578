package io.sippar.gateway;

import io.quarkus.runtime.StartupEvent;
import io.sippar.ledger.ChangeNotifications;
import io.sippar.ledger.MerchantRepository;
import io.sippar.ledger.RouteRepository;
import io.sippar.pricing.AssetRegistry;
import io.sippar.pricing.PricingConfig;
import io.sippar.pricing.RouteDefinition;
import io.sippar.pricing.RoutePattern;
import io.sippar.pricing.RouteTable;
import io.sippar.scheme.PaymentScheme;
import io.sippar.scheme.SchemeRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Owns the live route table: at start it writes the configured merchants and routes (and the demo)
 * into the database, then loads every enabled route from there, so routes created through the API
 * and from configuration are served the same way. Every change to the routes in the database (any
 * pod, the API, psql) is NOTIFYed by a trigger; this pod reloads on it and periodically.
 */
@ApplicationScoped
public class RouteCatalog {

    private static final Logger LOG = Logger.getLogger(RouteCatalog.class);
    private static final Duration STARTUP_DB_TIMEOUT = Duration.ofSeconds(30);
    /** The channel the route tables' triggers notify. */
    static final String CHANNEL = "sippar_routes";

    private final PricingConfig pricing;
    private final DemoConfig demo;
    private final AssetRegistry assets;
    private final SchemeRegistry schemes;
    private final MerchantRepository merchants;
    private final RouteRepository routes;
    private final io.sippar.merchant.ApiKeys apiKeys;
    private final ChangeNotifications notifications;
    @jakarta.inject.Inject
    io.sippar.treasury.TreasuryRouting treasuryRouting;
    @jakarta.inject.Inject
    io.sippar.treasury.Treasuries treasuries;
    private final AtomicLong generations = new AtomicLong();
    private long installed;
    private volatile RouteTable table = RouteTable.empty();

    public RouteCatalog(PricingConfig pricing, DemoConfig demo, AssetRegistry assets, SchemeRegistry schemes,
            MerchantRepository merchants, RouteRepository routes, io.sippar.merchant.ApiKeys apiKeys,
            ChangeNotifications notifications) {
        this.apiKeys = apiKeys;
        this.notifications = notifications;
        this.pricing = pricing;
        this.demo = demo;
        this.assets = assets;
        this.schemes = schemes;
        this.merchants = merchants;
        this.routes = routes;
    }

    void onStart(@Observes StartupEvent event) {
        syncConfiguration().await().atMost(STARTUP_DB_TIMEOUT);
        reload().await().atMost(STARTUP_DB_TIMEOUT);
        notifications.register(CHANNEL, "routes", this::reload);
    }

    /** The current table; replaced atomically by {@link #reload()}. */
    public RouteTable table() {
        return table;
    }

    /**
     * Reloads every enabled route from the database. Loads may overlap (a notification and an API
     * write); the table is only replaced by a load that started after the one it came from.
     */
    public Uni<RouteTable> reload() {
        long generation = generations.incrementAndGet();
        // compiling requirements loads crypto classes (EIP-55): keep that off the event loop
        return routes.loadEnabled().chain(treasuryRouting::rewrite)
                .emitOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                .map(defs -> {
            RouteTable next = RouteTable.build(defs, assets, this::extraFor);
            install(generation, next);
            return next;
        });
    }

    private synchronized void install(long generation, RouteTable next) {
        if (generation <= installed) {
            return;
        }
        installed = generation;
        RouteTable previous = table;
        table = next;
        if (!next.problems().equals(previous.problems())) {
            next.problems().forEach(p -> LOG.warnf("route not served: %s", p));
        }
        if (next.routes().size() != previous.routes().size()) {
            LOG.infof("serving %d priced route(s)", next.routes().size());
        }
    }

    /**
     * Why a route could not be served, checked exactly as a loaded route is compiled (price, assets,
     * addresses, path pattern), plus what only the API refuses: a path the gateway reserves for
     * itself and an accepted kind no payment scheme of this deployment settles.
     */
    public Optional<String> problem(RouteDefinition def) {
        RoutePattern pattern;
        try {
            pattern = RoutePattern.parse(def.pathPattern());
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        String prefix = pattern.literalPrefix();
        if (EdgeRoutes.reserved(prefix)) {
            return Optional.of("path " + def.pathPattern() + " is reserved by the gateway (" + prefix + ")");
        }
        for (RouteDefinition.Accept a : def.accepts()) {
            if (schemes.find(a.scheme(), a.network()).isEmpty()) {
                return Optional.of("no payment scheme '" + a.scheme() + "' on " + a.network()
                        + " runs on this gateway");
            }
        }
        RouteTable one = RouteTable.build(List.of(def), assets, this::extraFor);
        return one.problems().stream().findFirst()
                .map(p -> p.substring(p.indexOf(": ") + 2));
    }

    /**
     * The first of {@code others} (other merchants' enabled routes) that some request could reach
     * together with {@code def}: same method (or *), same host (or either any host) and overlapping
     * path patterns. Within one merchant the most specific route wins; across merchants a route may
     * never take another's traffic.
     */
    public static Optional<String> overlap(RouteDefinition def, List<RouteRepository.RouteKey> others) {
        RoutePattern mine = RoutePattern.parse(def.pathPattern());
        for (RouteRepository.RouteKey other : others) {
            boolean methods = def.method().equals("*") || other.method().equals("*")
                    || def.method().equals(other.method());
            boolean hosts = def.host() == null || other.host() == null || def.host().equalsIgnoreCase(other.host());
            if (methods && hosts && mine.overlaps(RoutePattern.parse(other.pathPattern()))) {
                return Optional.of("the route would overlap " + other.method() + " "
                        + (other.host() == null ? "" : other.host()) + other.pathPattern()
                        + " of another merchant (" + other.merchantSlug() + "/" + other.name() + ")");
            }
        }
        return Optional.empty();
    }

    private Optional<com.fasterxml.jackson.databind.node.ObjectNode> extraFor(String scheme, String network) {
        return schemes.find(scheme, network).flatMap((PaymentScheme s) -> s.requirementExtra(network));
    }

    /** EVM first (the clients pick the first payable offer), then Algorand when a network for it runs here. */
    private List<RouteDefinition.Accept> demoAccepts() {
        List<RouteDefinition.Accept> accepts = new ArrayList<>();
        accepts.add(new RouteDefinition.Accept("exact", demo.network(), demo.asset(), demo.payTo()));
        Optional<String> algorand = demo.algorandNetwork().or(() -> schemes.kinds().stream()
                .map(io.sippar.x402.SupportedKind::network).filter(n -> n.startsWith("algorand:")).findFirst());
        // without an asset for it the whole route would be left out, EVM offer included
        algorand.filter(n -> schemes.find("exact", n).isPresent() && assets.find(n, demo.algorandAsset()).isPresent())
                .ifPresent(n -> accepts.add(new RouteDefinition.Accept("exact", n, demo.algorandAsset().orElse(null),
                        demo.algorandPayTo())));
        return accepts;
    }

    private Uni<Void> syncConfiguration() {
        Map<String, PricingConfig.MerchantConfig> configured = new HashMap<>(pricing.merchants());
        List<RouteDefinition> defs = new ArrayList<>();
        pricing.routes().forEach((name, r) -> defs.add(new RouteDefinition(null, null, r.merchant(), name,
                r.method().toUpperCase(java.util.Locale.ROOT), r.host().orElse(null), r.path(),
                r.upstream().orElse(null), r.price(), r.description().orElse(""), r.mimeType(), r.maxTimeoutSeconds(),
                r.settleBeforeServe(), r.accepts().stream()
                        .map(a -> new RouteDefinition.Accept(a.scheme(), a.network(), a.asset().orElse(null),
                                a.payTo()))
                        .toList())));
        Map<String, String> names = new HashMap<>();
        configured.forEach((slug, m) -> names.put(slug, m.name()));
        if (demo.enabled()) {
            names.putIfAbsent("demo", "Sippar demo merchant");
            defs.add(new RouteDefinition(null, null, "demo", "weather", "GET", null, "/demo/weather",
                    "/demo-upstream/weather", demo.price(), "Current weather for a city (demo)",
                    "application/json", 300, false, demoAccepts()));
        }
        Uni<Map<String, UUID>> ids = Uni.createFrom().item(new HashMap<>());
        for (Map.Entry<String, String> m : names.entrySet()) {
            String plan = Optional.ofNullable(configured.get(m.getKey()))
                    .map(PricingConfig.MerchantConfig::plan).orElse("developer");
            Optional<String> key = Optional.ofNullable(configured.get(m.getKey()))
                    .flatMap(PricingConfig.MerchantConfig::apiKey);
            ids = ids.call(map -> merchants.upsert(m.getKey(), m.getValue(), plan)
                    .invoke(id -> map.put(m.getKey(), id))
                    .call(id -> key.map(k -> apiKeys.register(id, k, "configured")).orElse(Uni.createFrom().voidItem())));
        }
        return ids.call(treasuries::applyConfigured).call(map -> {
            List<UUID> kept = new ArrayList<>();
            Uni<Void> all = Uni.createFrom().voidItem();
            for (RouteDefinition def : defs) {
                UUID merchant = map.get(def.merchantSlug());
                if (merchant == null) {
                    throw new IllegalStateException("route " + def.name() + " names unknown merchant "
                            + def.merchantSlug() + " (configure sippar.pricing.merchants." + def.merchantSlug()
                            + ".name)");
                }
                all = all.call(() -> routes.upsert(merchant, def).invoke(kept::add));
            }
            // the configuration owns its routes: one taken out of it stops being served
            return all.chain(() -> routes.retireConfiguredExcept(kept)).invoke(retired -> {
                if (retired > 0) {
                    LOG.infof("%d configured route(s) no longer in the configuration were retired", retired);
                }
            });
        }).replaceWithVoid();
    }
}
