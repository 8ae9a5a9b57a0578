package io.sippar.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A subscription plan of the catalog (see {@code billing/PLANS.md}).
 *
 * @param id stable identifier stored on subscriptions (e.g. {@code professional})
 * @param name display name
 * @param priceUsd list price per billing cycle, in US dollars with at most two decimals
 * @param cycle whether {@code priceUsd} is per month or per contract year
 * @param includedPerMonth transactions included per calendar month; null means unlimited
 * @param overageUsd price of each settled transaction above the included ones; null when the plan has
 *     none (a hard-stop plan, or an unlimited one)
 * @param hardStop whether paid requests are refused once the month's included transactions are used
 * @param commitmentYears the contract lengths an annual plan can be signed for (empty for monthly plans)
 * @param offered whether new subscriptions may choose it (retired plans stay for existing subscribers)
 */
public record Plan(String id, String name, BigDecimal priceUsd, BillingCycle cycle, Long includedPerMonth,
        BigDecimal overageUsd, boolean hardStop, List<Integer> commitmentYears, boolean offered) {

    /** What a plan id looks like (also what merchant.plan accepts). */
    public static final Pattern ID = Pattern.compile("^[a-z0-9][a-z0-9-]{0,39}$");

    /** Scale of monthly-equivalent prices (annual price / 12). */
    public static final int MONTHLY_EQUIVALENT_SCALE = 6;

    /**
     * Upgrade order: more included transactions first (unlimited above any number), then the higher
     * monthly-equivalent price. Commitment length is compared by {@link PlanChangeRule}.
     */
    public static final Comparator<Plan> RANK = Comparator
            .comparingLong((Plan p) -> p.unlimited() ? Long.MAX_VALUE : p.includedPerMonth())
            .thenComparing(Plan::monthlyEquivalentUsd);

    public Plan {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(priceUsd, "priceUsd");
        Objects.requireNonNull(cycle, "cycle");
        commitmentYears = List.copyOf(commitmentYears);
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("plan id '" + id + "' must match " + ID.pattern());
        }
        if (name.isBlank() || name.length() > 100) {
            throw new IllegalArgumentException("name must be 1 to 100 characters");
        }
        if (priceUsd.signum() < 0 || priceUsd.stripTrailingZeros().scale() > 2) {
            throw new IllegalArgumentException("priceUsd must be a non-negative amount in whole cents, got " + priceUsd);
        }
        if (includedPerMonth != null && includedPerMonth < 1) {
            throw new IllegalArgumentException("includedTransactionsPerMonth must be at least 1 or \"unlimited\"");
        }
        if (overageUsd != null && (overageUsd.signum() < 0 || overageUsd.stripTrailingZeros().scale() > 6)) {
            throw new IllegalArgumentException("overageUsdPerTransaction must be non-negative with at most 6 decimals, got "
                    + overageUsd);
        }
        if (includedPerMonth == null && (hardStop || overageUsd != null)) {
            throw new IllegalArgumentException("an unlimited plan has neither a hard stop nor an overage price");
        }
        if (hardStop && overageUsd != null) {
            throw new IllegalArgumentException("a hard-stop plan never bills overage: remove overageUsdPerTransaction");
        }
        if (includedPerMonth != null && !hardStop && overageUsd == null) {
            throw new IllegalArgumentException("a limited plan without a hard stop needs overageUsdPerTransaction");
        }
        if (cycle == BillingCycle.MONTH && !commitmentYears.isEmpty()) {
            throw new IllegalArgumentException("commitmentYears applies to annual plans only");
        }
        if (cycle == BillingCycle.YEAR && commitmentYears.isEmpty()) {
            throw new IllegalArgumentException("an annual plan needs commitmentYears (e.g. [1, 3, 5])");
        }
        priceUsd = priceUsd.setScale(2, RoundingMode.UNNECESSARY);
        overageUsd = overageUsd == null ? null : overageUsd.setScale(6, RoundingMode.UNNECESSARY);
    }

    /** Whether every transaction is included. */
    public boolean unlimited() {
        return includedPerMonth == null;
    }

    /** Included transactions per month; empty when unlimited. */
    public OptionalLong included() {
        return unlimited() ? OptionalLong.empty() : OptionalLong.of(includedPerMonth);
    }

    /** The overage price per transaction, when the plan bills overage. */
    public Optional<BigDecimal> overage() {
        return Optional.ofNullable(overageUsd);
    }

    /** Whether the plan is an annual contract (and takes commitment terms). */
    public boolean annual() {
        return cycle == BillingCycle.YEAR;
    }

    /** The list price per month: the price of a monthly plan, an annual price / 12 (scale 6, half-up). */
    public BigDecimal monthlyEquivalentUsd() {
        return annual() ? priceUsd.divide(BigDecimal.valueOf(12), MONTHLY_EQUIVALENT_SCALE, RoundingMode.HALF_UP)
                : priceUsd.setScale(MONTHLY_EQUIVALENT_SCALE, RoundingMode.UNNECESSARY);
    }
}
