package io.sippar.algorand;

/**
 * A payment group was handed to algod but its payment transaction was not confirmed within the
 * configured rounds (or the submit's outcome is unknown because every node failed mid-call): the
 * payment's outcome is unknown, not failed. The gateway leaves the payment in {@code settling} with
 * this transaction id; the group can only ever be committed up to its last valid round, so the
 * reconciler decides it from {@code /v2/transactions/pending/{txid}} or once that round has passed.
 */
public class ConfirmationPendingException extends RuntimeException {

    private final String transactionId;

    public ConfirmationPendingException(String transactionId, String message, Throwable cause) {
        super(message, cause);
        this.transactionId = transactionId;
    }

    /** The payment transaction's id (the payment row's chain reference and transaction). */
    public String transactionId() {
        return transactionId;
    }
}
