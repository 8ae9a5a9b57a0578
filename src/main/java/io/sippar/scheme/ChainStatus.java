package io.sippar.scheme;

import java.util.Objects;

/**
 * What the chain says about an {@link UnfinishedPayment}. Every answer carries its evidence (what
 * was read from the chain), which the reconciler logs and stores with its decision.
 */
public sealed interface ChainStatus {

    /** The chain reads this answer was drawn from, for logs and the payment's reconcile note. */
    String evidence();

    /**
     * The payment moved on chain (payer to payTo, the amount signed) in this transaction; as call
     * {@code batchIndex} of it when the transaction settles several payments (null: alone).
     */
    record Executed(String transactionId, Integer batchIndex, String evidence) implements ChainStatus {
        public Executed {
            Objects.requireNonNull(transactionId, "transactionId");
        }

        public Executed(String transactionId, String evidence) {
            this(transactionId, null, evidence);
        }
    }

    /**
     * The payment did not move and the chain will never execute it (for the authorization it names):
     * reverted, expired unused, canceled, or consumed by a different transfer.
     *
     * @param reason snake_case, stored as the payment's failure_reason; one of the constants below
     * @param transactionId the mined transaction that failed, or null
     */
    record Failed(String reason, String transactionId, String evidence) implements ChainStatus {
        /** Our transaction was mined and reverted; the authorization stayed unused. */
        public static final String REVERTED = "settlement_reverted";
        /** Never executed and past its validity on chain. */
        public static final String EXPIRED = "authorization_expired";
        /** The payer canceled the authorization. */
        public static final String CANCELED = "authorization_canceled";
        /** The authorization was used, but not for this payment's transfer (another payee or amount). */
        public static final String USED_ELSEWHERE = "authorization_used_elsewhere";

        public Failed {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Not executed yet but still executable (a transaction pending, or the authorization unused and valid). */
    record Open(String evidence) implements ChainStatus {
    }

    /** The chain could not be asked (node down, scheme without a lookup): decide nothing. */
    record Unknown(String evidence) implements ChainStatus {
    }
}
