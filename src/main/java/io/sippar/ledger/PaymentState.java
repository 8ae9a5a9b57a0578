package io.sippar.ledger;

import java.util.Locale;

/** The lifecycle of a payment row (ARCHITECTURE.md); the database refuses any other transition. */
public enum PaymentState {
    RESERVED, VERIFIED, SETTLING, SETTLED, FAILED, RELEASED;

    /** The value stored in payment.state. */
    public String db() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses payment.state. */
    public static PaymentState fromDb(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
