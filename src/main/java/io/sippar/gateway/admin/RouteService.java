package io.sippar.gateway.admin;

import io.sippar.gateway.RouteCatalog;
import io.sippar.ledger.MerchantRepository;
import io.sippar.ledger.RouteRepository;
import io.sippar.merchant.ApiError;
import io.sippar.pricing.RouteDefinition;
import io.sippar.x402.Network;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Routes managed through the API, for the merchant and the admin resources alike: strict bodies,
 * the same compilation as configured routes, the upstream policy, conflicts as 409; after a write
 * this pod's table is reloaded before the answer, the others follow the database's notification.
 */
@ApplicationScoped
public class RouteService {

    static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "*");
    private static final Pattern HOST = Pattern.compile("^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?$");
    private static final Pattern MIME = Pattern.compile("^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$");
    private static final Pattern SCHEME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,31}$");
    private static final int MAX_ACCEPTS = 16;

    private final RouteRepository routes;
    private final MerchantRepository merchants;
    private final RouteCatalog catalog;
    private final UpstreamPolicy upstreams;
    private final RouteApiConfig config;

    public RouteService(RouteRepository routes, MerchantRepository merchants, RouteCatalog catalog,
            UpstreamPolicy upstreams, RouteApiConfig config) {
        this.routes = routes;
        this.merchants = merchants;
        this.catalog = catalog;
        this.upstreams = upstreams;
        this.config = config;
    }

    /** A merchant's routes (configured and API-managed, enabled or not). */
    public Uni<List<RouteViews.RouteView>> list(UUID merchantId) {
        return merchant(merchantId).chain(m -> routes.listLive(merchantId))
                .map(rows -> rows.stream().map(RouteViews.RouteView::of).toList());
    }

    /** One route of a merchant; 404 when it has none of that name (whoever else does). */
    public Uni<RouteViews.RouteView> get(UUID merchantId, String name) {
        return merchant(merchantId).chain(m -> routes.findLive(merchantId, name))
                .map(row -> RouteViews.RouteView.of(row.orElseThrow(() -> missing(name))));
    }

    /** Creates a route from a POST body. */
    public Uni<RouteViews.RouteView> create(UUID merchantId, String body) {
        RouteViews.RouteBody b = StrictJson.read(body, RouteViews.RouteBody.class);
        if (b.name() == null || !NAME.matcher(b.name()).matches()) {
            throw ApiError.badRequest("$.name: must match " + NAME.pattern());
        }
        return merchant(merchantId).chain(m -> checked(m, b.name(), b))
                .chain(def -> routes.create(merchantId, def, enabled(b), config.maxRoutesPerMerchant(),
                        others -> RouteCatalog.overlap(def, others)))
                .chain(this::answer);
    }

    /** Replaces a route from a PUT body; the name is the URL's. */
    public Uni<RouteViews.RouteView> replace(UUID merchantId, String name, String body) {
        RouteViews.RouteBody b = StrictJson.read(body, RouteViews.RouteBody.class);
        if (b.name() != null && !b.name().equals(name)) {
            throw ApiError.badRequest("$.name: " + b.name() + " differs from the route in the URL (" + name
                    + "); a route cannot be renamed");
        }
        return merchant(merchantId).chain(m -> checked(m, name, b))
                .chain(def -> routes.replace(merchantId, def, enabled(b), others -> RouteCatalog.overlap(def, others)))
                .chain(this::answer);
    }

    /** Deletes a route: it stops being served on every pod. */
    public Uni<Void> delete(UUID merchantId, String name) {
        return merchant(merchantId).chain(m -> routes.delete(merchantId, name)).chain(w -> switch (w) {
            case RouteRepository.Removed r -> catalog.reload().replaceWithVoid();
            case RouteRepository.Missing r -> throw missing(name);
            case RouteRepository.Configured r -> throw configured(name);
            default -> throw new IllegalStateException("unexpected " + w);
        });
    }

    private Uni<RouteViews.RouteView> answer(RouteRepository.Write w) {
        return switch (w) {
            // this pod serves the change before answering; the others reload on the notification
            case RouteRepository.Written written -> catalog.reload().replaceWith(RouteViews.RouteView.of(written.row()));
            case RouteRepository.Missing m -> throw ApiError.notFound("no such route");
            case RouteRepository.Configured c -> throw configured("this route");
            case RouteRepository.NameTaken t -> throw ApiError.conflict("the merchant already has a route of that name");
            case RouteRepository.Clash c -> throw ApiError.conflict(c.message());
            case RouteRepository.Removed r -> throw new IllegalStateException("unexpected " + w);
        };
    }

    private static boolean enabled(RouteViews.RouteBody b) {
        return b.enabled() == null || b.enabled();
    }

    private static ApiError missing(String name) {
        return ApiError.notFound("no route " + name);
    }

    private static ApiError configured(String name) {
        return ApiError.conflict(name + " comes from the gateway's configuration (sippar.pricing.routes) and can only "
                + "be changed there");
    }

    private Uni<MerchantRepository.MerchantRow> merchant(UUID merchantId) {
        return merchants.find(merchantId).map(m -> m.orElseThrow(() -> ApiError.notFound("no merchant " + merchantId)));
    }

    /** The definition of a body, checked field by field, then compiled, then its upstream vetted. */
    private Uni<RouteDefinition> checked(MerchantRepository.MerchantRow merchant, String name, RouteViews.RouteBody b) {
        RouteDefinition def = definition(merchant, name, b);
        Optional<String> problem = catalog.problem(def);
        if (problem.isPresent()) {
            throw ApiError.badRequest(problem.get());
        }
        return upstreams.problem(def.upstream()).map(p -> {
            if (p.isPresent()) {
                throw ApiError.badRequest("$.upstream: " + p.get());
            }
            return def;
        });
    }

    static RouteDefinition definition(MerchantRepository.MerchantRow merchant, String name, RouteViews.RouteBody b) {
        String method = b.method() == null ? "GET" : b.method().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw ApiError.badRequest("$.method: must be one of " + METHODS.stream().sorted().toList());
        }
        String host = b.host() == null || b.host().isBlank() ? null : b.host().trim().toLowerCase(Locale.ROOT);
        if (host != null && !HOST.matcher(host).matches()) {
            throw ApiError.badRequest("$.host: not a host name (with an optional :port): " + b.host());
        }
        if (b.path() == null || !b.path().startsWith("/") || b.path().length() > 512) {
            throw ApiError.badRequest("$.path: a path pattern starting with / (at most 512 characters) is required");
        }
        if (b.price() == null || b.price().isBlank()) {
            throw ApiError.badRequest("$.price: required, like \"$0.001\" or an integer of atomic units");
        }
        String description = b.description() == null ? "" : b.description();
        if (description.length() > 1000) {
            throw ApiError.badRequest("$.description: at most 1000 characters");
        }
        String mime = b.mimeType() == null ? "application/json" : b.mimeType().trim().toLowerCase(Locale.ROOT);
        if (!MIME.matcher(mime).matches() || mime.length() > 200) {
            throw ApiError.badRequest("$.mimeType: not a MIME type: " + b.mimeType());
        }
        int timeout = b.maxTimeoutSeconds() == null ? 300 : b.maxTimeoutSeconds();
        if (timeout < 1 || timeout > 86_400) {
            throw ApiError.badRequest("$.maxTimeoutSeconds: must be 1 to 86400");
        }
        return new RouteDefinition(null, merchant.id(), merchant.slug(), name, method, host, b.path().trim(),
                b.upstream(), b.price().trim(), description, mime, timeout,
                b.settleBeforeServe() != null && b.settleBeforeServe(), accepts(b.accepts()));
    }

    /** A CAIP-2 network id as stored (not a v1 short name). */
    static boolean isCaip2(String network) {
        return network != null && network.indexOf(':') > 0 && Network.parse(network).isPresent();
    }

    private static List<RouteDefinition.Accept> accepts(List<RouteViews.AcceptBody> body) {
        if (body == null || body.isEmpty() || body.size() > MAX_ACCEPTS) {
            throw ApiError.badRequest("$.accepts: 1 to " + MAX_ACCEPTS + " accepted networks are required");
        }
        List<RouteDefinition.Accept> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < body.size(); i++) {
            RouteViews.AcceptBody a = body.get(i);
            String at = "$.accepts[" + i + "]";
            if (a == null) {
                throw ApiError.badRequest(at + ": expected an object");
            }
            String scheme = a.scheme() == null ? "exact" : a.scheme();
            if (!SCHEME.matcher(scheme).matches()) {
                throw ApiError.badRequest(at + ".scheme: not a scheme name: " + scheme);
            }
            if (!isCaip2(a.network())) {
                throw ApiError.badRequest(at + ".network: a CAIP-2 network like eip155:8453 is required");
            }
            if (a.payTo() == null || a.payTo().isBlank() || a.payTo().length() > 128) {
                throw ApiError.badRequest(at + ".payTo: the recipient address is required");
            }
            String asset = a.asset() == null || a.asset().isBlank() ? null : a.asset().trim();
            if (asset != null && asset.length() > 128) {
                throw ApiError.badRequest(at + ".asset: at most 128 characters");
            }
            if (!seen.add(scheme + "|" + a.network() + "|" + (asset == null ? "" : asset.toLowerCase(Locale.ROOT)))) {
                throw ApiError.badRequest(at + ": the same scheme, network and asset appear twice");
            }
            out.add(new RouteDefinition.Accept(scheme, a.network(), asset, a.payTo().trim()));
        }
        return out;
    }
}
