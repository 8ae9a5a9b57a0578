package io.sippar.gateway;

import io.quarkus.vertx.http.runtime.RouteConstants;
import io.sippar.limits.LimitExceededException;
import io.sippar.limits.RequestLimits;
import io.sippar.pricing.PricedRoute;
import io.sippar.pricing.RoutePattern;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.Payment;
import io.sippar.x402.ReasonCode;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The reverse-proxy edge, installed on the Vert.x router ahead of the REST resources: priced paths
 * get the x402 treatment, unpriced ones go to the passthrough upstream or fall through to the
 * gateway's own endpoints, and anything left gets a problem+json 404.
 */
@ApplicationScoped
public class EdgeRoutes {

    /** v2 payment header. */
    public static final String PAYMENT_SIGNATURE = "PAYMENT-SIGNATURE";
    /** v1 payment header. */
    public static final String X_PAYMENT = "X-PAYMENT";
    /** v2 challenge header. */
    public static final String PAYMENT_REQUIRED = "PAYMENT-REQUIRED";

    private static final Logger LOG = Logger.getLogger(EdgeRoutes.class);

    /** Paths the gateway answers itself; merchant routes can never shadow them. */
    private static final List<String> RESERVED = List.of("/q/", "/verify", "/settle", "/supported", "/admin/",
            "/merchant/", "/demo-upstream/", "/openapi", "/health", ForwardAuthRoutes.PREFIX + "/");

    private final RouteCatalog catalog;
    private final Challenges challenges;
    private final PaymentFlow flow;
    private final UpstreamProxy proxy;
    private final GatewayConfig config;
    private final RequestLimits limits;
    @jakarta.inject.Inject
    io.sippar.billing.PlanLimits planLimits;

    public EdgeRoutes(RouteCatalog catalog, Challenges challenges, PaymentFlow flow, UpstreamProxy proxy,
            GatewayConfig config, RequestLimits limits) {
        this.limits = limits;
        this.catalog = catalog;
        this.challenges = challenges;
        this.flow = flow;
        this.proxy = proxy;
        this.config = config;
    }

    void install(@Observes Router router) {
        router.route().order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT).handler(this::handle);
        // last resort, after the REST resources and every extension route
        router.route().order(Integer.MAX_VALUE - 100).handler(this::notFound);
    }

    static boolean reserved(String path) {
        for (String prefix : RESERVED) {
            if (path.equals(prefix) || path.startsWith(prefix) || (prefix.endsWith("/")
                    && path.equals(prefix.substring(0, prefix.length() - 1)))) {
                return true;
            }
        }
        return false;
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String rawPath = request.path();
        if (rawPath == null || reserved(rawPath)) {
            ctx.next();
            return;
        }
        Optional<String> path = RoutePattern.normalise(rawPath);
        if (path.isEmpty()) {
            problem(ctx.response(), 400, "Bad request path", ReasonCode.INVALID_REQUEST,
                    "the path's percent-encoding is invalid");
            return;
        }
        if (reserved(path.get())) {
            ctx.next();
            return;
        }
        Optional<PricedRoute> route = catalog.table().find(request.method().name(), request.getHeader("Host"),
                path.get());
        if (route.isPresent()) {
            paid(ctx, route.get());
        } else if (config.passthroughUpstream().isPresent()) {
            passthrough(ctx, config.passthroughUpstream().get());
        } else {
            ctx.next();
        }
    }

    private void paid(RoutingContext ctx, PricedRoute route) {
        HttpServerRequest request = ctx.request();
        if (!PaymentHeaders.present(request.headers())) {
            // a 402 would invite a payment the merchant's plan cannot take this month
            Optional<io.sippar.billing.PlanLimits.Refusal> overPlan = planLimits.cachedRefusal(
                    route.definition().merchantId());
            if (overPlan.isPresent()) {
                overPlanLimit(ctx.response(), overPlan.get());
                return;
            }
            Optional<LimitExceededException> limited = limits.challenge(request);
            if (limited.isPresent()) {
                tooMany(ctx.response(), limited.get());
                return;
            }
            challenge(ctx, route, Challenges.PAYMENT_REQUIRED, Challenges.X_PAYMENT_REQUIRED);
            return;
        }
        // counted before any decoding: every paid request costs a decode, and most a chain call
        Optional<LimitExceededException> limited = limits.paidRequest(request);
        if (limited.isPresent()) {
            tooMany(ctx.response(), limited.get());
            return;
        }
        Payment payment;
        switch (PaymentHeaders.read(request.headers())) {
            case PaymentHeaders.Missing m -> {
                challenge(ctx, route, Challenges.PAYMENT_REQUIRED, Challenges.X_PAYMENT_REQUIRED);
                return;
            }
            case PaymentHeaders.Invalid i -> {
                challenge(ctx, route, i.reason().wire(), i.reason().wire());
                return;
            }
            case PaymentHeaders.Decoded d -> payment = d.payment();
        }
        request.pause();
        request.body()
                .onFailure(err -> problem(ctx.response(), 400, "Unreadable request body", ReasonCode.INVALID_REQUEST,
                        null))
                .onSuccess(body -> flow.pay(route, payment, request, body, challenges.resourceUrl(request))
                        .subscribe().with(
                        outcome -> respond(ctx, route, payment, outcome),
                        failure -> {
                            LOG.error("payment flow failed", failure);
                            unavailable(ctx.response(), "the gateway could not process the payment");
                        }));
        request.resume();
    }

    private void respond(RoutingContext ctx, PricedRoute route, Payment payment, PaymentFlow.Outcome outcome) {
        HttpServerResponse response = ctx.response();
        if (response.ended()) {
            return;
        }
        // the settlement header a client of this version reads
        String settlementHeader = payment.x402Version() == 2 ? HeaderCodec.PAYMENT_RESPONSE
                : HeaderCodec.X_PAYMENT_RESPONSE;
        switch (outcome) {
            case PaymentFlow.Rejected r -> challenge(ctx, route, r.reason().wire(), r.reason().wire());
            case PaymentFlow.Unavailable u -> unavailable(response, u.message());
            case PaymentFlow.UpstreamFailed f -> problem(response, 502, "Upstream unavailable",
                    ReasonCode.UPSTREAM_UNAVAILABLE, f.message() + "; you were not charged");
            case PaymentFlow.NotCharged n -> upstreamAnswer(response, n.upstream());
            case PaymentFlow.Limited l -> tooMany(response, l.limit());
            case PaymentFlow.Served s -> {
                response.putHeader(settlementHeader, HeaderCodec.encode(s.settlement()));
                upstreamAnswer(response, s.upstream());
            }
            case PaymentFlow.Allowed a -> {
                // only forward auth asks for settle-and-allow; a proxied request always has an upstream answer
                LOG.errorf("payment %s was settled without an upstream answer on the proxy path", a.paymentId());
                problem(response, 502, "Upstream unavailable", ReasonCode.UPSTREAM_UNAVAILABLE, null);
            }
            case PaymentFlow.OverPlanLimit o -> overPlanLimit(response, o.refusal());
            case PaymentFlow.SettlementFailed f -> {
                String reason = f.settlement().errorReason() == null ? "settlement_failed"
                        : f.settlement().errorReason();
                if (payment.x402Version() == 2) {
                    // v2 clients read the failure from PAYMENT-RESPONSE; the legacy server sends none
                    response.putHeader(settlementHeader, HeaderCodec.encode(f.settlement()));
                }
                challenge(ctx, route, reason, reason);
            }
        }
    }

    private static void upstreamAnswer(HttpServerResponse response, UpstreamProxy.UpstreamResponse upstream) {
        response.setStatusCode(upstream.status());
        response.headers().addAll(upstream.headers());
        response.end(upstream.body());
    }

    private void challenge(RoutingContext ctx, PricedRoute route, String errorV2, String errorV1) {
        Challenges.Challenge c = challenges.challenge(route, challenges.resourceUrl(ctx.request()), errorV2,
                errorV1);
        HttpServerResponse response = ctx.response();
        if (response.ended()) {
            return;
        }
        response.setStatusCode(402)
                .putHeader(PAYMENT_REQUIRED, c.paymentRequiredHeader())
                .putHeader("Content-Type", "application/json")
                .putHeader("Cache-Control", "no-store")
                .end(c.body());
    }

    /** 429, not 402: paying again cannot help, and x402 clients hand a 429 back to their caller instead of paying. */
    private static void overPlanLimit(HttpServerResponse response, io.sippar.billing.PlanLimits.Refusal refusal) {
        if (response.ended()) {
            return;
        }
        response.putHeader("Retry-After", Long.toString(refusal.retryAfterSeconds(java.time.Instant.now())))
                .putHeader("Cache-Control", "no-store");
        problem(response, 429, "Plan limit reached", ReasonCode.MERCHANT_PLAN_LIMIT_REACHED, refusal.message());
    }

    private void unavailable(HttpServerResponse response, String detail) {
        if (response.ended()) {
            return;
        }
        response.putHeader("Retry-After", Integer.toString(config.retryAfterSeconds()));
        problem(response, 503, "Service temporarily unavailable", ReasonCode.FACILITATOR_UNAVAILABLE, detail);
    }

    /** 429 problem+json with Retry-After: an abuse limit, nothing charged. */
    static void tooMany(HttpServerResponse response, LimitExceededException limit) {
        if (response.ended()) {
            return;
        }
        response.putHeader("Retry-After", Long.toString(limit.retryAfterSeconds()));
        problem(response, 429, "Too many requests", limit.reason(), limit.getMessage());
    }

    private void passthrough(RoutingContext ctx, String upstream) {
        HttpServerRequest request = ctx.request();
        URI target = URI.create(stripSlash(upstream) + request.uri());
        request.pause();
        request.body().onSuccess(body -> proxy.forward(request, body, target, MultiMap.caseInsensitiveMultiMap())
                .subscribe().with(resp -> upstreamAnswer(ctx.response(), resp), failure -> problem(ctx.response(), 502, "Upstream unavailable", ReasonCode.UPSTREAM_UNAVAILABLE,
                        failure.getMessage())))
                .onFailure(err -> problem(ctx.response(), 400, "Unreadable request body", ReasonCode.INVALID_REQUEST,
                        null));
        request.resume();
    }

    private void notFound(RoutingContext ctx) {
        problem(ctx.response(), 404, "Not found", ReasonCode.ROUTE_NOT_FOUND,
                "no route is configured for " + ctx.request().method() + " " + ctx.request().path());
    }

    static void problem(HttpServerResponse response, int status, String title, ReasonCode reason, String detail) {
        if (response.ended()) {
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", Problem.MEDIA_TYPE)
                .end(Buffer.buffer(Problem.json(status, title, reason, detail)));
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
