package io.sippar.billing;

import java.util.Arrays;
import java.util.Optional;

/** How often a plan's price is charged: every calendar month, or every contract year. */
public enum BillingCycle {
    /** Charged per calendar month (UTC). */
    MONTH("month"),
    /** Charged per contract year, counted from the contract's start. */
    YEAR("year");

    private final String wire;

    BillingCycle(String wire) {
        this.wire = wire;
    }

    /** The name used in the plan file and the API. */
    public String wire() {
        return wire;
    }

    /** The cycle named {@code wire} in the plan file or API. */
    public static Optional<BillingCycle> fromWire(String wire) {
        return Arrays.stream(values()).filter(c -> c.wire.equals(wire)).findFirst();
    }
}
