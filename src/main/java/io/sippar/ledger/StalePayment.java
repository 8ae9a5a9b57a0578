package io.sippar.ledger;

import java.math.BigInteger;
import java.time.Instant;
import java.util.UUID;

/**
 * A payment left in {@code reserved}, {@code verified} or {@code settling} past its deadline, claimed
 * by one reconciler for the length of a lease.
 *
 * @param txHash the last transaction recorded for it, or null
 * @param validBefore when the chain stops accepting it, or null when unknown
 * @param validFromRound the first round the chain can execute it in (Algorand), or null
 * @param validUntilRound the last round the chain can execute it in (Algorand), or null
 * @param attempts how many times a reconciler has claimed it, this claim included
 */
public record StalePayment(UUID id, UUID merchantId, PaymentState state, String scheme, String network, String asset,
        String payer, String payTo, BigInteger amount, String chainRef, String txHash, Instant validBefore,
        Long validFromRound, Long validUntilRound, Instant createdAt, Instant stateChangedAt, int attempts) {
}
