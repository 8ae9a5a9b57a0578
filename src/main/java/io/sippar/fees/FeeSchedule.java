package io.sippar.fees;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One version of the fee schedule, in force from {@code effectiveFrom} until the next version.
 *
 * <p>All rates are stored as percentages exactly as written in the schedule file ("0.1" means
 * 0.1%), so that a load/write round trip is lossless and the file reads like the business
 * documents.
 *
 * @param version identifier recorded with every fee charged under this schedule
 * @param effectiveFrom first instant (inclusive) at which a settled payment is charged by this version
 * @param capPercentOfPayment hard ceiling on any fee as a percentage of the payment (0 < cap <= 100)
 * @param bands x402 payment bands by USD value, in ascending order, the last one open-ended
 * @param crossChainPercent cross-chain surcharge percent by tier name
 * @param aiAgent AI-agent rate range and volume-discount tiers
 * @param planOverrides per-plan deviations by plan id
 */
public record FeeSchedule(String version, Instant effectiveFrom, BigDecimal capPercentOfPayment, List<Band> bands,
        Map<String, BigDecimal> crossChainPercent, AgentPricing aiAgent, Map<String, PlanOverride> planOverrides) {

    public FeeSchedule {
        if (version == null || version.isBlank()) {
            throw new IllegalArgumentException("version must not be blank");
        }
        Objects.requireNonNull(effectiveFrom, "effectiveFrom");
        Objects.requireNonNull(capPercentOfPayment, "capPercentOfPayment");
        // A cap of 0 would make every fee 0 and above 100 would allow charging more than the payment.
        if (capPercentOfPayment.signum() <= 0 || capPercentOfPayment.compareTo(BigDecimal.valueOf(100)) > 0) {
            throw new IllegalArgumentException("capPercentOfPayment must be above 0 and at most 100, got "
                    + capPercentOfPayment.toPlainString());
        }
        bands = List.copyOf(Objects.requireNonNull(bands, "bands"));
        checkBands(bands);
        crossChainPercent = Map.copyOf(Objects.requireNonNull(crossChainPercent, "crossChainPercent"));
        crossChainPercent.forEach((tier, p) -> {
            if (tier.isBlank()) {
                throw new IllegalArgumentException("crossChain tier name must not be blank");
            }
            checkPercent(p, "crossChain." + tier);
        });
        Objects.requireNonNull(aiAgent, "aiAgent");
        planOverrides = Map.copyOf(Objects.requireNonNull(planOverrides, "planOverrides"));
        for (var e : planOverrides.entrySet()) {
            checkOverride(e.getKey(), e.getValue(), bands, crossChainPercent, aiAgent);
        }
    }

    private static void checkBands(List<Band> bands) {
        if (bands.isEmpty()) {
            throw new IllegalArgumentException("bands must not be empty");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < bands.size(); i++) {
            Band b = bands.get(i);
            if (!names.add(b.name())) {
                throw new IllegalArgumentException("band name '" + b.name() + "' appears twice");
            }
            boolean last = i == bands.size() - 1;
            // Every USD value must land in exactly one band: only the last may be open-ended, and it must be.
            if (last && b.upToUsd() != null) {
                throw new IllegalArgumentException("the last band '" + b.name()
                        + "' must be open-ended (no upToUsd) so that every value has a band");
            }
            if (!last && b.upToUsd() == null) {
                throw new IllegalArgumentException("band '" + b.name() + "' has no upToUsd but is not the last band");
            }
            if (i > 0 && !last && b.upToUsd().compareTo(bands.get(i - 1).upToUsd()) <= 0) {
                throw new IllegalArgumentException("band '" + b.name() + "': upToUsd " + b.upToUsd().toPlainString()
                        + " must be above the previous band's " + bands.get(i - 1).upToUsd().toPlainString());
            }
        }
    }

    private static void checkOverride(String plan, PlanOverride o, List<Band> bands,
            Map<String, BigDecimal> crossChain, AgentPricing agent) {
        if (plan.isBlank()) {
            throw new IllegalArgumentException("plan override id must not be blank");
        }
        // Overrides may only refine what exists: an unknown name is almost certainly a typo that
        // would otherwise silently charge the base price.
        for (String band : o.bandFees().keySet()) {
            if (bands.stream().noneMatch(b -> b.name().equals(band))) {
                throw new IllegalArgumentException("plan '" + plan + "' overrides unknown band '" + band + "'");
            }
        }
        for (String tier : o.crossChainPercent().keySet()) {
            if (!crossChain.containsKey(tier)) {
                throw new IllegalArgumentException("plan '" + plan + "' overrides unknown cross-chain tier '" + tier + "'");
            }
        }
        if (!o.agentTiers().isEmpty()) {
            AgentPricing.checkTiers(o.agentTiers(), agent.minPercent(), agent.maxPercent(),
                    "planOverrides." + plan + ".aiAgentTiers");
        }
    }

    static void checkPercent(BigDecimal percent, String what) {
        Objects.requireNonNull(percent, what);
        if (percent.signum() < 0 || percent.compareTo(BigDecimal.valueOf(100)) > 0) {
            throw new IllegalArgumentException(what + " must be between 0 and 100, got " + percent.toPlainString());
        }
    }

    /** The band a payment of {@code usd} falls in; every non-negative value has exactly one. */
    public Band bandFor(BigDecimal usd) {
        for (Band b : bands) {
            if (b.admits(usd)) {
                return b;
            }
        }
        throw new IllegalStateException("unreachable: the last band is open-ended");
    }

    /** The override for {@code plan}, or an empty one. */
    PlanOverride overrideFor(Optional<String> plan) {
        return plan.map(planOverrides::get).orElseGet(PlanOverride::none);
    }
}
