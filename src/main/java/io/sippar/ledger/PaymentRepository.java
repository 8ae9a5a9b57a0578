package io.sippar.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * SQL for the payment lifecycle. Every state change is a compare-and-set on the current state, so
 * two requests or two pods racing on one payment can never both win; the database's trigger refuses
 * any transition ARCHITECTURE.md does not allow.
 */
@ApplicationScoped
public class PaymentRepository {

    private final Pool pool;

    public PaymentRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * The replay guard: inserts the payment keyed by its on-chain identity. A released payment (its
     * authorization was never used) may be reserved again, by any merchant route, with the same amount
     * and payee (both are signed into the authorization); anything else already known is
     * {@link Reservation.Taken}.
     */
    public Uni<Reservation> reserve(NewPayment p) {
        return pool.preparedQuery("""
                INSERT INTO payment (merchant_id, route_id, x402_version, scheme, network, asset, payer, pay_to, amount,
                                     chain_ref, resource)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                ON CONFLICT ON CONSTRAINT payment_onchain_identity DO UPDATE
                   SET state = 'reserved', attempts = payment.attempts + 1, route_id = EXCLUDED.route_id,
                       merchant_id = EXCLUDED.merchant_id, x402_version = EXCLUDED.x402_version,
                       resource = EXCLUDED.resource, failure_reason = NULL
                 WHERE payment.state = 'released' AND payment.amount = EXCLUDED.amount
                   AND payment.pay_to = EXCLUDED.pay_to
                RETURNING id, attempts""")
                .execute(Tuple.from(new Object[] {p.merchantId(), p.routeId(), (short) p.x402Version(), p.scheme(),
                        p.network(), p.asset(), p.payer(), p.payTo(), new BigDecimal(p.amount()), p.chainRef(),
                        p.resource()}))
                .chain(rows -> {
                    if (rows.size() == 1) {
                        Row row = rows.iterator().next();
                        return Uni.createFrom().item((Reservation) new Reservation.Reserved(row.getUUID("id"),
                                row.getInteger("attempts")));
                    }
                    return pool.preparedQuery("""
                            SELECT id, state, tx_hash FROM payment
                             WHERE network = $1 AND asset = $2 AND payer = $3 AND chain_ref = $4""")
                            .execute(Tuple.of(p.network(), p.asset(), p.payer(), p.chainRef()))
                            .map(found -> {
                                Row row = found.iterator().next();
                                return new Reservation.Taken(row.getUUID("id"),
                                        PaymentState.fromDb(row.getString("state")), row.getString("tx_hash"));
                            });
                });
    }

    /** Moves a payment from {@code from} to {@code to}; false when it was not in {@code from}. */
    public Uni<Boolean> transition(UUID id, PaymentState from, PaymentState to) {
        return pool.preparedQuery("UPDATE payment SET state = $3 WHERE id = $1 AND state = $2")
                .execute(Tuple.of(id, from.db(), to.db()))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Marks a payment failed with a reason (and the transaction, when one was mined and reverted). */
    public Uni<Boolean> fail(UUID id, PaymentState from, String reason, String txHash) {
        return pool.preparedQuery("""
                UPDATE payment SET state = 'failed', failure_reason = $3, tx_hash = coalesce(tx_hash, $4)
                 WHERE id = $1 AND state = $2""")
                .execute(Tuple.of(id, from.db(), reason, txHash))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Records the broadcast transaction of a settling payment (write-once). */
    public Uni<Boolean> recordTransaction(UUID id, String txHash) {
        return pool.preparedQuery("""
                UPDATE payment SET tx_hash = $2 WHERE id = $1 AND state = 'settling'
                   AND (tx_hash IS NULL OR tx_hash = $2)""")
                .execute(Tuple.of(id, txHash))
                .map(rows -> rows.rowCount() == 1);
    }

    /**
     * Marks a settling payment settled with its fee and writes its journal entry, its usage count and any
     * 80% / 100% usage notice that count crosses in the same transaction, so a payment is never settled
     * without its postings nor posted or counted twice. Returns false (and writes
     * nothing) when the payment was already settled by someone else.
     */
    public Uni<Boolean> settle(UUID id, String network, String txHash, List<Posting> postings,
            io.sippar.fees.Fee fee) {
        return settle(id, network, txHash, postings, fee, null);
    }

    /**
     * {@link #settle(UUID, String, String, List, io.sippar.fees.Fee)} dated {@code settledAt} (e.g. the
     * block time a reconciler found) instead of now; null means now. A date in a month whose statement
     * is closed bills the payment on the next open statement (the database decides, see V30).
     */
    public Uni<Boolean> settle(UUID id, String network, String txHash, List<Posting> postings,
            io.sippar.fees.Fee fee, java.time.OffsetDateTime settledAt) {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                UPDATE payment SET state = 'settled', tx_hash = $2, settled_at = coalesce($8, now()), fee_atomic = $3,
                       fee_usd = $4, fee_band = $5, fee_schedule_version = $6, fee_rule = $7
                 WHERE id = $1 AND state = 'settling'""")
                .execute(Tuple.from(new Object[] {id, txHash, new BigDecimal(fee.atomic()), fee.usd(), fee.band(),
                        fee.scheduleVersion(), fee.rule(), settledAt}))
                .chain(rows -> rows.rowCount() == 1
                        ? journal(conn, "settlement", id, "settlement:" + id, network, txHash, postings)
                                .chain(() -> UsageCounter.count(conn, id, fee))
                                .replaceWith(true)
                        : Uni.createFrom().item(false)));
    }

    /** Settled transactions of a merchant in the UTC month containing {@code day}. */
    public Uni<Long> usage(UUID merchantId, java.time.LocalDate day) {
        return pool.preparedQuery("""
                SELECT transactions FROM merchant_usage WHERE merchant_id = $1 AND period_start = $2""")
                .execute(Tuple.of(merchantId, day.withDayOfMonth(1)))
                .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong("transactions"));
    }

    /** Inserts a journal entry and its postings; the deferred trigger checks they balance at commit. */
    static Uni<Long> journal(SqlConnection conn, String kind, UUID paymentId, String idempotencyKey, String network,
            String txHash, List<Posting> postings) {
        return conn.preparedQuery("""
                INSERT INTO journal_entry (kind, payment_id, idempotency_key, network, tx_hash)
                VALUES ($1, $2, $3, $4, $5) RETURNING id""")
                .execute(Tuple.of(kind, paymentId, idempotencyKey, network, txHash))
                .map(rows -> rows.iterator().next().getLong("id"))
                .call(entryId -> {
                    List<Tuple> batch = new ArrayList<>();
                    postings.forEach(p -> batch.add(Tuple.of(entryId, p.account(), p.asset(),
                            new BigDecimal(p.amount()))));
                    return conn.preparedQuery("INSERT INTO posting (entry_id, account, asset, amount) VALUES ($1, $2, $3, $4)")
                            .executeBatch(batch);
                });
    }

    /** The current state of a payment. */
    public Uni<Optional<PaymentState>> state(UUID id) {
        return pool.preparedQuery("SELECT state FROM payment WHERE id = $1").execute(Tuple.of(id))
                .map(PaymentRepository::firstState);
    }

    private static Optional<PaymentState> firstState(RowSet<Row> rows) {
        return rows.size() == 0 ? Optional.empty()
                : Optional.of(PaymentState.fromDb(rows.iterator().next().getString("state")));
    }

    /** Entries whose postings do not sum to zero; empty when the whole ledger balances. */
    public Uni<List<String>> unbalancedEntries() {
        return pool.query("SELECT entry_id, asset, total FROM ledger_unbalanced_entries").execute()
                .map(rows -> {
                    List<String> out = new ArrayList<>();
                    rows.forEach(r -> out.add(r.getLong("entry_id") + "/" + r.getString("asset") + "="
                            + r.getBigDecimal("total")));
                    return out;
                });
    }
}
