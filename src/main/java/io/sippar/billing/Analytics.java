package io.sippar.billing;

import io.sippar.ledger.MerchantRepository;
import io.sippar.pricing.Asset;
import io.sippar.pricing.AssetRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

/**
 * Operator analytics for a date range (README, Analytics): MRR and ARR from the subscriptions, fee
 * revenue by band, network and plan, net revenue retention, and the top merchants.
 */
@ApplicationScoped
public class Analytics {

    /** Net revenue retention: what the base window's merchants bring now, against what they brought then. */
    public record Retention(Instant baseFrom, Instant baseTo, int cohortMerchants, BigDecimal baseRevenueUsd,
            BigDecimal currentRevenueUsd, BigDecimal ratio) {
    }

    /** Transactions, volume and fee revenue of one slice (band, network, plan or merchant). */
    public static final class Slice {
        final String key;
        long transactions;
        BigDecimal volumeUsd = Money.ZERO;
        BigDecimal feesUsd = Money.ZERO;
        boolean volumeComplete = true;

        Slice(String key) {
            this.key = key;
        }

        void add(AnalyticsRepository.Cell c, BigDecimal volume) {
            transactions += c.transactions();
            feesUsd = feesUsd.add(Money.exact(c.feeUsd()));
            if (volume == null) {
                volumeComplete = false;
            } else {
                volumeUsd = volumeUsd.add(volume);
            }
        }
    }

    /** The whole report. */
    public record Report(AnalyticsRange range, Instant mrrAt, BigDecimal mrrUsd, BigDecimal mrrAtStartUsd,
            Slice total, List<Slice> byBand, List<Slice> byNetwork, List<Slice> byPlan, Retention retention,
            List<Slice> topByFees, List<Slice> topByVolume, Map<UUID, MerchantRepository.MerchantRow> merchants) {

        /** Annual recurring revenue: twelve times the MRR. */
        public BigDecimal arrUsd() {
            return mrrUsd.multiply(BigDecimal.valueOf(12));
        }
    }

    private static final List<String> BAND_ORDER = List.of("micro", "small", "medium", "large");

    private final AnalyticsRepository repo;
    private final StatementPlans plans;
    private final AssetRegistry assets;
    private final MerchantRepository merchants;
    private final Statements statements;
    private final Clock clock;

    public Analytics(AnalyticsRepository repo, StatementPlans plans, AssetRegistry assets, MerchantRepository merchants,
            Statements statements) {
        this.repo = repo;
        this.plans = plans;
        this.assets = assets;
        this.merchants = merchants;
        this.statements = statements;
        this.clock = Clock.systemUTC();
    }

    Uni<Report> report(AnalyticsRange range, int top) {
        AnalyticsRange base = range.base();
        return statements.timed(plans.segments(base.from(), range.to())).chain(segments -> statements.timed(
                repo.cells(range.from(), range.to(), segments)).chain(cells -> statements.timed(
                        repo.feesByMerchant(base.from(), base.to())).chain(baseFees -> statements.timed(merchants.list())
                                .map(rows -> build(range, top, segments, cells, baseFees, rows)))));
    }

    private Report build(AnalyticsRange range, int top, List<StatementPlans.Segment> segments,
            List<AnalyticsRepository.Cell> cells, Map<UUID, BigDecimal> baseFees,
            List<MerchantRepository.MerchantRow> merchantRows) {
        Map<UUID, MerchantRepository.MerchantRow> byId = new LinkedHashMap<>();
        merchantRows.forEach(m -> byId.put(m.id(), m));

        Slice total = new Slice("total");
        Map<String, Slice> bands = new HashMap<>();
        Map<String, Slice> networks = new HashMap<>();
        Map<String, Slice> planSlices = new HashMap<>();
        Map<UUID, Slice> perMerchant = new HashMap<>();
        for (AnalyticsRepository.Cell c : cells) {
            BigDecimal volume = assets.find(c.network(), Optional.of(c.asset())).filter(Asset::usdStable)
                    .map(a -> Money.exact(new java.math.BigDecimal(c.volumeAtomic()).movePointLeft(a.decimals())))
                    .orElse(null);
            total.add(c, volume);
            bands.computeIfAbsent(c.band(), Slice::new).add(c, volume);
            networks.computeIfAbsent(c.network(), Slice::new).add(c, volume);
            planSlices.computeIfAbsent(c.planId(), Slice::new).add(c, volume);
            perMerchant.computeIfAbsent(c.merchantId(), id -> new Slice(id.toString())).add(c, volume);
        }

        Instant now = clock.instant();
        Instant mrrAt = range.to().isAfter(now) ? now : range.to().minusNanos(1000);
        BigDecimal mrr = mrrAt(segments, mrrAt);
        BigDecimal mrrStart = mrrAt(segments, range.from());

        // net revenue retention over merchants that had revenue in the base window
        AnalyticsRange base = range.base();
        Map<UUID, BigDecimal> baseRevenue = new HashMap<>();
        Map<UUID, BigDecimal> currentRevenue = new HashMap<>();
        baseFees.forEach((m, fees) -> baseRevenue.merge(m, Money.exact(fees), BigDecimal::add));
        perMerchant.forEach((m, s) -> currentRevenue.merge(m, s.feesUsd, BigDecimal::add));
        for (StatementPlans.Segment s : segments) {
            baseRevenue.merge(s.merchantId(), recognised(s, base.from(), base.to()), BigDecimal::add);
            currentRevenue.merge(s.merchantId(), recognised(s, range.from(), range.to()), BigDecimal::add);
        }
        BigDecimal baseSum = Money.ZERO;
        BigDecimal currentSum = Money.ZERO;
        int cohort = 0;
        for (Map.Entry<UUID, BigDecimal> e : baseRevenue.entrySet()) {
            if (e.getValue().signum() > 0) {
                cohort++;
                baseSum = baseSum.add(e.getValue());
                currentSum = currentSum.add(currentRevenue.getOrDefault(e.getKey(), Money.ZERO));
            }
        }
        BigDecimal ratio = baseSum.signum() == 0 ? null : currentSum.divide(baseSum, 6, RoundingMode.HALF_UP);

        Comparator<Slice> bandOrder = Comparator.comparing((Slice s) -> {
            int i = BAND_ORDER.indexOf(s.key);
            return i < 0 ? BAND_ORDER.size() : i;
        }).thenComparing(s -> s.key);
        return new Report(range, mrrAt, mrr, mrrStart, total, sorted(bands, bandOrder),
                sorted(networks, Comparator.comparing(s -> s.key)),
                sorted(planSlices, Comparator.comparing((Slice s) -> s.feesUsd).reversed().thenComparing(s -> s.key)),
                new Retention(base.from(), base.to(), cohort, baseSum, currentSum, ratio),
                top(perMerchant, s -> s.feesUsd, top), top(perMerchant, s -> s.volumeUsd, top), byId);
    }

    /** MRR at an instant: the monthly-equivalent price of every segment in force, discounted within its term. */
    static BigDecimal mrrAt(List<StatementPlans.Segment> segments, Instant at) {
        BigDecimal sum = BigDecimal.ZERO;
        for (StatementPlans.Segment s : segments) {
            if (s.inForceAt(at)) {
                sum = sum.add(s.mrrAt(at));
            }
        }
        return Money.exact(sum);
    }

    /**
     * Subscription revenue of a segment recognised in [from, to): its monthly amount spread evenly
     * over the time of each calendar month (UTC), discounted while within the committed term.
     */
    static BigDecimal recognised(StatementPlans.Segment s, Instant from, Instant to) {
        Instant a = s.from().isAfter(from) ? s.from() : from;
        Instant b = s.to() == null || s.to().isAfter(to) ? to : s.to();
        if (!b.isAfter(a)) {
            return Money.ZERO;
        }
        TreeSet<Instant> cuts = new TreeSet<>(List.of(a, b));
        if (s.termEnd() != null && s.termEnd().isAfter(a) && s.termEnd().isBefore(b)) {
            cuts.add(s.termEnd());
        }
        for (YearMonth m = YearMonth.from(a.atOffset(ZoneOffset.UTC)).plusMonths(1);; m = m.plusMonths(1)) {
            Instant start = m.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
            if (!start.isBefore(b)) {
                break;
            }
            cuts.add(start);
        }
        BigDecimal sum = BigDecimal.ZERO;
        Instant prev = null;
        for (Instant cut : cuts) {
            if (prev != null) {
                YearMonth month = YearMonth.from(prev.atOffset(ZoneOffset.UTC));
                long monthNanos = Duration.between(month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC),
                        month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC)).toNanos();
                sum = sum.add(s.mrrAt(prev).multiply(BigDecimal.valueOf(Duration.between(prev, cut).toNanos()))
                        .divide(BigDecimal.valueOf(monthNanos), Money.SCALE, RoundingMode.HALF_UP));
            }
            prev = cut;
        }
        return Money.exact(sum);
    }

    private static List<Slice> sorted(Map<String, Slice> slices, Comparator<Slice> order) {
        List<Slice> out = new ArrayList<>(slices.values());
        out.sort(order);
        return out;
    }

    private static List<Slice> top(Map<UUID, Slice> perMerchant, Function<Slice, BigDecimal> by, int n) {
        return perMerchant.values().stream()
                .sorted(Comparator.comparing(by).reversed().thenComparing(s -> s.key))
                .limit(n).toList();
    }
}
