package io.sippar.scheme;

import io.smallrye.mutiny.Uni;

/**
 * Told the transaction id the moment a settlement is broadcast, before its outcome is known, so the
 * payment row names its transaction even if the process dies while waiting for the receipt.
 */
@FunctionalInterface
public interface BroadcastListener {

    /** A listener that records nothing (the facilitator API's stateless settle). */
    BroadcastListener NONE = txId -> Uni.createFrom().voidItem();

    /** Completes once the transaction id is durably recorded; settlement waits for it. */
    Uni<Void> broadcast(String transactionId);
}
