package io.sippar.billing;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * What a merchant's plans say about one month, as a statement needs it.
 *
 * @param planId the plan in force at the end of the month ({@code none} when there was none)
 * @param includedTransactions the month's included transactions; null = unlimited
 * @param overagePriceUsd price of each transaction above them (the plan at the end of the month)
 * @param charges the subscription charges falling in the month
 */
public record MonthTerms(String planId, String planName, boolean annual, int commitmentYears,
        Long includedTransactions, BigDecimal overagePriceUsd, List<SubscriptionCharge> charges) {

    /**
     * One subscription charge, or a credit (negative amount and quantity) for prepaid time given back.
     *
     * @param quantity the share of the price charged (days in force / days in the month, or 1)
     * @param discountRate the commitment discount on it (0, 0.15, 0.25); on a credit it reduces the credit
     */
    public record SubscriptionCharge(String planName, String description, BigDecimal quantity, BigDecimal unitPriceUsd,
            BigDecimal amountUsd, BigDecimal discountRate, int commitmentYears) {

        public SubscriptionCharge {
            Objects.requireNonNull(amountUsd, "amountUsd");
            Objects.requireNonNull(discountRate, "discountRate");
            if (discountRate.signum() < 0 || discountRate.compareTo(BigDecimal.ONE) >= 0) {
                throw new IllegalArgumentException("a commitment discount is 0 to below 100%, got " + discountRate);
            }
        }
    }

    public MonthTerms {
        Objects.requireNonNull(planId, "planId");
        Objects.requireNonNull(overagePriceUsd, "overagePriceUsd");
        charges = List.copyOf(charges);
    }

    /** A month without any subscription: no charge, no allowance and so no overage; fees only. */
    static MonthTerms none() {
        return new MonthTerms(StatementCalculator.NO_PLAN, "No plan", false, 1, null, BigDecimal.ZERO, List.of());
    }
}
