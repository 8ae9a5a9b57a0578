package io.sippar.billing;

import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Where statements and analytics read plans and subscriptions from. */
public interface StatementPlans {

    /** What one merchant's plans say about a month. */
    Uni<MonthTerms> month(UUID merchantId, StatementPeriod period);

    /** Every merchant's subscription segments overlapping [from, to), for MRR, ARR and revenue by plan. */
    Uni<List<Segment>> segments(Instant from, Instant to);

    /**
     * A stretch of one merchant's subscription.
     *
     * @param to exclusive; null while current
     * @param monthlyUsd the plan's monthly-equivalent price (annual price / 12) before any discount
     * @param discountRate commitment discount while within the committed term
     * @param termEnd end of the committed term (discounted until then); null without a commitment
     */
    record Segment(UUID merchantId, String planId, String planName, Instant from, Instant to,
            java.math.BigDecimal monthlyUsd, java.math.BigDecimal discountRate, Instant termEnd) {

        /** Whether the segment is in force at {@code at}. */
        public boolean inForceAt(Instant at) {
            return !at.isBefore(from) && (to == null || at.isBefore(to));
        }

        /** Monthly recurring revenue of the segment at {@code at}: discounted within the committed term. */
        public java.math.BigDecimal mrrAt(Instant at) {
            boolean discounted = termEnd != null && at.isBefore(termEnd);
            return discounted ? monthlyUsd.subtract(monthlyUsd.multiply(discountRate)) : monthlyUsd;
        }
    }
}
