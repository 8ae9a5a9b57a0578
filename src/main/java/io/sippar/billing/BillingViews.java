package io.sippar.billing;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/** JSON shapes of the plan, usage, webhook and notice endpoints. Money is a decimal string of US dollars. */
public final class BillingViews {

    private BillingViews() {
    }

    private static String usd(BigDecimal v) {
        return v == null ? null : v.toPlainString();
    }

    /** A plan of the catalog. */
    public record PlanView(String id, String name, String priceUsd, String billingCycle, String monthlyEquivalentUsd,
            Long includedTransactionsPerMonth, boolean unlimited, String overageUsdPerTransaction, boolean hardStop,
            List<Integer> commitmentYears, boolean offered) {
        static PlanView of(Plan p) {
            return new PlanView(p.id(), p.name(), usd(p.priceUsd()), p.cycle().wire(), usd(p.monthlyEquivalentUsd()),
                    p.includedPerMonth(), p.unlimited(), usd(p.overageUsd()), p.hardStop(), p.commitmentYears(),
                    p.offered());
        }
    }

    /** The catalog. */
    public record CatalogView(String source, String defaultPlan, Map<Integer, String> commitmentDiscounts,
            List<PlanView> plans) {
        static CatalogView of(PlanCatalog c) {
            Map<Integer, String> discounts = new TreeMap<>();
            c.commitmentDiscounts().forEach((y, d) -> discounts.put(y, d.toPlainString()));
            return new CatalogView(c.source(), c.defaultPlanId(), discounts, c.plans().stream().map(PlanView::of).toList());
        }
    }

    /** One segment of a plan history. */
    public record SubscriptionView(long id, String plan, Integer commitmentYears, String commitmentDiscount,
            Instant effectiveFrom, Instant effectiveTo, Instant termEnd, String source, Instant requestedAt) {
        static SubscriptionView of(Subscription s, PlanCatalog c) {
            return new SubscriptionView(s.id(), s.planId(), s.commitmentYears(),
                    s.commitmentYears() == null ? null : c.commitmentDiscount(s.commitmentYears()).toPlainString(),
                    s.effectiveFrom(), s.effectiveTo(), s.termEnd().orElse(null), s.source(), s.requestedAt());
        }
    }

    /** A plan's share of a month. */
    public record SegmentView(String plan, Instant from, Instant to, int days, int daysInMonth,
            String proratedMonthlyPriceUsd) {
        static SegmentView of(PlanMonth m, PlanMonth.Segment s) {
            return new SegmentView(s.plan().id(), s.from(), s.to(), s.days(), m.daysInMonth(),
                    s.plan().annual() ? null : usd(m.proratedMonthlyPriceUsd(s)));
        }
    }

    /** A month's usage against the plan. */
    public record UsageView(UUID merchant, String period, Instant periodStart, Instant periodEnd, String plan,
            Long included, boolean unlimited, long used, Long remaining, long overageTransactions,
            String overagePriceUsd, String overageUsd, boolean hardStop, boolean limitReached, String feesUsd,
            List<SegmentView> segments) {
        static UsageView of(UsageReport r) {
            PlanMonth m = r.month();
            Optional<Plan> plan = r.plan();
            return new UsageView(r.merchantId(), r.period().toString(), PlanMonth.start(r.period()),
                    PlanMonth.start(r.period().plusMonths(1)), plan.map(Plan::id).orElse(null),
                    r.included().isPresent() ? r.included().getAsLong() : null, m.unlimited(), r.used(),
                    r.remaining().isPresent() ? r.remaining().getAsLong() : null, m.overageTransactions(r.used()),
                    m.planAtEnd().flatMap(Plan::overage).map(BigDecimal::toPlainString).orElse(null),
                    usd(m.overageUsd(r.used())), plan.map(Plan::hardStop).orElse(false), r.limitReached(),
                    usd(r.feesUsd()), m.segments().stream().map(s -> SegmentView.of(m, s)).toList());
        }
    }

    /** A merchant's plan now: the plan, its segment, a scheduled change, and this month's usage. */
    public record MerchantPlanView(PlanView plan, SubscriptionView subscription, SubscriptionView scheduledChange,
            UsageView usage) {
    }

    /** The result of a plan change. */
    public record ChangeView(String direction, Instant effectiveFrom, String previousPlan, SubscriptionView current,
            SubscriptionView scheduled, List<SubscriptionView> history) {
    }

    /** A webhook endpoint, without its secret. */
    public record WebhookView(String url, String secretPrefix, Instant createdAt, Instant updatedAt,
            Instant secretRotatedAt) {
        static WebhookView of(WebhookRepository.Endpoint e) {
            return new WebhookView(e.url(), e.secretPrefix(), e.createdAt(), e.updatedAt(), e.secretRotatedAt());
        }
    }

    /** A webhook endpoint with a secret made just now: shown in this answer only. */
    public record WebhookWithSecretView(String url, String secretPrefix, String secret, Instant secretRotatedAt) {
        @Override
        public String toString() {
            return "WebhookWithSecretView[url=" + url + ", secret=" + secretPrefix + "...]";
        }
    }

    /** Request to set the webhook endpoint. */
    public record WebhookRequest(String url) {
    }

    /** Request to change a merchant's plan. */
    public record SubscriptionRequest(String plan, Integer commitmentYears, String effective) {
    }

    /** One delivery attempt. */
    public record AttemptView(int attempt, Instant attemptedAt, String url, Integer statusCode, String error,
            Integer durationMs, Instant nextAttemptAt) {
        static AttemptView of(UsageNotice.DeliveryAttempt a) {
            return new AttemptView(a.attempt(), a.attemptedAt(), a.url(), a.statusCode(), a.error(), a.durationMs(),
                    a.nextAttemptAt());
        }
    }

    /** A usage notice and its delivery. */
    public record NoticeView(UUID id, String type, UUID merchant, String period, int threshold, long used,
            long included, String plan, Instant createdAt, String status, int attempts, int attemptLimit,
            Instant nextAttemptAt, Instant deliveredAt, List<AttemptView> deliveries) {
        static NoticeView of(UsageNotice n) {
            return new NoticeView(n.id(), UsageNotice.TYPE, n.merchantId(), n.period().toString(), n.threshold(),
                    n.used(), n.included(), n.planId(), n.createdAt(), n.status(), n.attempts(), n.attemptLimit(),
                    n.nextAttemptAt(), n.deliveredAt(), n.deliveries().stream().map(AttemptView::of).toList());
        }
    }

    /** Parses {@code YYYY-MM}. */
    static YearMonth period(String text) {
        if (text == null || !text.matches("^[0-9]{4}-(0[1-9]|1[0-2])$")) {
            throw io.sippar.merchant.ApiError.badRequest("period must be a month like 2026-03, got " + text);
        }
        return YearMonth.parse(text);
    }
}
