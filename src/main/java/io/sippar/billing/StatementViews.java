package io.sippar.billing;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** JSON shapes of the statement endpoints. Money is always a decimal string; atomic amounts are integer strings. */
public final class StatementViews {

    /** How the total is rounded, stated in every statement. */
    static final String ROUNDING = "lines exact (18 decimal places); total due rounded once, half-up, to cents";

    private StatementViews() {
    }

    /** A statement; {@code volumeUsdComplete} is false when an asset without a USD value is left out of {@code volumeUsd}. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record StatementView(UUID merchantId, String period, OffsetDateTime periodStart, OffsetDateTime periodEnd,
            String status, OffsetDateTime closedAt, String closedBy, String currency, PlanView plan,
            long transactions, Long includedTransactions, long overageTransactions, List<VolumeView> volume,
            String volumeUsd, boolean volumeUsdComplete, List<BandView> feesByBand, List<NetworkView> feesByNetwork, List<ChargeView> charges,
            TotalsView totals, String rounding, String payments, String payouts) {

        /** {@code base} is where the statement lives ({@code /merchant/statements} or the admin path). */
        static StatementView of(Statement s, String base) {
            List<VolumeView> volume = new ArrayList<>();
            Map<String, FeeGroup> bands = new LinkedHashMap<>();
            Map<String, FeeGroup> networks = new LinkedHashMap<>();
            List<ChargeView> charges = new ArrayList<>();
            for (StatementLine l : s.lines()) {
                switch (l.section()) {
                    case StatementLine.VOLUME -> volume.add(new VolumeView(l.network(), l.asset(), l.decimals(),
                            l.transactions(), atomic(l.volumeAtomic()), Money.usd(l.amountUsd())));
                    case StatementLine.FEES_BY_BAND -> bands.computeIfAbsent(l.band(), b -> new FeeGroup()).add(l);
                    case StatementLine.FEES_BY_NETWORK -> networks.computeIfAbsent(l.network(), n -> new FeeGroup()).add(l);
                    default -> charges.add(ChargeView.of(l));
                }
            }
            boolean complete = volume.stream().allMatch(v -> v.amountUsd() != null);
            return new StatementView(s.merchantId(), s.period().toString(), s.period().start(), s.period().end(),
                    s.closed() ? "closed" : "open", s.closedAt(), s.closedBy(), "USD",
                    new PlanView(s.planId(), s.planName(), s.annual() ? "year" : "month", s.commitmentYears(),
                            s.includedTransactions(), Money.usd(s.overagePriceUsd())),
                    s.transactions(), s.includedTransactions(), s.overageTransactions(), volume,
                    Money.usd(s.volumeUsd()), complete,
                    bands.entrySet().stream().map(e -> new BandView(e.getKey(), e.getValue().transactions,
                            Money.usd(e.getValue().sum), List.copyOf(e.getValue().byAsset))).toList(),
                    networks.entrySet().stream().map(e -> new NetworkView(e.getKey(), e.getValue().transactions,
                            Money.usd(e.getValue().sum), List.copyOf(e.getValue().byAsset))).toList(),
                    charges,
                    new TotalsView(Money.usd(s.feesUsd()), Money.usd(s.subscriptionUsd()), Money.usd(s.discountUsd()),
                            Money.usd(s.overageUsd()), Money.usd(s.adjustmentsUsd()), Money.usd(s.totalExactUsd()),
                            s.totalDueUsd().setScale(2).toPlainString()),
                    ROUNDING, base + "/" + s.period() + "/lines",
                    base.endsWith("/statements")
                            ? base.substring(0, base.length() - "statements".length()) + "payouts?period=" + s.period()
                            : null);
        }
    }

    /** The plan the month was billed on (the one in force at its end). */
    public record PlanView(String id, String name, String billing, int commitmentYears, Long includedTransactions,
            String overagePriceUsd) {
    }

    /** Settled volume in one asset. */
    public record VolumeView(String network, String asset, Integer decimals, long transactions, String amountAtomic,
            String amountUsd) {
    }

    /** Fees in one asset (within a band or a network). */
    public record AssetFeeView(String network, String asset, long transactions, String feeAtomic, String feeUsd) {
    }

    /** Fees of one band, per asset, with the band's USD subtotal. */
    public record BandView(String band, long transactions, String feesUsd, List<AssetFeeView> byAsset) {
    }

    /** Fees on one network, per asset, with the network's USD subtotal. */
    public record NetworkView(String network, long transactions, String feesUsd, List<AssetFeeView> byAsset) {
    }

    /** Sums fee lines sharing a band or a network. */
    private static final class FeeGroup {
        long transactions;
        BigDecimal sum = Money.ZERO;
        final List<AssetFeeView> byAsset = new ArrayList<>();

        FeeGroup add(StatementLine l) {
            transactions += l.transactions();
            sum = sum.add(l.amountUsd());
            byAsset.add(new AssetFeeView(l.network(), l.asset(), l.transactions(), atomic(l.feeAtomic()),
                    Money.usd(l.amountUsd())));
            return this;
        }
    }

    /** One line of what the merchant owes. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ChargeView(String kind, String description, String period, String network, String asset,
            Long transactions, String volumeAtomic, String feeAtomic, String quantity, String unitPriceUsd,
            String amountUsd) {
        static ChargeView of(StatementLine l) {
            return new ChargeView(l.kind(), l.description(), l.period() == null ? null : l.period().toString(),
                    l.network(), l.asset(), l.transactions(), atomic(l.volumeAtomic()), atomic(l.feeAtomic()),
                    Money.plain(l.quantity()), Money.usd(l.unitPriceUsd()), Money.usd(l.amountUsd()));
        }
    }

    /** The statement's totals: the exact sum of the charges and the amount due in cents. */
    public record TotalsView(String feesUsd, String subscriptionUsd, String commitmentDiscountUsd, String overageUsd,
            String adjustmentsUsd, String totalExactUsd, String totalDueUsd) {
    }

    /** A month in the statement list. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ListedView(String period, String status, OffsetDateTime closedAt, Long transactions,
            String totalDueUsd, String href) {
        static ListedView of(Statements.Listed l, String base) {
            return new ListedView(l.period().toString(), l.closed() ? "closed" : "open", l.closedAt(),
                    l.transactions(), l.totalDueUsd() == null ? null : l.totalDueUsd().setScale(2).toPlainString(),
                    base + "/" + l.period());
        }
    }

    /** One payment charged on a statement. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record PaymentView(UUID paymentId, OffsetDateTime settledAt, String settledPeriod, boolean late,
            String network, String asset, String payer, String amountAtomic, String feeAtomic, String feeUsd,
            String feeBand, String feeRule, String feeScheduleVersion, String txHash, Long journalEntryId) {
        static PaymentView of(StatementRepository.PaymentLine p, StatementPeriod statement) {
            return new PaymentView(p.paymentId(), p.settledAt(), p.settledPeriod().toString(),
                    !p.settledPeriod().equals(statement), p.network(), p.asset(), p.payer(), atomic(p.amountAtomic()),
                    atomic(p.feeAtomic()), Money.usd(p.feeUsd()), p.feeBand(), p.feeRule(), p.feeScheduleVersion(),
                    p.txHash(), p.journalEntryId());
        }
    }

    /** A page of payments; {@code nextCursor} is null on the last page. */
    public record PaymentPage(String period, List<PaymentView> payments, String nextCursor) {
    }

    /** The result of closing one merchant's month. */
    public record ClosedView(boolean closedNow, StatementView statement) {
    }

    /** The result of closing a month for every merchant. */
    public record ClosedAllView(String period, int closedNow) {
    }

    static String atomic(BigInteger v) {
        return v == null ? null : v.toString();
    }
}
