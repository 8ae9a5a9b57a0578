package io.sippar.billing;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A merchant's plans over one calendar month (UTC), as billing reads them: the segments of its
 * history that overlap the month with the whole UTC days each covers, the month's included
 * transactions and the overage price.
 *
 * <p>Proration is by whole UTC days: the day a change takes effect belongs to the new plan. The
 * month's included transactions are the day-weighted average of its segments' allowances (rounded
 * half-up), so a plan in force all month gives exactly its allowance, a merchant that joins mid-month
 * gets its plan's full allowance, and an upgrade on the 21st of a 30-day month gives 20/30 of the old
 * allowance plus 10/30 of the new one; any unlimited day makes the month unlimited. Overage is priced
 * by the plan in force at the end of the month. The same computation runs in SQL
 * ({@code merchant_allowance}, V20) for the 80% / 100% notices; a test keeps the two equal.
 *
 * @param month the calendar month
 * @param segments the overlapping segments in time order, clipped to the month (zero-day ones included)
 */
public record PlanMonth(YearMonth month, List<Segment> segments) {

    /**
     * One plan's share of the month.
     *
     * @param from start within the month (inclusive)
     * @param to end within the month (exclusive)
     * @param days whole UTC days this plan is billed for in the month (the change day belongs to the new plan)
     */
    public record Segment(Subscription subscription, Plan plan, Instant from, Instant to, int days) {
    }

    public PlanMonth {
        segments = List.copyOf(segments);
    }

    /** The month's segments from a merchant's whole history. */
    public static PlanMonth of(YearMonth month, List<Subscription> history, PlanCatalog catalog) {
        Instant start = start(month);
        Instant end = start(month.plusMonths(1));
        List<Segment> out = new ArrayList<>();
        history.stream()
                .filter(s -> s.effectiveFrom().isBefore(end) && (s.effectiveTo() == null || s.effectiveTo().isAfter(start)))
                .sorted(Comparator.comparing(Subscription::effectiveFrom).thenComparingLong(Subscription::id))
                .forEach(s -> {
                    Instant from = max(s.effectiveFrom(), start);
                    Instant to = s.effectiveTo() == null ? end : min(s.effectiveTo(), end);
                    int days = (int) Math.max(0, ChronoUnit.DAYS.between(date(from), date(to)));
                    out.add(new Segment(s, catalog.require(s.planId()), from, to, days));
                });
        return new PlanMonth(month, out);
    }

    /** 00:00 UTC on the first day of {@code month}. */
    public static Instant start(YearMonth month) {
        return month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** The month containing {@code t}, in UTC. */
    public static YearMonth of(Instant t) {
        return YearMonth.from(t.atZone(ZoneOffset.UTC));
    }

    /** Days in the month. */
    public int daysInMonth() {
        return month.lengthOfMonth();
    }

    /** Whether the merchant had a plan at any time in the month. */
    public boolean subscribed() {
        return !segments.isEmpty();
    }

    /** Whether any billed day of the month is on an unlimited plan. */
    public boolean unlimited() {
        return billed().anyMatch(s -> s.plan().unlimited());
    }

    /** Included transactions for the month; empty when unlimited or not subscribed. */
    public OptionalLong included() {
        if (!subscribed() || unlimited()) {
            return OptionalLong.empty();
        }
        BigInteger weighted = BigInteger.ZERO;
        long days = 0;
        for (Segment s : billed().toList()) {
            weighted = weighted.add(BigInteger.valueOf(s.plan().includedPerMonth()).multiply(BigInteger.valueOf(s.days())));
            days += s.days();
        }
        if (days == 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(new BigDecimal(weighted).divide(BigDecimal.valueOf(days), 0, RoundingMode.HALF_UP)
                .longValueExact());
    }

    /** The plan in force at {@code t}, if {@code t} falls in one of the month's segments. */
    public Optional<Plan> planAt(Instant t) {
        return segments.stream().filter(s -> s.subscription().activeAt(t)).map(Segment::plan).reduce((a, b) -> b);
    }

    /** The plan in force at the end of the month (the last segment), which prices the overage. */
    public Optional<Plan> planAtEnd() {
        return segments.isEmpty() ? Optional.empty() : Optional.of(segments.get(segments.size() - 1).plan());
    }

    /** Transactions above the included ones (0 when unlimited). */
    public long overageTransactions(long used) {
        OptionalLong included = included();
        return included.isPresent() ? Math.max(0, used - included.getAsLong()) : 0;
    }

    /** Overage charge for {@code used} transactions: count above the allowance x the end plan's price (exact, scale 6). */
    public BigDecimal overageUsd(long used) {
        long over = overageTransactions(used);
        BigDecimal price = planAtEnd().flatMap(Plan::overage).orElse(BigDecimal.ZERO);
        return price.multiply(BigDecimal.valueOf(over)).setScale(6, RoundingMode.UNNECESSARY);
    }

    /**
     * A monthly plan's price for its days in the month: price x days / days in month, to 6 decimals
     * half-up (a statement rounds its total to cents). Zero for annual plans, whose charge follows
     * the contract year.
     */
    public BigDecimal proratedMonthlyPriceUsd(Segment segment) {
        if (segment.plan().annual()) {
            return BigDecimal.ZERO.setScale(6);
        }
        return segment.plan().priceUsd().multiply(BigDecimal.valueOf(segment.days()))
                .divide(BigDecimal.valueOf(daysInMonth()), 6, RoundingMode.HALF_UP);
    }

    private java.util.stream.Stream<Segment> billed() {
        return segments.stream().filter(s -> s.days() > 0);
    }

    private static LocalDate date(Instant t) {
        return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
