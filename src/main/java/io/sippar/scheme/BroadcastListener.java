package io.sippar.scheme;

import io.smallrye.mutiny.Uni;

/**
 * Told the transaction id the moment a settlement is broadcast, before its outcome is known, so the
 * payment row names its transaction even if the process dies while waiting for the receipt. Schemes
 * whose {@link PaymentScheme#announcesFees()} is true also ask it before spending network fees.
 */
@FunctionalInterface
public interface BroadcastListener {

    /** A listener that records nothing (the facilitator API's stateless settle). */
    BroadcastListener NONE = txId -> Uni.createFrom().voidItem();

    /** Completes once the transaction id is durably recorded; settlement waits for it. */
    Uni<Void> broadcast(String transactionId);

    /**
     * As {@link #broadcast(String)}, for a transaction that settles several payments: this one is call
     * {@code batchIndex} (from 0) of it. Listeners that keep no position may ignore the index.
     */
    default Uni<Void> broadcast(String transactionId, int batchIndex) {
        return broadcast(transactionId);
    }

    /**
     * Called once, right before the first broadcast, with the most this settlement can cost the
     * gateway in network fees. A failure means: do not broadcast; the scheme passes it on unchanged.
     */
    default Uni<Void> beforeBroadcast(NetworkFee maxFee) {
        return Uni.createFrom().voidItem();
    }

    /** Before replacing a stuck transaction at a higher fee bound; false = keep the current transaction. */
    default Uni<Boolean> beforeFeeIncrease(NetworkFee newMaxFee) {
        return Uni.createFrom().item(true);
    }

    /** Once the chain has decided (mined, successfully or not): the fee actually paid. */
    default Uni<Void> feePaid(NetworkFee fee) {
        return Uni.createFrom().voidItem();
    }
}
