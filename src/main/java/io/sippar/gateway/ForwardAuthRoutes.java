package io.sippar.gateway;

import io.quarkus.vertx.http.runtime.RouteConstants;
import io.sippar.pricing.PricedRoute;
import io.sippar.pricing.RoutePattern;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.Payment;
import io.sippar.x402.ReasonCode;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Locale;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Forward auth: a proxy in front of the merchant's API (nginx {@code auth_request}, Traefik
 * ForwardAuth, Envoy ext_authz HTTP) asks whether a request may pass. The gateway finds the priced
 * route for the original method, host and path exactly as the reverse proxy does, and runs the same
 * payment flow with settlement before the answer, since it never sees what the upstream returns.
 *
 * <ul>
 *   <li>{@code /auth/forward}: the original request in {@code X-Forwarded-Method}/{@code -Uri}/{@code -Host}/
 *       {@code -Proto} (Traefik); denials are the real 402/403/503.</li>
 *   <li>{@code /auth/forward/nginx}: the original request in {@code X-Original-Method}/{@code -URI}/
 *       {@code -Host}/{@code -Proto} as the recipe sets them; denials are 401 (for a 402) or 403 (anything
 *       else), the only codes {@code auth_request} passes on, with the real status and body in
 *       {@value #STATUS_HEADER} and {@value #BODY_HEADER} for the recipe's {@code error_page}.</li>
 *   <li>{@code /auth/forward/envoy/<original path>}: ext_authz HTTP appends the original path to its
 *       {@code path_prefix} and keeps the original method and Host.</li>
 * </ul>
 */
@ApplicationScoped
public class ForwardAuthRoutes {

    /** Path prefix of every forward-auth endpoint (reserved: routes never shadow it). */
    public static final String PREFIX = "/auth/forward";
    /** The nginx auth_request endpoint. */
    public static final String NGINX = PREFIX + "/nginx";
    /** The Envoy ext_authz path_prefix. */
    public static final String ENVOY = PREFIX + "/envoy";
    /** nginx mode: the status the client must get (402, 403, 400, 503). */
    public static final String STATUS_HEADER = "X-Sippar-Status";
    /** nginx mode: the body the client must get (the v1 challenge JSON or problem+json), on one line. */
    public static final String BODY_HEADER = "X-Sippar-Body";
    /** Settlement transaction, beside the X-Payment-* headers the reverse proxy sends upstream. */
    public static final String TRANSACTION_HEADER = "X-Payment-Transaction";

    private static final Logger LOG = Logger.getLogger(ForwardAuthRoutes.class);

    private final RouteCatalog catalog;
    private final Challenges challenges;
    private final PaymentFlow flow;
    private final GatewayConfig gateway;
    private final ForwardAuthConfig config;
    private final io.sippar.limits.RequestLimits limits;
    @jakarta.inject.Inject
    io.sippar.billing.PlanLimits planLimits;

    public ForwardAuthRoutes(RouteCatalog catalog, Challenges challenges, PaymentFlow flow, GatewayConfig gateway,
            ForwardAuthConfig config, io.sippar.limits.RequestLimits limits) {
        this.limits = limits;
        this.catalog = catalog;
        this.challenges = challenges;
        this.flow = flow;
        this.gateway = gateway;
        this.config = config;
    }

    /** How the proxy calling us describes the original request and reads our answer. */
    private enum Mode {
        HEADERS, NGINX, ENVOY
    }

    /** The request the client sent to the proxy. */
    private record Original(String method, String scheme, String host, String uri) {
    }

    void install(@Observes Router router) {
        // after EdgeRoutes, which hands reserved paths on
        router.routeWithRegex("^" + PREFIX + "(/.*)?$").order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT + 1)
                .handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String path = request.path();
        Mode mode;
        if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
            mode = Mode.HEADERS;
        } else if (path.equals(NGINX)) {
            mode = Mode.NGINX;
        } else if (path.equals(ENVOY) || path.startsWith(ENVOY + "/")) {
            mode = Mode.ENVOY;
        } else {
            problem(ctx, Mode.HEADERS, 404, "Not found", ReasonCode.ROUTE_NOT_FOUND,
                    "forward auth is served at " + PREFIX + ", " + NGINX + " and " + ENVOY + "/<path>");
            return;
        }
        Optional<Original> original = original(request, mode);
        if (original.isEmpty()) {
            problem(ctx, mode, 400, "Original request unknown", ReasonCode.INVALID_REQUEST,
                    mode == Mode.NGINX ? "send the original method and URI in X-Original-Method and X-Original-URI"
                            : "send the original method and URI in X-Forwarded-Method and X-Forwarded-Uri");
            return;
        }
        Original o = original.get();
        Optional<String> normalised = RoutePattern.normalise(o.uri());
        if (normalised.isEmpty()) {
            problem(ctx, mode, 400, "Bad request path", ReasonCode.INVALID_REQUEST,
                    "the original path's percent-encoding is invalid");
            return;
        }
        Optional<PricedRoute> route = catalog.table().find(o.method(), o.host(), normalised.get());
        if (route.isEmpty()) {
            if (config.unpriced() == ForwardAuthConfig.Unpriced.ALLOW) {
                ctx.response().setStatusCode(200).putHeader("Cache-Control", "no-store").end();
            } else {
                problem(ctx, mode, 403, "Forbidden", ReasonCode.ROUTE_NOT_FOUND,
                        "no route prices " + o.method() + " " + normalised.get() + " and unpriced requests are denied");
            }
            return;
        }
        String resource = challenges.resourceUrl(o.scheme(), o.host(), o.uri());
        // the same per-IP limits as the reverse proxy; behind a proxy the client's address comes from
        // X-Forwarded-For only when the proxy is in sippar.limits.trusted-proxies
        if (!PaymentHeaders.present(request.headers())) {
            // a 402 would invite a payment the merchant's plan cannot take this month
            Optional<io.sippar.billing.PlanLimits.Refusal> overPlan = planLimits.cachedRefusal(
                    route.get().definition().merchantId());
            if (overPlan.isPresent()) {
                overPlanLimit(ctx, mode, overPlan.get());
                return;
            }
        }
        Optional<io.sippar.limits.LimitExceededException> limited = PaymentHeaders.present(request.headers())
                ? limits.paidRequest(request) : limits.challenge(request);
        if (limited.isPresent()) {
            tooMany(ctx, mode, limited.get());
            return;
        }
        switch (PaymentHeaders.read(request.headers())) {
            case PaymentHeaders.Missing m -> challenge(ctx, mode, route.get(), resource, Challenges.PAYMENT_REQUIRED,
                    Challenges.X_PAYMENT_REQUIRED, null);
            case PaymentHeaders.Invalid i -> challenge(ctx, mode, route.get(), resource, i.reason().wire(),
                    i.reason().wire(), null);
            case PaymentHeaders.Decoded d -> flow.authorize(route.get(), d.payment(), resource).subscribe().with(
                    outcome -> respond(ctx, mode, route.get(), resource, d.payment(), outcome),
                    failure -> {
                        LOG.error("forward-auth payment flow failed", failure);
                        unavailable(ctx, mode, "the gateway could not process the payment");
                    });
        }
    }

    private static Optional<Original> original(HttpServerRequest request, Mode mode) {
        if (mode == Mode.ENVOY) {
            // ext_authz keeps the original method and authority and appends the original path and query
            String uri = request.uri().substring(ENVOY.length());
            return Optional.of(new Original(request.method().name(),
                    first(request, "X-Forwarded-Proto").orElse("http"), request.getHeader("Host"),
                    uri.isEmpty() || uri.startsWith("?") ? "/" + uri : uri));
        }
        // each proxy sets its own headers and passes the client's others on: read only the ones it sets
        boolean nginx = mode == Mode.NGINX;
        Optional<String> method = first(request, nginx ? "X-Original-Method" : "X-Forwarded-Method");
        Optional<String> uri = first(request, nginx ? "X-Original-URI" : "X-Forwarded-Uri");
        if (method.isEmpty() || uri.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> host = nginx ? first(request, "X-Original-Host", "X-Forwarded-Host")
                : first(request, "X-Forwarded-Host");
        Optional<String> proto = nginx ? first(request, "X-Original-Proto", "X-Forwarded-Proto")
                : first(request, "X-Forwarded-Proto");
        return Optional.of(new Original(method.get().toUpperCase(Locale.ROOT), proto.orElse(request.scheme()),
                host.orElse(request.getHeader("Host")), uri.get()));
    }

    private static Optional<String> first(HttpServerRequest request, String... names) {
        for (String name : names) {
            String v = request.getHeader(name);
            if (v != null && !v.isBlank()) {
                return Optional.of(v.trim());
            }
        }
        return Optional.empty();
    }

    private void respond(RoutingContext ctx, Mode mode, PricedRoute route, String resource, Payment payment,
            PaymentFlow.Outcome outcome) {
        switch (outcome) {
            case PaymentFlow.Allowed a -> {
                HttpServerResponse response = ctx.response();
                if (response.ended()) {
                    return;
                }
                response.headers().addAll(PaymentFlow.describe(a.paymentId(), a.payer(), a.requirements()));
                response.putHeader(TRANSACTION_HEADER, a.settlement().transaction())
                        .putHeader(settlementHeader(payment), HeaderCodec.encode(a.settlement()))
                        .putHeader("Cache-Control", "no-store")
                        .setStatusCode(200).end();
            }
            case PaymentFlow.Rejected r -> challenge(ctx, mode, route, resource, r.reason().wire(), r.reason().wire(),
                    null);
            case PaymentFlow.SettlementFailed f -> {
                String reason = f.settlement().errorReason() == null ? "settlement_failed"
                        : f.settlement().errorReason();
                // v2 clients read the failure from PAYMENT-RESPONSE; the legacy server sends none
                challenge(ctx, mode, route, resource, reason, reason,
                        payment.isV2() ? HeaderCodec.encode(f.settlement()) : null);
            }
            case PaymentFlow.Unavailable u -> unavailable(ctx, mode, u.message());
            case PaymentFlow.Limited l -> tooMany(ctx, mode, l.limit());
            case PaymentFlow.OverPlanLimit o -> overPlanLimit(ctx, mode, o.refusal());
            // Served, NotCharged, UpstreamFailed: outcomes of serving, which authorize never does
            default -> {
                LOG.errorf("forward auth got a serving outcome: %s", outcome.getClass().getSimpleName());
                unavailable(ctx, mode, "the gateway could not process the payment");
            }
        }
    }

    private static String settlementHeader(Payment payment) {
        return payment.isV2() ? HeaderCodec.PAYMENT_RESPONSE : HeaderCodec.X_PAYMENT_RESPONSE;
    }

    private void challenge(RoutingContext ctx, Mode mode, PricedRoute route, String resource, String errorV2,
            String errorV1, String paymentResponse) {
        Challenges.Challenge c = challenges.challenge(route, resource, errorV2, errorV1);
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add(EdgeRoutes.PAYMENT_REQUIRED,
                c.paymentRequiredHeader());
        if (paymentResponse != null) {
            headers.add(HeaderCodec.PAYMENT_RESPONSE, paymentResponse);
        }
        deny(ctx, mode, 402, headers, "application/json", c.body());
    }

    private void unavailable(RoutingContext ctx, Mode mode, String detail) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Retry-After",
                Integer.toString(gateway.retryAfterSeconds()));
        deny(ctx, mode, 503, headers, Problem.MEDIA_TYPE, Problem.json(503, "Service temporarily unavailable",
                ReasonCode.FACILITATOR_UNAVAILABLE, detail));
    }

    private static void overPlanLimit(RoutingContext ctx, Mode mode, io.sippar.billing.PlanLimits.Refusal refusal) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Retry-After",
                Long.toString(refusal.retryAfterSeconds(java.time.Instant.now())));
        deny(ctx, mode, 429, headers, Problem.MEDIA_TYPE, Problem.json(429, "Plan limit reached",
                ReasonCode.MERCHANT_PLAN_LIMIT_REACHED, refusal.message()));
    }

    private static void tooMany(RoutingContext ctx, Mode mode, io.sippar.limits.LimitExceededException limit) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Retry-After",
                Long.toString(limit.retryAfterSeconds()));
        deny(ctx, mode, 429, headers, Problem.MEDIA_TYPE, Problem.json(429, "Too many requests", limit.reason(),
                limit.getMessage()));
    }

    private static void problem(RoutingContext ctx, Mode mode, int status, String title, ReasonCode reason,
            String detail) {
        deny(ctx, mode, status, MultiMap.caseInsensitiveMultiMap(), Problem.MEDIA_TYPE,
                Problem.json(status, title, reason, detail));
    }

    /**
     * Compact JSON has no line breaks; escaping what is not printable ASCII (which JSON only allows
     * inside strings) makes it a header value every hop passes unchanged.
     */
    static String asciiJson(String json) {
        StringBuilder out = new StringBuilder(json.length());
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    /**
     * nginx's auth_request turns every status but 2xx, 401 and 403 into a 500, so in nginx mode a
     * 402 leaves as 401 and anything else as 403, with the real status and body in headers.
     */
    private static void deny(RoutingContext ctx, Mode mode, int status, MultiMap headers, String contentType,
            String body) {
        HttpServerResponse response = ctx.response();
        if (response.ended()) {
            return;
        }
        response.headers().addAll(headers);
        response.putHeader("Content-Type", contentType).putHeader("Cache-Control", "no-store");
        if (mode == Mode.NGINX) {
            response.putHeader(STATUS_HEADER, Integer.toString(status)).putHeader(BODY_HEADER, asciiJson(body));
            response.setStatusCode(status == 402 ? 401 : 403);
        } else {
            response.setStatusCode(status);
        }
        response.end(body);
    }
}
