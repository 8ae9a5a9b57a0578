package io.sippar.ledger;

import java.util.UUID;

/** The answer of the replay guard. */
public sealed interface Reservation {

    /** This request now owns the payment; no other request or pod can use it until it is released. */
    record Reserved(UUID paymentId, int attempt) implements Reservation {
    }

    /** The payment is already known: in flight elsewhere, settled, or failed. */
    record Taken(UUID paymentId, PaymentState state, String txHash) implements Reservation {
    }
}
