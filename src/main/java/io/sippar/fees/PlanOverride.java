package io.sippar.fees;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A merchant plan's deviations from the base schedule; anything absent falls back to the base.
 *
 * <p>Band edges cannot be overridden, only band fees: "fees by band" in statements and analytics
 * must mean the same value ranges for every merchant.
 *
 * @param bandFees fee rule by band name
 * @param crossChainPercent cross-chain percent by tier name (only tiers the base schedule defines)
 * @param agentTiers replacement AI-agent tiers, empty for none (checked against the base range)
 */
public record PlanOverride(Map<String, FeeRule> bandFees, Map<String, BigDecimal> crossChainPercent,
        List<AgentTier> agentTiers) {

    public PlanOverride {
        bandFees = Map.copyOf(Objects.requireNonNull(bandFees, "bandFees"));
        crossChainPercent = Map.copyOf(Objects.requireNonNull(crossChainPercent, "crossChainPercent"));
        crossChainPercent.forEach((tier, p) -> FeeSchedule.checkPercent(p, "crossChain." + tier));
        agentTiers = List.copyOf(Objects.requireNonNull(agentTiers, "agentTiers"));
    }

    /** An override that changes nothing. */
    public static PlanOverride none() {
        return new PlanOverride(Map.of(), Map.of(), List.of());
    }
}
