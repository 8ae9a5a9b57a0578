package io.sippar.fees;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * AI-agent pricing: the allowed rate range and the volume-discount tiers inside it.
 *
 * <p>The range is part of the data so that every tier, including a plan's override, is checked
 * against it when the schedule is loaded rather than trusted.
 */
public record AgentPricing(BigDecimal minPercent, BigDecimal maxPercent, List<AgentTier> tiers) {

    public AgentPricing {
        FeeSchedule.checkPercent(minPercent, "aiAgent.minPercent");
        FeeSchedule.checkPercent(maxPercent, "aiAgent.maxPercent");
        if (minPercent.compareTo(maxPercent) > 0) {
            throw new IllegalArgumentException("aiAgent.minPercent " + minPercent.toPlainString()
                    + " is above aiAgent.maxPercent " + maxPercent.toPlainString());
        }
        tiers = List.copyOf(Objects.requireNonNull(tiers, "tiers"));
        checkTiers(tiers, minPercent, maxPercent, "aiAgent.tiers");
    }

    /**
     * Tiers must start at 0 transactions (every volume is priced), have strictly increasing
     * thresholds, stay in the range, and never raise the rate with volume (they are discounts).
     */
    static void checkTiers(List<AgentTier> tiers, BigDecimal min, BigDecimal max, String where) {
        if (tiers.isEmpty()) {
            throw new IllegalArgumentException(where + " must not be empty");
        }
        if (tiers.get(0).fromMonthlyTransactions() != 0) {
            throw new IllegalArgumentException(where + "[0].fromMonthlyTransactions must be 0, got "
                    + tiers.get(0).fromMonthlyTransactions());
        }
        for (int i = 0; i < tiers.size(); i++) {
            AgentTier t = tiers.get(i);
            if (t.percent().compareTo(min) < 0 || t.percent().compareTo(max) > 0) {
                throw new IllegalArgumentException(where + "[" + i + "].percent " + t.percent().toPlainString()
                        + " is outside the AI-agent range " + min.toPlainString() + "%.." + max.toPlainString() + "%");
            }
            if (i > 0) {
                AgentTier prev = tiers.get(i - 1);
                if (t.fromMonthlyTransactions() <= prev.fromMonthlyTransactions()) {
                    throw new IllegalArgumentException(where + "[" + i + "].fromMonthlyTransactions "
                            + t.fromMonthlyTransactions() + " must be above the previous tier's "
                            + prev.fromMonthlyTransactions());
                }
                if (t.percent().compareTo(prev.percent()) > 0) {
                    throw new IllegalArgumentException(where + "[" + i + "].percent " + t.percent().toPlainString()
                            + " is above the previous tier's " + prev.percent().toPlainString()
                            + "; volume tiers are discounts");
                }
            }
        }
    }

    /** The tier with the greatest threshold not above {@code monthlyTransactions}. */
    static AgentTier tierFor(List<AgentTier> tiers, long monthlyTransactions) {
        AgentTier found = tiers.get(0);
        for (AgentTier t : tiers) {
            if (t.fromMonthlyTransactions() <= monthlyTransactions) {
                found = t;
            }
        }
        return found;
    }
}
