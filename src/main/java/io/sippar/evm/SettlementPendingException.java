package io.sippar.evm;

/**
 * A settlement transaction was broadcast but no receipt arrived in time: the payment's outcome is
 * unknown, not failed. The gateway must leave the payment in {@code settling}; the reconciler
 * finishes it from the chain (receipt by {@link #transactionHash()}, EIP-3009 authorizationState).
 */
public class SettlementPendingException extends RuntimeException {

    private final String transactionHash;

    public SettlementPendingException(String transactionHash, String message) {
        super(message);
        this.transactionHash = transactionHash;
    }

    /** The last hash broadcast for the settlement (a replacement, if the first one was re-priced). */
    public String transactionHash() {
        return transactionHash;
    }
}
