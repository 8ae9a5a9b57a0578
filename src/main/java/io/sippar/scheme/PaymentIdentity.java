package io.sippar.scheme;

import java.time.Instant;

/**
 * The on-chain identity of a payment, the key of the replay guard.
 *
 * @param payer the paying address
 * @param chainRef EVM: the EIP-3009 nonce (lowercase 0x hex); Algorand: the payment transaction id
 * @param validBefore when the chain stops accepting the payment by time (EVM: the authorization's
 *        validBefore), null when the scheme cannot tell or bounds validity by height instead; the
 *        reconciler only fails an unused payment once this has passed on chain
 * @param validRounds the heights the chain can execute it in, for chains that bound validity by height
 *        (Algorand: the group's first-valid and last-valid rounds), else null
 */
public record PaymentIdentity(String payer, String chainRef, Instant validBefore, RoundWindow validRounds) {

    /** An identity without a known expiry. */
    public PaymentIdentity(String payer, String chainRef) {
        this(payer, chainRef, null, null);
    }

    /** An identity whose expiry is a time. */
    public PaymentIdentity(String payer, String chainRef, Instant validBefore) {
        this(payer, chainRef, validBefore, null);
    }
}
