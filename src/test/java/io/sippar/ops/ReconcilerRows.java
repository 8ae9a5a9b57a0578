package io.sippar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * What the reconciler tests of every chain do to and read from the database: put a row past its
 * deadline, read it, its journal entries, its gas hold and the merchant's usage, and find a
 * payment's decision in a run.
 */
final class ReconcilerRows {

    static final Duration WAIT = Duration.ofSeconds(60);

    private final Pool pool;

    ReconcilerRows(Pool pool) {
        this.pool = pool;
    }

    /** Puts the row a day past its deadline, ahead of anything else in the reconciler's queue. */
    void backdate(UUID id) {
        await(pool.preparedQuery("UPDATE payment SET state_changed_at = now() - interval '1 day' WHERE id = $1")
                .execute(Tuple.of(id)));
    }

    /** Skips the retry delay of a payment left undecided. */
    void dueNow(UUID id) {
        await(pool.preparedQuery("UPDATE payment SET reconcile_until = NULL WHERE id = $1").execute(Tuple.of(id)));
    }

    Row payment(UUID id) {
        return one("SELECT * FROM payment WHERE id = $1", id);
    }

    long journalEntries(UUID id) {
        return one("SELECT count(*) FROM journal_entry WHERE payment_id = $1", id).getLong(0);
    }

    /** The merchant's settled transactions this UTC month. */
    long usage(UUID merchant) {
        var rows = await(pool.preparedQuery("SELECT transactions FROM merchant_usage WHERE merchant_id = $1 "
                + "AND period_start = date_trunc('month', now() AT TIME ZONE 'UTC')::date").execute(Tuple.of(merchant)));
        return rows.size() == 0 ? 0 : rows.iterator().next().getLong(0);
    }

    /** The payment's gas hold is in {@code state} with {@code amount} held (held) or spent (charged; null when released). */
    void assertHold(UUID id, String state, BigInteger amount) {
        Row hold = one("SELECT state, held, spent FROM gas_hold WHERE payment_id = $1", id);
        assertEquals(state, hold.getString("state"));
        String column = state.equals("held") ? "held" : "spent";
        assertEquals(amount, hold.getBigDecimal(column) == null ? null : hold.getBigDecimal(column).toBigIntegerExact());
    }

    /** One run fails the payment with {@code reason}: no journal entry, nothing recorded as settled. */
    Reconciler.Decision reconciledAsFailed(Reconciler reconciler, UUID id, String reason) {
        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());
        assertEquals(Reconciler.Outcome.FAILED, d.outcome(), d.toString());
        assertEquals(reason, d.reason());
        Row row = payment(id);
        assertEquals("failed", row.getString("state"));
        assertEquals(reason, row.getString("failure_reason"));
        assertEquals(0L, journalEntries(id));
        return d;
    }

    static Reconciler.Decision decisionFor(UUID id, Uni<List<Reconciler.Decision>> run) {
        return decisionFor(id, run.await().atMost(WAIT));
    }

    static Reconciler.Decision decisionFor(UUID id, List<Reconciler.Decision> decisions) {
        return decisions.stream().filter(d -> d.paymentId().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("payment " + id + " was not claimed; run: " + decisions));
    }

    Row one(String sql, Object... params) {
        var rows = await(pool.preparedQuery(sql).execute(Tuple.from(params)));
        assertNotNull(rows);
        return rows.iterator().next();
    }

    static <T> T await(Uni<T> uni) {
        return uni.await().atMost(WAIT);
    }
}
