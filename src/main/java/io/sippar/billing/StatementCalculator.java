package io.sippar.billing;

import io.sippar.pricing.Asset;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;

/**
 * Turns a month's ledger aggregates and the merchant's plan terms into a statement. Pure: the SQL
 * that aggregates the payments is in {@link StatementRepository}; this class never sees a row.
 *
 * <p>Rules (README, Statements): the subscription charges, included transactions and overage price
 * come from the plans ({@link MonthTerms}); the commitment discount applies to each subscription
 * charge; a settlement recorded after its month was closed is charged here as an adjustment, with the
 * overage it would have added to its own month. Every line is exact at 18 decimal places; the total
 * is rounded once, half-up, to cents.
 */
final class StatementCalculator {

    /**
     * Payments of the statement grouped by asset and band; {@code latePeriod} set for late settlements;
     * {@code withheldUsd} the part of {@code feeUsd} of treasury-mode payments, whose fee the gateway
     * already kept on chain (README, Treasury mode).
     */
    record Cell(StatementPeriod latePeriod, String network, String asset, String band, long transactions,
            BigInteger volumeAtomic, BigInteger feeAtomic, BigDecimal feeUsd, BigDecimal withheldUsd) {

        /** A cell of direct-mode payments only. */
        Cell(StatementPeriod latePeriod, String network, String asset, String band, long transactions,
                BigInteger volumeAtomic, BigInteger feeAtomic, BigDecimal feeUsd) {
            this(latePeriod, network, asset, band, transactions, volumeAtomic, feeAtomic, feeUsd, BigDecimal.ZERO);
        }
    }

    /**
     * What a closed month had already counted when a late settlement of it is charged: its frozen
     * transactions plus late ones charged on statements before this one, and its frozen plan terms.
     */
    record LateContext(StatementPeriod period, long countedBefore, Long includedTransactions,
            BigDecimal overagePriceUsd) {
    }

    /** The free plan every merchant has when no subscription says otherwise. */
    static final String NO_PLAN = "none";

    private static final List<String> BAND_ORDER = List.of("micro", "small", "medium", "large");

    private StatementCalculator() {
    }

    static Statement compute(UUID merchantId, StatementPeriod period, List<Cell> cells, MonthTerms terms,
            Map<StatementPeriod, LateContext> late, Function<Cell, Optional<Asset>> assets) {
        Long included = terms.includedTransactions();
        BigDecimal overagePrice = Money.exact(terms.overagePriceUsd());

        List<Cell> current = cells.stream().filter(c -> c.latePeriod() == null).toList();
        List<StatementLine> lines = new ArrayList<>();

        // volume per asset
        BigDecimal volumeUsd = Money.ZERO;
        for (Group g : group(current, c -> new Key(null, c.network(), c.asset()))) {
            Optional<Asset> asset = assets.apply(g.first);
            BigDecimal usd = asset.filter(Asset::usdStable)
                    .map(a -> Money.exact(new BigDecimal(g.volume).movePointLeft(a.decimals()))).orElse(null);
            if (usd != null) {
                volumeUsd = volumeUsd.add(usd);
            }
            lines.add(new StatementLine(StatementLine.VOLUME, StatementLine.VOLUME,
                    usd == null ? "Volume in " + g.key.asset + " on " + g.key.network + " (no USD value)"
                            : "Volume in " + g.key.asset + " on " + g.key.network,
                    null, null, g.key.network, g.key.asset, asset.map(Asset::decimals).orElse(null), g.transactions,
                    g.volume, null, null, null, usd));
        }

        // fees by band (per asset inside a band) and by network
        List<Group> byBand = group(current, c -> new Key(c.band(), c.network(), c.asset()));
        byBand.sort(Comparator.comparing((Group g) -> bandRank(g.key.band)).thenComparing(g -> g.key.band)
                .thenComparing(g -> g.key.network).thenComparing(g -> g.key.asset));
        for (Group g : byBand) {
            lines.add(new StatementLine(StatementLine.FEES_BY_BAND, StatementLine.FEES_BY_BAND,
                    "Fees, " + g.key.band + " payments in " + g.key.asset + " on " + g.key.network, null, g.key.band,
                    g.key.network, g.key.asset, null, g.transactions, null, g.fee, null, null, g.feeUsd));
        }
        BigDecimal feesUsd = Money.ZERO;
        long transactions = 0;
        for (Group g : group(current, c -> new Key(null, c.network(), c.asset()))) {
            feesUsd = feesUsd.add(g.feeUsd);
            transactions += g.transactions;
            lines.add(new StatementLine(StatementLine.FEES_BY_NETWORK, StatementLine.FEES_BY_NETWORK,
                    "Fees on " + g.key.network + " in " + g.key.asset, null, null, g.key.network, g.key.asset, null,
                    g.transactions, null, g.fee, null, null, g.feeUsd));
        }

        // charges: what the merchant owes for the month
        lines.add(new StatementLine(StatementLine.CHARGE, StatementLine.Kind.TRANSACTION_FEES,
                "Transaction fees (" + transactions + (transactions == 1 ? " settled payment)" : " settled payments)"), null, null, null, null, null, transactions,
                null, null, BigDecimal.valueOf(transactions), null, feesUsd));
        BigDecimal subscriptionUsd = Money.ZERO;
        BigDecimal discountUsd = Money.ZERO;
        for (MonthTerms.SubscriptionCharge charge : terms.charges()) {
            BigDecimal amount = Money.exact(charge.amountUsd());
            subscriptionUsd = subscriptionUsd.add(amount);
            lines.add(new StatementLine(StatementLine.CHARGE, amount.signum() < 0 ? StatementLine.Kind.SUBSCRIPTION_CREDIT
                    : StatementLine.Kind.SUBSCRIPTION, charge.description(),
                    null, null, null, null, null, null, null, null, charge.quantity(), Money.exact(charge.unitPriceUsd()),
                    amount));
            if (charge.discountRate().signum() > 0 && amount.signum() != 0) {
                // on a credit the discount is negative too: the merchant gets back what it paid
                BigDecimal discount = Money.exact(amount.multiply(charge.discountRate()));
                discountUsd = discountUsd.add(discount);
                lines.add(new StatementLine(StatementLine.CHARGE, StatementLine.Kind.COMMITMENT_DISCOUNT,
                        Money.plain(charge.discountRate().movePointRight(2)) + "% off " + charge.planName() + " for a "
                                + charge.commitmentYears() + "-year commitment" + (amount.signum() < 0 ? " (on the credit)" : ""),
                        null, null, null, null, null, null, null, null, charge.discountRate(), amount,
                        discount.negate()));
            }
        }
        long overageTransactions = overage(transactions, included);
        BigDecimal overageUsd = Money.exact(overagePrice.multiply(BigDecimal.valueOf(overageTransactions)));
        if (overageTransactions > 0) {
            lines.add(new StatementLine(StatementLine.CHARGE, StatementLine.Kind.OVERAGE,
                    overageTransactions + " transactions above the " + included + " included", null, null, null,
                    null, null, overageTransactions, null, null, BigDecimal.valueOf(overageTransactions),
                    overagePrice, overageUsd));
        }

        // adjustments: settlements of closed months recorded after their close
        BigDecimal adjustmentsUsd = Money.ZERO;
        Map<StatementPeriod, List<Cell>> lateByPeriod = new TreeMap<>();
        cells.stream().filter(c -> c.latePeriod() != null)
                .forEach(c -> lateByPeriod.computeIfAbsent(c.latePeriod(), p -> new ArrayList<>()).add(c));
        for (Map.Entry<StatementPeriod, List<Cell>> e : lateByPeriod.entrySet()) {
            StatementPeriod q = e.getKey();
            long lateCount = 0;
            for (Group g : group(e.getValue(), c -> new Key(null, c.network(), c.asset()))) {
                lateCount += g.transactions;
                adjustmentsUsd = adjustmentsUsd.add(g.feeUsd);
                lines.add(new StatementLine(StatementLine.CHARGE, StatementLine.Kind.ADJUSTMENT_FEES,
                        "Fees on " + g.transactions + " settlements of " + q + " recorded after it closed ("
                                + g.key.asset + " on " + g.key.network + ")",
                        q, null, g.key.network, g.key.asset, null, g.transactions, g.volume, g.fee,
                        BigDecimal.valueOf(g.transactions), null, g.feeUsd));
            }
            LateContext ctx = Objects.requireNonNull(late.get(q), () -> "no context for late period " + q);
            long extra = overage(ctx.countedBefore() + lateCount, ctx.includedTransactions())
                    - overage(ctx.countedBefore(), ctx.includedTransactions());
            if (extra > 0) {
                BigDecimal price = Money.exact(ctx.overagePriceUsd());
                BigDecimal amount = Money.exact(price.multiply(BigDecimal.valueOf(extra)));
                adjustmentsUsd = adjustmentsUsd.add(amount);
                lines.add(new StatementLine(StatementLine.CHARGE, StatementLine.Kind.ADJUSTMENT_OVERAGE,
                        "Overage of " + q + " for " + extra + " late transactions above its "
                                + ctx.includedTransactions() + " included",
                        q, null, null, null, null, extra, null, null, BigDecimal.valueOf(extra), price, amount));
            }
        }

        // treasury mode: those fees were kept on chain out of the payments, so they are shown and not due again
        BigDecimal withheldUsd = cells.stream().map(c -> Money.exact(c.withheldUsd()))
                .reduce(Money.ZERO, BigDecimal::add);
        if (withheldUsd.signum() != 0) {
            lines.add(new StatementLine(StatementLine.CHARGE, StatementLine.Kind.FEES_WITHHELD_ON_CHAIN,
                    "Fees of treasury-mode payments, already kept on chain (not due again)", null, null, null, null,
                    null, null, null, null, null, null, withheldUsd.negate()));
        }

        BigDecimal total = feesUsd.add(subscriptionUsd).subtract(discountUsd).add(overageUsd).add(adjustmentsUsd)
                .subtract(withheldUsd);
        return new Statement(merchantId, period, null, null, terms.planId(), terms.planName(), terms.annual(),
                terms.commitmentYears(), included, overagePrice, transactions, overageTransactions, volumeUsd, feesUsd,
                subscriptionUsd, discountUsd, overageUsd, adjustmentsUsd, total, Money.cents(total), lines);
    }

    /** Transactions above the included ones; none for an unlimited plan. */
    static long overage(long transactions, Long included) {
        return included == null ? 0 : Math.max(0, transactions - included);
    }

    private static int bandRank(String band) {
        int i = BAND_ORDER.indexOf(band);
        return i < 0 ? BAND_ORDER.size() : i;
    }

    private record Key(String band, String network, String asset) {
    }

    /** Sums of the cells sharing a key. */
    private static final class Group {
        final Key key;
        final Cell first;
        long transactions;
        BigInteger volume = BigInteger.ZERO;
        BigInteger fee = BigInteger.ZERO;
        BigDecimal feeUsd = Money.ZERO;

        Group(Key key, Cell first) {
            this.key = key;
            this.first = first;
        }
    }

    /** Groups cells by key, sorted by network then asset (then band). */
    private static List<Group> group(List<Cell> cells, Function<Cell, Key> key) {
        Map<Key, Group> groups = new TreeMap<>(Comparator.comparing((Key k) -> k.network)
                .thenComparing(k -> k.asset).thenComparing(k -> k.band == null ? "" : k.band));
        for (Cell c : cells) {
            Group g = groups.computeIfAbsent(key.apply(c), k -> new Group(k, c));
            g.transactions += c.transactions();
            g.volume = g.volume.add(c.volumeAtomic());
            g.fee = g.fee.add(c.feeAtomic());
            g.feeUsd = g.feeUsd.add(Money.exact(c.feeUsd()));
        }
        return new ArrayList<>(groups.values());
    }
}
