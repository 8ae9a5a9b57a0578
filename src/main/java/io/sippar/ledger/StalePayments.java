package io.sippar.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The reconciler's queue: open payments past their deadline, handed out under a lease so that each
 * row has one owner at a time across every pod. The lease only saves duplicate chain lookups; the
 * decisions themselves stay safe without it, because every state change is a compare-and-set on the
 * state and a settlement's journal entry is unique per payment.
 */
@ApplicationScoped
public class StalePayments {

    private final Pool pool;

    public StalePayments(Pool pool) {
        this.pool = pool;
    }

    /**
     * Claims up to {@code limit} rows for {@code owner} until now + {@code lease}: rows in
     * reserved/verified for longer than {@code reservedDeadline} and rows in settling for longer than
     * {@code settlingDeadline}, oldest first, skipping rows whose lease or retry time has not passed.
     * {@code FOR UPDATE SKIP LOCKED} keeps two pods claiming at the same instant off each other's rows;
     * the lease written in the same statement keeps them off afterwards.
     */
    public Uni<List<StalePayment>> claim(String owner, Duration reservedDeadline, Duration settlingDeadline, int limit,
            Duration lease) {
        return pool.preparedQuery("""
                WITH due AS (
                    SELECT id FROM payment
                     WHERE ((state IN ('reserved', 'verified') AND state_changed_at < now() - $1 * interval '1 millisecond')
                         OR (state = 'settling' AND state_changed_at < now() - $2 * interval '1 millisecond'))
                       AND (reconcile_until IS NULL OR reconcile_until < now())
                     ORDER BY state_changed_at
                     LIMIT $3
                       FOR UPDATE SKIP LOCKED)
                UPDATE payment p
                   SET reconcile_owner = $4, reconcile_until = now() + $5 * interval '1 millisecond',
                       reconcile_attempts = p.reconcile_attempts + 1
                  FROM due
                 WHERE p.id = due.id
                RETURNING p.id, p.merchant_id, p.state, p.scheme, p.network, p.asset, p.payer, p.pay_to, p.amount,
                          p.chain_ref, p.tx_hash, p.valid_before, p.valid_from_round, p.valid_until_round,
                          p.created_at, p.state_changed_at,
                          p.reconcile_attempts""")
                .execute(Tuple.of(reservedDeadline.toMillis(), settlingDeadline.toMillis(), limit, owner,
                        lease.toMillis()))
                .map(rows -> {
                    List<StalePayment> out = new ArrayList<>();
                    rows.forEach(r -> out.add(row(r)));
                    out.sort(java.util.Comparator.comparing(StalePayment::stateChangedAt));
                    return out;
                });
    }

    private static StalePayment row(Row r) {
        return new StalePayment(r.getUUID("id"), r.getUUID("merchant_id"), PaymentState.fromDb(r.getString("state")),
                r.getString("scheme"), r.getString("network"), r.getString("asset"), r.getString("payer"),
                r.getString("pay_to"), r.getBigDecimal("amount").toBigIntegerExact(), r.getString("chain_ref"),
                r.getString("tx_hash"), instant(r.getOffsetDateTime("valid_before")), r.getLong("valid_from_round"),
                r.getLong("valid_until_round"),
                instant(r.getOffsetDateTime("created_at")), instant(r.getOffsetDateTime("state_changed_at")),
                r.getInteger("reconcile_attempts"));
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    /**
     * Gives an undecided row back: no owner, and not due again before now + {@code retryIn}. Only
     * the current owner can do so; false when the lease had already passed to someone else.
     */
    public Uni<Boolean> defer(UUID id, String owner, Duration retryIn, String note) {
        return pool.preparedQuery("""
                UPDATE payment SET reconcile_owner = NULL, reconcile_until = now() + $3 * interval '1 millisecond',
                       reconcile_note = $4
                 WHERE id = $1 AND reconcile_owner = $2""")
                .execute(Tuple.of(id, owner, retryIn.toMillis(), note))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Ends the lease of a decided row and keeps the evidence of the decision. */
    public Uni<Void> done(UUID id, String owner, String note) {
        return pool.preparedQuery("""
                UPDATE payment SET reconcile_owner = NULL, reconcile_until = NULL, reconcile_note = $3
                 WHERE id = $1 AND reconcile_owner = $2""")
                .execute(Tuple.of(id, owner, note))
                .replaceWithVoid();
    }
}
