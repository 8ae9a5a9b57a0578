package io.sippar.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Counts a settlement in its merchant's UTC month and, when that count crosses 80% or 100% of the
 * month's included transactions, writes the usage notice into the outbox ({@code usage_notice}), all in
 * the settlement's own transaction. The counter row is locked by the increment, and it records the
 * highest threshold already notified, so exactly one settlement writes each notice (the unique key
 * (merchant, month, threshold) backs that up).
 */
final class UsageCounter {

    /** Percentages of the month's included transactions at which the merchant is notified, once each. */
    static final int[] THRESHOLDS = {80, 100};

    private UsageCounter() {
    }

    /**
     * One more settled transaction (and AI-agent transaction, for an agent-priced merchant) in the
     * payment's month: a single upsert with an increment, so concurrent settlements serialise on the
     * row lock and none is lost.
     */
    static Uni<Void> count(SqlConnection conn, UUID paymentId, io.sippar.fees.Fee fee, boolean agent) {
        // the allowance is only looked up while a threshold is still ahead (a one-time filter when not)
        return conn.preparedQuery("""
                WITH counted AS (
                    INSERT INTO merchant_usage (merchant_id, period_start, transactions, fees_usd, agent_transactions)
                    SELECT merchant_id, date_trunc('month', settled_at AT TIME ZONE 'UTC')::date, 1, $2, $3
                      FROM payment WHERE id = $1
                    ON CONFLICT (merchant_id, period_start) DO UPDATE
                       SET transactions = merchant_usage.transactions + 1,
                           fees_usd = merchant_usage.fees_usd + EXCLUDED.fees_usd,
                           agent_transactions = merchant_usage.agent_transactions + EXCLUDED.agent_transactions
                    RETURNING merchant_id, period_start, transactions, notified_threshold)
                SELECT c.merchant_id, c.period_start, c.transactions, c.notified_threshold, a.included, a.plan_id
                  FROM counted c
                  LEFT JOIN LATERAL (SELECT * FROM merchant_allowance(c.merchant_id, c.period_start, now())
                                      WHERE c.notified_threshold < 100) a ON true""")
                .execute(Tuple.of(paymentId, fee.usd(), agent ? 1L : 0L))
                .chain(rows -> rows.size() == 0 ? Uni.createFrom().voidItem() : notices(conn, rows.iterator().next()));
    }

    private static Uni<Void> notices(SqlConnection conn, Row row) {
        Long included = row.getLong("included");
        if (included == null) {
            return Uni.createFrom().voidItem();
        }
        long used = row.getLong("transactions");
        int notified = row.getInteger("notified_threshold");
        List<Integer> crossed = new ArrayList<>();
        for (int t : THRESHOLDS) {
            // used / included >= t / 100, in integers
            if (t > notified && used * 100 >= included * t) {
                crossed.add(t);
            }
        }
        if (crossed.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        UUID merchant = row.getUUID("merchant_id");
        LocalDate period = row.getLocalDate("period_start");
        return conn.preparedQuery("""
                WITH noticed AS (
                    INSERT INTO usage_notice (merchant_id, period_start, threshold, used, included, plan_id, next_attempt_at)
                    SELECT $1, $2, t::smallint, $3, $4, $5, now() FROM unnest($6::int[]) AS t
                    ON CONFLICT ON CONSTRAINT usage_notice_once DO NOTHING
                    RETURNING threshold)
                UPDATE merchant_usage SET notified_threshold = greatest(notified_threshold, $7::smallint)
                 WHERE merchant_id = $1 AND period_start = $2""")
                .execute(Tuple.from(new Object[] {merchant, period, used, included, row.getString("plan_id"),
                        crossed.toArray(Integer[]::new), (short) (int) crossed.get(crossed.size() - 1)}))
                .replaceWithVoid();
    }
}
