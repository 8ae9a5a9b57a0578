package io.sippar.algorand;

import io.sippar.x402.ReasonCode;
import java.util.List;
import java.util.Objects;

/** Outcome of the offline exact-AVM checks: the first failing check, or a group ready to be signed and simulated. */
sealed interface AvmVerdict {

    /**
     * The first failing check.
     *
     * @param payer the payment transaction's sender once the group could be decoded, else null
     */
    record Refused(ReasonCode reason, String message, String payer) implements AvmVerdict {
        public Refused {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * Every offline check passed.
     *
     * @param group the decoded group in order
     * @param paymentIndex index of the payment transaction
     * @param feePayerIndexes indexes of the transactions the fee payer must sign
     */
    record Passed(String payer, List<AvmTransaction> group, int paymentIndex, List<Integer> feePayerIndexes)
            implements AvmVerdict {
        public Passed {
            Objects.requireNonNull(payer, "payer");
            group = List.copyOf(group);
            feePayerIndexes = List.copyOf(feePayerIndexes);
        }

        /** The transaction paying {@code payTo}. */
        AvmTransaction payment() {
            return group.get(paymentIndex);
        }

        /** The earliest round the whole group can be committed in (the largest first-valid). */
        long firstValid() {
            return group.stream().mapToLong(t -> AvmFields.round(t.txn().firstValid)).max().orElse(0);
        }

        /** The last round the whole group can be committed in (the smallest last-valid). */
        long lastValid() {
            return group.stream().mapToLong(t -> AvmFields.round(t.txn().lastValid)).min().orElse(0);
        }
    }
}
