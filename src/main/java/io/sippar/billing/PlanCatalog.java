package io.sippar.billing;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The plans merchants can be on, the plan new merchants get, and the discounts for multi-year
 * commitments on annual contracts. Loaded from {@code billing/plans.json} or an operator's file.
 *
 * @param plans every plan, in the file's order (offered and retired)
 * @param defaultPlanId the plan a merchant gets when none is named
 * @param commitmentDiscounts contract length in years to the fraction taken off the annual price
 *     ({@code 3 -> 0.15} is 15% off)
 * @param source where the catalog was read from, for messages
 */
public record PlanCatalog(List<Plan> plans, String defaultPlanId, SortedMap<Integer, BigDecimal> commitmentDiscounts,
        String source) {

    public PlanCatalog {
        plans = List.copyOf(plans);
        commitmentDiscounts = Collections.unmodifiableSortedMap(new TreeMap<>(commitmentDiscounts));
        Map<String, Plan> byId = new LinkedHashMap<>();
        for (Plan p : plans) {
            if (byId.put(p.id(), p) != null) {
                throw new IllegalArgumentException("plan id " + p.id() + " appears twice");
            }
        }
        if (plans.isEmpty()) {
            throw new IllegalArgumentException("the catalog has no plans");
        }
        Plan fallback = byId.get(defaultPlanId);
        if (fallback == null) {
            throw new IllegalArgumentException("defaultPlan " + defaultPlanId + " is not one of the plans " + byId.keySet());
        }
        if (!fallback.offered()) {
            throw new IllegalArgumentException("defaultPlan " + defaultPlanId + " is not offered");
        }
        if (!BigDecimal.ZERO.equals(Optional.ofNullable(commitmentDiscounts.get(1)).map(BigDecimal::stripTrailingZeros)
                .orElse(null))) {
            throw new IllegalArgumentException("commitmentDiscounts must give 1 year a discount of 0");
        }
        commitmentDiscounts.forEach((years, discount) -> {
            if (years < 1 || years > 10) {
                throw new IllegalArgumentException("commitment of " + years + " years: must be 1 to 10 years");
            }
            if (discount.signum() < 0 || discount.compareTo(BigDecimal.ONE) >= 0) {
                throw new IllegalArgumentException("discount for " + years + " years must be at least 0 and below 1");
            }
        });
        for (Plan p : plans) {
            for (int years : p.commitmentYears()) {
                if (!commitmentDiscounts.containsKey(years)) {
                    throw new IllegalArgumentException("plan " + p.id() + " offers a " + years
                            + "-year commitment that commitmentDiscounts does not price");
                }
            }
        }
    }

    /** The plan with this id, offered or retired. */
    public Optional<Plan> find(String id) {
        return plans.stream().filter(p -> p.id().equals(id)).findFirst();
    }

    /** The plan with this id; {@link NoSuchElementException} naming the known ids otherwise. */
    public Plan require(String id) {
        return find(id).orElseThrow(() -> new NoSuchElementException("unknown plan " + id + "; the catalog has "
                + plans.stream().map(Plan::id).toList()));
    }

    /** The plan new merchants get. */
    public Plan defaultPlan() {
        return require(defaultPlanId);
    }

    /** Fraction off the annual price for a contract of {@code years}; 0 for monthly plans (null years). */
    public BigDecimal commitmentDiscount(Integer years) {
        if (years == null) {
            return BigDecimal.ZERO;
        }
        BigDecimal d = commitmentDiscounts.get(years);
        if (d == null) {
            throw new NoSuchElementException("no commitment term of " + years + " years; terms are "
                    + commitmentDiscounts.keySet());
        }
        return d;
    }
}
