package io.sippar.scheme;

import java.time.Instant;

/**
 * The on-chain identity of a payment, the key of the replay guard.
 *
 * @param payer the paying address
 * @param chainRef EVM: the EIP-3009 nonce (lowercase 0x hex); Algorand: the payment transaction id
 * @param validBefore when the chain stops accepting the payment (EVM: the authorization's validBefore;
 *        Algorand: no earlier than the wall-clock time of its lastValid round), null when the scheme
 *        cannot tell; the reconciler only fails an unused payment once this has passed on chain
 */
public record PaymentIdentity(String payer, String chainRef, Instant validBefore) {

    /** An identity without a known expiry. */
    public PaymentIdentity(String payer, String chainRef) {
        this(payer, chainRef, null);
    }
}
