package io.sippar.fees;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Computes the fee of a settled payment from the schedule version in force when it settled.
 *
 * <p>The rules, in order (see {@code fees/FEES.md} for the reasoning):
 * <ol>
 * <li>USD value = amount x rate / 10^decimals, exact. Stablecoins are 1:1; any other asset needs a
 *     rate or the payment is refused.</li>
 * <li>Band by that exact value; an edge belongs to the band whose {@code upToInclusive} says so
 *     (default: $1 is small, $100 small, $10,000 medium).</li>
 * <li>Base part: the AI-agent volume-tier rate for agent transactions, otherwise the band's fee
 *     (plan override first).</li>
 * <li>Plus the cross-chain percentage when the payment settled cross-chain.</li>
 * <li>The sum is rounded once, half-up, to the asset's smallest unit.</li>
 * <li>Then capped at floor(cap% x amount): the cap is a hard ceiling, so it is truncated, never rounded up.</li>
 * </ol>
 * Stateless and thread-safe.
 */
public final class FeeCalculator {

    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    private final FeeSchedules schedules;

    public FeeCalculator(FeeSchedules schedules) {
        this.schedules = Objects.requireNonNull(schedules, "schedules");
    }

    /** Charges {@code request}, or says why it cannot. */
    public FeeOutcome calculate(FeeRequest request) {
        var schedule = schedules.inForceAt(request.settledAt());
        if (schedule.isEmpty()) {
            return new FeeOutcome.Refused(FeeOutcome.Reason.NO_SCHEDULE_IN_FORCE,
                    "no fee schedule in force at " + request.settledAt());
        }
        FeeSchedule s = schedule.get();

        BigDecimal rate;
        if (request.stablecoin()) {
            if (request.usdRate() != null && request.usdRate().compareTo(BigDecimal.ONE) != 0) {
                return new FeeOutcome.Refused(FeeOutcome.Reason.INCONSISTENT_USD_RATE,
                        "stablecoin given USD rate " + request.usdRate().toPlainString() + "; stablecoins are 1:1");
            }
            rate = BigDecimal.ONE;
        } else if (request.usdRate() == null) {
            return new FeeOutcome.Refused(FeeOutcome.Reason.MISSING_USD_RATE,
                    "non-stable asset without a USD rate");
        } else if (request.usdRate().signum() <= 0) {
            return new FeeOutcome.Refused(FeeOutcome.Reason.INVALID_USD_RATE,
                    "USD rate must be positive, got " + request.usdRate().toPlainString());
        } else {
            // A negative scale (1E+3) would give the USD figure a negative scale; normalise so the
            // recorded usd always has scale decimals + rate scale >= decimals.
            rate = request.usdRate().scale() < 0 ? request.usdRate().setScale(0) : request.usdRate();
        }

        PlanOverride override = s.overrideFor(request.plan());
        BigDecimal amount = new BigDecimal(request.amountAtomic());
        int decimals = request.decimals();
        BigDecimal valueUsd = amount.multiply(rate).movePointLeft(decimals);
        Band band = s.bandFor(valueUsd);

        // The fee in atomic units is (percentages x amount) + (flat USD x 10^decimals / rate).
        // Both terms are put over the common denominator `rate` so the single division below is
        // exactly rounded half-up: no intermediate rounding, even for rates like 3000.17.
        BigDecimal fraction = BigDecimal.ZERO;
        BigDecimal flatUsd = BigDecimal.ZERO;
        List<String> parts = new ArrayList<>();

        if (request.agentMonthlyTransactions().isPresent()) {
            long volume = request.agentMonthlyTransactions().getAsLong();
            List<AgentTier> tiers = override.agentTiers().isEmpty() ? s.aiAgent().tiers() : override.agentTiers();
            AgentTier tier = AgentPricing.tierFor(tiers, volume);
            fraction = fraction.add(tier.fraction());
            parts.add("ai-agent " + tier.percent().toPlainString() + "% (from " + tier.fromMonthlyTransactions()
                    + " tx/month)" + planSuffix(request, !override.agentTiers().isEmpty()));
        } else {
            FeeRule rule = override.bandFees().getOrDefault(band.name(), band.fee());
            switch (rule) {
                case FeeRule.Flat f -> flatUsd = flatUsd.add(f.usd());
                case FeeRule.Percent p -> fraction = fraction.add(p.fraction());
            }
            parts.add(band.name() + ": " + rule.describe()
                    + planSuffix(request, override.bandFees().containsKey(band.name())));
        }

        if (request.crossChainTier().isPresent()) {
            String tier = request.crossChainTier().get();
            BigDecimal percent = override.crossChainPercent().get(tier);
            boolean overridden = percent != null;
            if (percent == null) {
                percent = s.crossChainPercent().get(tier);
            }
            if (percent == null) {
                return new FeeOutcome.Refused(FeeOutcome.Reason.UNKNOWN_CROSS_CHAIN_TIER,
                        "cross-chain tier '" + tier + "' is not in schedule " + s.version()
                                + "; known: " + s.crossChainPercent().keySet().stream().sorted().toList());
            }
            fraction = fraction.add(percent.movePointLeft(2));
            parts.add("cross-chain " + tier + " " + percent.toPlainString() + "%" + planSuffix(request, overridden));
        }

        BigDecimal numerator = amount.multiply(fraction).multiply(rate).add(flatUsd.movePointRight(decimals));
        BigInteger fee = numerator.divide(rate, 0, RoundingMode.HALF_UP).toBigIntegerExact();

        BigInteger cap = amount.multiply(s.capPercentOfPayment()).divide(HUNDRED)
                .setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
        if (fee.compareTo(cap) > 0) {
            fee = cap;
            parts.add("capped at " + s.capPercentOfPayment().toPlainString() + "% of payment");
        }

        BigDecimal feeUsd = new BigDecimal(fee).multiply(rate).movePointLeft(decimals)
                .setScale(decimals + rate.scale(), RoundingMode.UNNECESSARY);
        return new Fee(fee, feeUsd, band.name(), s.version(), String.join("; ", parts));
    }

    private static String planSuffix(FeeRequest request, boolean overridden) {
        return overridden ? " (plan " + request.plan().orElseThrow() + ")" : "";
    }
}
