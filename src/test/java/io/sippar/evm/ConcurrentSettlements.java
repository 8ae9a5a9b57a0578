package io.sippar.evm;

import io.sippar.scheme.BroadcastListener;
import io.sippar.x402.Payment;
import io.sippar.x402.SettleResponse;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Fires many settlements at once and summarises how they ended. */
final class ConcurrentSettlements {

    record Result(int total, int failures, int distinctTransactions, long millis, List<String> firstErrors) {
        double perSecond() {
            return total * 1000.0 / Math.max(1, millis);
        }

        @Override
        public String toString() {
            return String.format("%d settlements in %d ms = %.1f settlements/s, %d failures, %d distinct tx%s",
                    total, millis, perSecond(), failures, distinctTransactions,
                    firstErrors.isEmpty() ? "" : ", first errors " + firstErrors);
        }
    }

    private ConcurrentSettlements() {
    }

    static Result run(ExactEvmScheme scheme, List<Payment> payments, Duration timeout) {
        long start = System.nanoTime();
        List<Uni<Object>> unis = new ArrayList<>();
        for (Payment p : payments) {
            unis.add(scheme.settle(p, p.acceptedRequirements().orElseThrow(), BroadcastListener.NONE)
                    .<Object>map(r -> r)
                    .onFailure().recoverWithItem(t -> t));
        }
        List<?> results = Uni.join().all(unis).andCollectFailures().await().atMost(timeout);
        long millis = (System.nanoTime() - start) / 1_000_000;
        int failures = 0;
        Set<String> txs = new HashSet<>();
        List<String> errors = new ArrayList<>();
        for (Object o : results) {
            if (o instanceof SettleResponse r && r.success()) {
                txs.add(r.transaction());
            } else {
                failures++;
                if (errors.size() < 3) {
                    errors.add(o instanceof SettleResponse r ? r.errorReason() + ": " + r.errorMessage()
                            : o.toString());
                }
            }
        }
        return new Result(payments.size(), failures, txs.size(), millis, errors);
    }
}
