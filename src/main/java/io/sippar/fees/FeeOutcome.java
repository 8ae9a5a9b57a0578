package io.sippar.fees;

import java.util.Objects;

/** The result of charging a payment: a {@link Fee}, or a refusal with a machine-readable reason. */
public sealed interface FeeOutcome permits Fee, FeeOutcome.Refused {

    /** Why no fee could be computed. */
    enum Reason {
        /** The payment settled before the first schedule version took effect. */
        NO_SCHEDULE_IN_FORCE,
        /** A non-stable asset without a USD rate: guessing would misprice the fee. */
        MISSING_USD_RATE,
        /** A USD rate of zero or less. */
        INVALID_USD_RATE,
        /** A stablecoin given a rate other than 1: the caller is confused about the asset. */
        INCONSISTENT_USD_RATE,
        /** A cross-chain tier the schedule in force does not define. */
        UNKNOWN_CROSS_CHAIN_TIER
    }

    /** No fee: {@code detail} is for logs and operators. */
    record Refused(Reason reason, String detail) implements FeeOutcome {
        public Refused {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
