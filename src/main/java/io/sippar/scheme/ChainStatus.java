package io.sippar.scheme;

import java.math.BigInteger;
import java.util.Objects;
import java.util.Optional;

/**
 * What the chain says about an {@link UnfinishedPayment}. Every answer carries its evidence (what
 * was read from the chain), which the reconciler logs and stores with its decision. Decided answers
 * also say what the gateway's own transaction cost in network fees, so the reconciler can close the
 * payment's gas hold the way the live path would have.
 */
public sealed interface ChainStatus {

    /** The chain reads this answer was drawn from, for logs and the payment's reconcile note. */
    String evidence();

    /**
     * The payment moved on chain (payer to payTo, the amount signed) in this transaction; as call
     * {@code batchIndex} of it when the transaction settles several payments (null: alone).
     *
     * @param networkFee what the gateway paid for it in the network's native unit (EVM: gas used ×
     *        effective gas price of its receipt); empty when the scheme fixed the fee before the
     *        broadcast (Algorand: the fee payer's fees in the group), the transaction settled a batch
     *        or the chain does not show it, and the gas hold is then charged as held (its worst case)
     */
    record Executed(String transactionId, Integer batchIndex, String evidence, Optional<BigInteger> networkFee)
            implements ChainStatus {
        public Executed {
            Objects.requireNonNull(transactionId, "transactionId");
            Objects.requireNonNull(networkFee, "networkFee");
        }

        /** Executed alone, the fee as held. */
        public Executed(String transactionId, String evidence) {
            this(transactionId, null, evidence, Optional.empty());
        }

        /** Executed at {@code batchIndex} of a batch (null: alone), the fee as held. */
        public Executed(String transactionId, Integer batchIndex, String evidence) {
            this(transactionId, batchIndex, evidence, Optional.empty());
        }

        /** Executed alone, with what the gateway's transaction cost. */
        public Executed(String transactionId, String evidence, Optional<BigInteger> networkFee) {
            this(transactionId, null, evidence, networkFee);
        }
    }

    /**
     * The payment did not move and the chain will never execute it (for the authorization it names):
     * reverted, expired unused, canceled, dropped, or consumed by a different transfer.
     *
     * @param reason snake_case, stored as the payment's failure_reason; one of the constants below
     * @param transactionId the mined transaction that failed, or null
     * @param networkFee what a transaction of the gateway's that was mined and failed cost it (EVM: a
     *        reverted settlement's gas); empty when nothing of the gateway's was executed, and the gas
     *        hold is then released
     */
    record Failed(String reason, String transactionId, String evidence, Optional<BigInteger> networkFee)
            implements ChainStatus {
        /** Our transaction was mined and reverted; the authorization stayed unused. */
        public static final String REVERTED = "settlement_reverted";
        /** Never executed and past its validity on chain. */
        public static final String EXPIRED = "authorization_expired";
        /** The payer canceled the authorization. */
        public static final String CANCELED = "authorization_canceled";
        /** The authorization was used, but not for this payment's transfer (another payee or amount). */
        public static final String USED_ELSEWHERE = "authorization_used_elsewhere";
        /** A node dropped the transaction from its pool (Algorand's pool-error) and it is now past its validity. */
        public static final String DROPPED = "settlement_dropped";

        public Failed {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(networkFee, "networkFee");
        }

        /** Failed with nothing of the gateway's executed on chain. */
        public Failed(String reason, String transactionId, String evidence) {
            this(reason, transactionId, evidence, Optional.empty());
        }
    }

    /** Not executed yet but still executable (a transaction pending, or the authorization unused and valid). */
    record Open(String evidence) implements ChainStatus {
    }

    /** The chain could not be asked (node down, scheme without a lookup): decide nothing. */
    record Unknown(String evidence) implements ChainStatus {
    }
}
