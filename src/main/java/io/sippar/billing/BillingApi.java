package io.sippar.billing;

import io.sippar.merchant.ApiError;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** What the merchant and admin billing endpoints answer, for a merchant they have already scoped. */
@ApplicationScoped
public class BillingApi {

    /** Most notices one listing returns. */
    static final int MAX_NOTICES = 500;

    private final Subscriptions subscriptions;
    private final UsageReports usage;
    private final NoticeRepository notices;
    private final BillingConfig config;

    public BillingApi(Subscriptions subscriptions, UsageReports usage, NoticeRepository notices, BillingConfig config) {
        this.subscriptions = subscriptions;
        this.usage = usage;
        this.notices = notices;
        this.config = config;
    }

    /** The merchant's plan, segment, scheduled change and this month's usage; 404 without a plan history. */
    public Uni<BillingViews.MerchantPlanView> plan(UUID merchantId) {
        Instant now = Instant.now();
        PlanCatalog catalog = subscriptions.catalog();
        return subscriptions.history(merchantId).chain(history -> {
            Subscription current = history.stream().filter(s -> s.activeAt(now)).findFirst()
                    .orElseThrow(() -> ApiError.notFound("merchant " + merchantId + " has no plan"));
            Optional<Subscription> next = history.stream().filter(s -> s.effectiveFrom().isAfter(now)).findFirst();
            return usage.report(merchantId, PlanMonth.of(now), now).map(report -> new BillingViews.MerchantPlanView(
                    BillingViews.PlanView.of(catalog.require(current.planId())),
                    BillingViews.SubscriptionView.of(current, catalog),
                    next.map(s -> BillingViews.SubscriptionView.of(s, catalog)).orElse(null),
                    BillingViews.UsageView.of(report)));
        });
    }

    /** Usage in {@code period} (YYYY-MM; default this month); 400 for a malformed or future month. */
    public Uni<BillingViews.UsageView> usage(UUID merchantId, String period) {
        Instant now = Instant.now();
        YearMonth month = period == null || period.isBlank() ? PlanMonth.of(now) : BillingViews.period(period);
        if (month.isAfter(PlanMonth.of(now))) {
            throw ApiError.badRequest("period " + month + " has not started");
        }
        return usage.report(merchantId, month, now).map(r -> {
            if (!r.month().subscribed()) {
                throw ApiError.notFound("merchant " + merchantId + " had no plan in " + month);
            }
            return BillingViews.UsageView.of(r);
        });
    }

    /** The merchant's notices with their attempts, newest first. */
    public Uni<List<BillingViews.NoticeView>> notices(UUID merchantId, String period, Integer limit) {
        Optional<YearMonth> month = period == null || period.isBlank() ? Optional.empty()
                : Optional.of(BillingViews.period(period));
        int n = limit == null ? 100 : limit;
        if (n < 1 || n > MAX_NOTICES) {
            throw ApiError.badRequest("limit must be 1 to " + MAX_NOTICES);
        }
        return notices.list(merchantId, month, n, config.webhooks().maxAttempts())
                .map(list -> list.stream().map(BillingViews.NoticeView::of).toList());
    }
}
