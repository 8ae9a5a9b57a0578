package io.sippar.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sippar.ledger.MerchantRepository;
import io.sippar.pricing.PricedRoute;
import io.sippar.scheme.SchemeUnavailableException;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.SettleResponse;
import io.sippar.x402.VerifyResponse;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The payment flow's Prometheus metrics (README, "Metrics"). Labels are bounded: merchant slug, route
 * name ({@code facilitator} for the facilitator API), CAIP-2 network, scheme, and reason codes from
 * the {@link ReasonCode} enum ({@code other} for anything else), never payers, amounts or ids.
 */
@ApplicationScoped
public class PaymentMetrics {

    /** Latency buckets from 5 ms to 2 min: verify is milliseconds, a settlement waits for blocks. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120)};
    static final String FACILITATOR_ROUTE = "facilitator";
    private static final String NONE = "none";

    /** Who and what a payment is, as metric labels. */
    record Labels(String merchant, String route, String network, String scheme) {
    }

    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(2);

    private final MeterRegistry registry;
    private final MerchantRepository merchants;
    private final Map<UUID, String> slugs = new ConcurrentHashMap<>();

    public PaymentMetrics(MeterRegistry registry, MerchantRepository merchants) {
        this.registry = registry;
        this.merchants = merchants;
    }

    /** Labels of a payment on a priced route, or (route null) through the facilitator API. */
    Labels labels(PricedRoute route, UUID merchantId, PaymentRequirements requirements) {
        if (route != null && merchantId != null) {
            slugs.putIfAbsent(merchantId, route.definition().merchantSlug());
        }
        String merchant = route != null ? route.definition().merchantSlug()
                : slugs.getOrDefault(merchantId, "unknown");
        return new Labels(merchant, route != null ? route.definition().name() : FACILITATOR_ROUTE,
                requirements.network(), requirements.scheme());
    }

    /**
     * Remembers a merchant's slug for facilitator labels; one lookup per merchant and process. Never
     * fails and never waits long: a label must not hold up or fail a payment (a hung database leaves
     * the merchant {@code unknown} until a later lookup gets through).
     */
    Uni<Void> knowMerchant(UUID merchantId) {
        if (slugs.containsKey(merchantId)) {
            return Uni.createFrom().voidItem();
        }
        return merchants.find(merchantId).ifNoItem().after(LOOKUP_TIMEOUT).fail()
                .invoke(m -> m.ifPresent(row -> slugs.put(merchantId, row.slug())))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** {@code sippar_challenges_total{merchant, route, reason}}: one per 402 answered. */
    void challenge(PricedRoute route, String error) {
        String reason = Challenges.PAYMENT_REQUIRED.equals(error) || Challenges.X_PAYMENT_REQUIRED.equals(error)
                ? "payment_required" : reason(error);
        Counter.builder("sippar.challenges").description("402 Payment Required answers issued")
                .tag("merchant", route.definition().merchantSlug()).tag("route", route.definition().name())
                .tag("reason", reason).register(registry).increment();
    }

    /**
     * {@code sippar_verifications_total{..., result, reason}} and {@code sippar_verify_duration_seconds}:
     * result valid, invalid (with the reason) or unavailable (our side could not decide).
     */
    Uni<VerifyResponse> verification(Labels l, Uni<VerifyResponse> verify) {
        return timed(VERIFY, l, verify, (v, failure) -> {
            String result = failure != null ? (failure instanceof SchemeUnavailableException ? "unavailable" : "error")
                    : v.isValid() ? "valid" : "invalid";
            return new Result(result, v == null || v.isValid() ? NONE : reason(v.invalidReason()));
        });
    }

    /**
     * {@code sippar_settlements_total{..., result, reason}} and {@code sippar_settle_duration_seconds}:
     * success, failure (the chain refused; with the reason), unknown (broadcast, outcome not known
     * yet) or unavailable (nothing broadcast).
     */
    Uni<SettleResponse> settlement(Labels l, Uni<SettleResponse> settle) {
        return timed(SETTLE, l, settle, (s, failure) -> {
            // nothing broadcast: unavailable or limited; a failure after the first broadcast: unknown (stays settling)
            String result = failure == null ? (s.success() ? "success" : "failure")
                    : failure instanceof SchemeUnavailableException ? "unavailable"
                    : failure instanceof io.sippar.limits.LimitExceededException ? "limited" : "unknown";
            return new Result(result, s == null || s.success() ? NONE : reason(s.errorReason()));
        });
    }

    /** {@code sippar_upstream_duration_seconds{merchant, route, outcome}}: outcome the status class or unreachable. */
    Uni<Optional<UpstreamProxy.UpstreamResponse>> upstream(PricedRoute route,
            Uni<Optional<UpstreamProxy.UpstreamResponse>> forward) {
        long start = System.nanoTime();
        return forward.invoke(answer -> Timer.builder("sippar.upstream.duration")
                .description("Time the upstream took to answer a paid request")
                .tag("merchant", route.definition().merchantSlug()).tag("route", route.definition().name())
                .tag("outcome", answer.map(a -> (a.status() / 100) + "xx").orElse("unreachable"))
                .serviceLevelObjectives(BUCKETS).register(registry)
                .record(Duration.ofNanos(System.nanoTime() - start)));
    }

    /** {@code sippar_payment_duration_seconds{merchant, route, outcome}}: a paid request end to end. */
    Uni<PaymentFlow.Outcome> payment(PricedRoute route, Uni<PaymentFlow.Outcome> flow) {
        long start = System.nanoTime();
        return flow.invoke(outcome -> Timer.builder("sippar.payment.duration")
                .description("A paid request from arrival to answer")
                .tag("merchant", route.definition().merchantSlug()).tag("route", route.definition().name())
                .tag("outcome", snake(outcome.getClass().getSimpleName()))
                .serviceLevelObjectives(BUCKETS).register(registry)
                .record(Duration.ofNanos(System.nanoTime() - start)));
    }

    /**
     * {@code sippar_fees_earned_usd_total{merchant, network}}: the fee of every recorded settlement,
     * the live path's and the reconciler's.
     */
    Uni<Void> feeEarned(UUID merchantId, String network, BigDecimal usd) {
        if (usd == null || usd.signum() <= 0) {
            return Uni.createFrom().voidItem();
        }
        return knowMerchant(merchantId).invoke(() -> Counter.builder("sippar.fees.earned.usd")
                .description("Gateway fees earned on settled payments, in US dollars")
                .tag("merchant", slugs.getOrDefault(merchantId, "unknown")).tag("network", network)
                .register(registry).increment(usd.doubleValue()));
    }

    /** A timed and counted step: its timer and counter names with their help texts. */
    private record Step(String timer, String timerHelp, String counter, String counterHelp) {
    }

    private static final Step VERIFY = new Step("sippar.verify.duration", "Time one payment verification took",
            "sippar.verifications", "Payment verifications by result and reason");
    private static final Step SETTLE = new Step("sippar.settle.duration",
            "Time one settlement took, broadcast to receipt", "sippar.settlements",
            "Settlements by result and reason");

    /** How a finished step is labelled. */
    private record Result(String result, String reason) {
    }

    @FunctionalInterface
    private interface Classifier<T> {
        Result classify(T item, Throwable failure);
    }

    private <T> Uni<T> timed(Step step, Labels l, Uni<T> work, Classifier<T> classifier) {
        return Uni.createFrom().deferred(() -> {
            long start = System.nanoTime();
            return work.onItemOrFailure().invoke((item, failure) -> {
                Result r = classifier.classify(item, failure);
                Timer.builder(step.timer()).description(step.timerHelp()).tag("network", l.network())
                        .tag("scheme", l.scheme()).tag("result", r.result())
                        .serviceLevelObjectives(BUCKETS).register(registry)
                        .record(Duration.ofNanos(System.nanoTime() - start));
                Counter.builder(step.counter()).description(step.counterHelp()).tag("merchant", l.merchant())
                        .tag("route", l.route()).tag("network", l.network()).tag("scheme", l.scheme())
                        .tag("result", r.result()).tag("reason", r.reason()).register(registry).increment();
            });
        });
    }

    /** A wire reason code if it is one of ours, else {@code other}: labels stay bounded whatever a scheme says. */
    static String reason(String wire) {
        if (wire == null || wire.isEmpty()) {
            return "other";
        }
        return ReasonCode.fromWire(wire).map(ReasonCode::wire).orElse("other");
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }
}
