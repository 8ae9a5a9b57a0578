package io.sippar.billing;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Statements' view of the plan catalog and the merchants' plan histories ({@link Subscriptions}).
 *
 * <p>How subscriptions are charged in a monthly statement (README, Statements): a monthly plan by the
 * whole UTC days it was in force ({@link PlanMonth#proratedMonthlyPriceUsd}); an annual contract in
 * full, in advance, in the month each contract year starts (its anniversaries), less the commitment
 * discount while the year starts within the committed term; an annual contract ended inside a
 * contract year (an upgrade) is credited for the whole unused days of that year in the month it ends.
 * Included transactions and the overage price are {@link PlanMonth}'s: the day-weighted allowance and
 * the price of the plan in force at the end of the month.
 */
@ApplicationScoped
public class SubscriptionTerms implements StatementPlans {

    private final Subscriptions subscriptions;

    public SubscriptionTerms(Subscriptions subscriptions) {
        this.subscriptions = subscriptions;
    }

    @Override
    public Uni<MonthTerms> month(UUID merchantId, StatementPeriod period) {
        return subscriptions.month(merchantId, period.month()).map(this::terms);
    }

    MonthTerms terms(PlanMonth month) {
        if (!month.subscribed()) {
            return MonthTerms.none();
        }
        PlanCatalog catalog = subscriptions.catalog();
        Instant monthStart = PlanMonth.start(month.month());
        Instant monthEnd = PlanMonth.start(month.month().plusMonths(1));
        List<MonthTerms.SubscriptionCharge> charges = new ArrayList<>();
        for (PlanMonth.Segment seg : month.segments()) {
            Plan plan = seg.plan();
            Subscription sub = seg.subscription();
            if (!plan.annual()) {
                if (seg.days() > 0) {
                    BigDecimal share = BigDecimal.valueOf(seg.days())
                            .divide(BigDecimal.valueOf(month.daysInMonth()), Money.SCALE, RoundingMode.HALF_UP);
                    charges.add(new MonthTerms.SubscriptionCharge(plan.name(), seg.days() == month.daysInMonth()
                            ? plan.name() + ", " + month.month()
                            : plan.name() + ", " + day(seg.from()) + " to " + day(seg.to()).minusDays(1) + " ("
                                    + seg.days() + " of " + month.daysInMonth() + " days)",
                            share, plan.priceUsd(), month.proratedMonthlyPriceUsd(seg), BigDecimal.ZERO, 1));
                }
                continue;
            }
            BigDecimal termRate = catalog.commitmentDiscount(sub.commitmentYears());
            int years = sub.commitmentYears() == null ? 1 : sub.commitmentYears();
            for (int k = 0;; k++) {
                Instant anniversary = sub.effectiveFrom().atOffset(ZoneOffset.UTC).plusYears(k).toInstant();
                if (!anniversary.isBefore(seg.to())) {
                    break;
                }
                if (!anniversary.isBefore(seg.from())) {
                    charges.add(new MonthTerms.SubscriptionCharge(plan.name(), plan.name() + ", contract year " + (k + 1)
                            + " (" + day(anniversary) + " to " + day(anniversary).plusYears(1).minusDays(1) + ")",
                            BigDecimal.ONE, plan.priceUsd(), plan.priceUsd(),
                            sub.withinTerm(anniversary) ? termRate : BigDecimal.ZERO, years));
                }
            }
            // an annual contract ended early (an upgrade): the unused days of its prepaid year come back
            if (sub.effectiveTo() != null && !sub.effectiveTo().isBefore(monthStart) && sub.effectiveTo().isBefore(monthEnd)
                    && sub.effectiveTo().isAfter(sub.effectiveFrom())) {
                Instant yearStart = sub.contractYearStart(sub.effectiveTo().minusNanos(1));
                LocalDate yearEnd = day(yearStart).plusYears(1);
                long unused = ChronoUnit.DAYS.between(day(sub.effectiveTo()), yearEnd);
                long yearDays = ChronoUnit.DAYS.between(day(yearStart), yearEnd);
                if (unused > 0) {
                    BigDecimal share = BigDecimal.valueOf(unused).divide(BigDecimal.valueOf(yearDays), Money.SCALE,
                            RoundingMode.HALF_UP);
                    BigDecimal credit = plan.priceUsd().multiply(BigDecimal.valueOf(unused))
                            .divide(BigDecimal.valueOf(yearDays), Money.SCALE, RoundingMode.HALF_UP).negate();
                    charges.add(new MonthTerms.SubscriptionCharge(plan.name(), "Credit: " + plan.name() + " ended "
                            + day(sub.effectiveTo()) + ", " + unused + " of " + yearDays + " prepaid days unused",
                            share.negate(), plan.priceUsd(), credit,
                            sub.withinTerm(yearStart) ? termRate : BigDecimal.ZERO, years));
                }
            }
        }
        PlanMonth.Segment last = month.segments().get(month.segments().size() - 1);
        Plan end = last.plan();
        Long included = month.unlimited() ? null : month.included().orElse(0L);
        return new MonthTerms(end.id(), end.name(), end.annual(),
                last.subscription().commitmentYears() == null ? 1 : last.subscription().commitmentYears(), included,
                end.overage().orElse(BigDecimal.ZERO), charges);
    }

    @Override
    public Uni<List<Segment>> segments(Instant from, Instant to) {
        PlanCatalog catalog = subscriptions.catalog();
        return subscriptions.overlapping(from, to).map(byMerchant -> {
            List<Segment> out = new ArrayList<>();
            byMerchant.values().forEach(history -> history.forEach(s -> {
                Plan plan = catalog.require(s.planId());
                out.add(new Segment(s.merchantId(), plan.id(), plan.name(), s.effectiveFrom(), s.effectiveTo(),
                        plan.monthlyEquivalentUsd(), catalog.commitmentDiscount(s.commitmentYears()),
                        s.termEnd().orElse(null)));
            }));
            return out;
        });
    }

    private static LocalDate day(Instant t) {
        return t.atOffset(ZoneOffset.UTC).toLocalDate();
    }
}
