package io.sippar.fees;

import java.math.BigDecimal;
import java.util.Objects;

/** How a band prices a payment: a flat USD amount or a percentage of the payment's USD value. */
public sealed interface FeeRule permits FeeRule.Flat, FeeRule.Percent {

    /** A fixed fee in USD, whatever the payment's value (capped by the schedule's cap rule). */
    record Flat(BigDecimal usd) implements FeeRule {
        public Flat {
            Objects.requireNonNull(usd, "usd");
            if (usd.signum() < 0) {
                throw new IllegalArgumentException("flat fee must not be negative, got " + usd.toPlainString());
            }
        }

        @Override
        public String describe() {
            return "flat " + usd.toPlainString() + " USD";
        }
    }

    /** A fee of {@code percent} percent of the payment's USD value ("0.1" means 0.1%). */
    record Percent(BigDecimal percent) implements FeeRule {
        public Percent {
            FeeSchedule.checkPercent(percent, "percent");
        }

        /** The rate as a fraction (0.1% gives 0.001); exact, since it only moves the decimal point. */
        public BigDecimal fraction() {
            return percent.movePointLeft(2);
        }

        @Override
        public String describe() {
            return percent.toPlainString() + "%";
        }
    }

    /** A short human-readable form used in {@link Fee#rule()}. */
    String describe();
}
