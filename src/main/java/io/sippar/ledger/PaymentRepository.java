package io.sippar.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

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
     * authorization was never used, nothing was broadcast) may be reserved again, by any merchant
     * route, with the terms this attempt presents: verification then decides whether they are the
     * signed ones. Anything else already known is {@link Reservation.Taken}.
     */
    public Uni<Reservation> reserve(NewPayment p) {
        return pool.preparedQuery("""
                INSERT INTO payment (merchant_id, route_id, x402_version, scheme, network, asset, payer, pay_to, amount,
                                     chain_ref, resource, valid_before, valid_from_round, valid_until_round)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                ON CONFLICT ON CONSTRAINT payment_onchain_identity DO UPDATE
                   SET state = 'reserved', attempts = payment.attempts + 1, route_id = EXCLUDED.route_id,
                       merchant_id = EXCLUDED.merchant_id, x402_version = EXCLUDED.x402_version,
                       resource = EXCLUDED.resource, failure_reason = NULL, amount = EXCLUDED.amount,
                       pay_to = EXCLUDED.pay_to, scheme = EXCLUDED.scheme, valid_before = EXCLUDED.valid_before,
                       valid_from_round = EXCLUDED.valid_from_round, valid_until_round = EXCLUDED.valid_until_round
                 WHERE payment.state = 'released'
                RETURNING id, attempts""")
                .execute(Tuple.from(new Object[] {p.merchantId(), p.routeId(), (short) p.x402Version(), p.scheme(),
                        p.network(), p.asset(), p.payer(), p.payTo(), new BigDecimal(p.amount()), p.chainRef(),
                        p.resource(), p.validBefore() == null ? null
                                : java.time.OffsetDateTime.ofInstant(p.validBefore(), java.time.ZoneOffset.UTC),
                        p.validFromRound(), p.validUntilRound()}))
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

    /**
     * Records the latest transaction broadcast for a settling payment: the first one, then any
     * re-priced replacement at the same nonce (whichever is mined becomes final at settlement).
     */
    public Uni<Boolean> recordTransaction(UUID id, String txHash) {
        return recordTransaction(id, txHash, null);
    }

    /** As above for a transaction that settles several payments, this one as call {@code batchIndex} (null: alone). */
    public Uni<Boolean> recordTransaction(UUID id, String txHash, Integer batchIndex) {
        return pool.preparedQuery("""
                UPDATE payment SET tx_hash = $2, batch_index = $3 WHERE id = $1 AND state = 'settling'""")
                .execute(Tuple.of(id, txHash, batchIndex == null ? null : batchIndex.shortValue()))
                .map(rows -> rows.rowCount() == 1);
    }

    /**
     * Marks a settling payment settled with its fee and writes its journal entry, its usage count and any
     * 80% / 100% usage notice that count crosses in the same transaction, so a payment is never settled
     * without its postings nor posted or counted twice. Returns false (and writes
     * nothing) when the payment was already settled by someone else.
     *
     * <p>The fee is priced inside this transaction from {@link SettlementTerms} read here: the
     * payment row is locked first (a second settler waits, then finds it settled), settled_at is the
     * transaction's clock, the schedule version is the one the database holds in force at that instant,
     * and for an AI-agent merchant the month's counter row is locked so that concurrent settlements
     * each see the exact number of agent transactions before them.
     *
     * @param pricing the fee for these terms (pure computation, or a reload of the schedules first)
     * @param postings the journal lines for that fee
     */
    public Uni<Boolean> settle(UUID id, String network, String txHash,
            Function<SettlementTerms, Uni<io.sippar.fees.Fee>> pricing,
            Function<io.sippar.fees.Fee, List<Posting>> postings) {
        return settle(id, network, txHash, pricing, postings, (java.time.OffsetDateTime) null);
    }

    /** {@link #settle(UUID, String, String, Function, Function)} dated {@code settledAt}; null means now. */
    public Uni<Boolean> settle(UUID id, String network, String txHash,
            Function<SettlementTerms, Uni<io.sippar.fees.Fee>> pricing,
            Function<io.sippar.fees.Fee, List<Posting>> postings, java.time.OffsetDateTime settledAt) {
        return settle(id, network, txHash, null, pricing, (terms, fee) -> postings.apply(fee), settledAt);
    }

    /**
     * {@link #settle(UUID, String, String, Function, Function, java.time.OffsetDateTime)} with journal lines
     * that depend on the terms too (treasury mode: {@link SettlementTerms#treasury()} names the treasury the
     * payment paid).
     */
    public Uni<Boolean> settle(UUID id, String network, String txHash,
            Function<SettlementTerms, Uni<io.sippar.fees.Fee>> pricing,
            java.util.function.BiFunction<SettlementTerms, io.sippar.fees.Fee, List<Posting>> postings,
            java.time.OffsetDateTime settledAt) {
        return settle(id, network, txHash, null, pricing, postings, settledAt);
    }

    /**
     * As above, with the payment's call position in a batch transaction when the caller knows it (the
     * reconciler reads it from the mined transaction); null keeps the position recorded at broadcast,
     * unless the payment settled in another transaction than the one recorded.
     */
    public Uni<Boolean> settle(UUID id, String network, String txHash, Integer batchIndex,
            Function<SettlementTerms, Uni<io.sippar.fees.Fee>> pricing,
            Function<io.sippar.fees.Fee, List<Posting>> postings) {
        return settle(id, network, txHash, batchIndex, pricing, (terms, fee) -> postings.apply(fee), null);
    }

    /** The full form: batch position (null: as recorded at broadcast), terms-aware postings and date (null: now). */
    public Uni<Boolean> settle(UUID id, String network, String txHash, Integer batchIndex,
            Function<SettlementTerms, Uni<io.sippar.fees.Fee>> pricing,
            java.util.function.BiFunction<SettlementTerms, io.sippar.fees.Fee, List<Posting>> postings,
            java.time.OffsetDateTime settledAt) {
        return pool.withTransaction(conn -> terms(conn, id, settledAt).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().item(false);
            }
            SettlementTerms terms = found.get();
            return pricing.apply(terms).chain(fee -> conn.preparedQuery("""
                    UPDATE payment SET state = 'settled', tx_hash = $2, settled_at = $3, fee_atomic = $4,
                           fee_usd = $5, fee_band = $6, fee_schedule_version = $7, fee_rule = $8,
                           batch_index = CASE WHEN tx_hash IS NOT DISTINCT FROM $2 THEN coalesce($9, batch_index)
                                              ELSE $9 END
                     WHERE id = $1 AND state = 'settling'""")
                    .execute(Tuple.from(new Object[] {id, txHash, terms.settledAt().atOffset(ZoneOffset.UTC),
                            new BigDecimal(fee.atomic()), fee.usd(), fee.band(), fee.scheduleVersion(), fee.rule(),
                            batchIndex == null ? null : batchIndex.shortValue()}))
                    .chain(rows -> rows.rowCount() == 1
                            ? journal(conn, "settlement", id, "settlement:" + id, network, txHash,
                                    postings.apply(terms, fee))
                                    .chain(() -> UsageCounter.count(conn, id, fee, terms.agentPricing()))
                                    .replaceWith(true)
                            : Uni.createFrom().item(false)));
        }));
    }

    /** {@link #settle(UUID, String, String, Function, Function)} with a fee and postings already known. */
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
        return settle(id, network, txHash, terms -> Uni.createFrom().item(fee), f -> postings, settledAt);
    }

    /** The terms of a payment still settling (locked), or empty when it is not settling any more. */
    private static Uni<Optional<SettlementTerms>> terms(SqlConnection conn, UUID id,
            java.time.OffsetDateTime settledAt) {
        return conn.preparedQuery("""
                SELECT p.merchant_id, coalesce($2::timestamptz, now()) AS settled_at, m.plan, m.home_network,
                       m.cross_chain_tier, m.agent_pricing,
                       (SELECT f.version FROM fee_schedule f WHERE f.effective_from <= coalesce($2::timestamptz, now())
                         ORDER BY f.effective_from DESC LIMIT 1) AS fee_version,
                       (SELECT t.address FROM treasury_account t
                         WHERE t.network = p.network AND lower(t.address) = lower(p.pay_to)) AS treasury
                  FROM payment p JOIN merchant m ON m.id = p.merchant_id
                 WHERE p.id = $1 AND p.state = 'settling'
                   FOR UPDATE OF p""")
                .execute(Tuple.of(id, settledAt))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(Optional.<SettlementTerms>empty());
                    }
                    Row r = rows.iterator().next();
                    UUID merchant = r.getUUID("merchant_id");
                    boolean agent = r.getBoolean("agent_pricing");
                    java.time.OffsetDateTime at = r.getOffsetDateTime("settled_at");
                    Uni<Long> before = agent ? lockAgentCount(conn, merchant, at) : Uni.createFrom().item(0L);
                    return before.map(count -> Optional.of(new SettlementTerms(merchant,
                            r.getOffsetDateTime("settled_at").toInstant(), r.getString("fee_version"),
                            r.getString("plan"), r.getString("home_network"), r.getString("cross_chain_tier"), agent,
                            count, r.getString("treasury"))));
                });
    }

    /**
     * Locks the merchant's counter row of the current month (creating it) and returns its AI-agent
     * count: the lock is held to commit, so the next agent settlement of this merchant reads this
     * one's increment.
     */
    private static Uni<Long> lockAgentCount(SqlConnection conn, UUID merchantId, java.time.OffsetDateTime at) {
        return conn.preparedQuery("""
                INSERT INTO merchant_usage (merchant_id, period_start)
                VALUES ($1, date_trunc('month', $2::timestamptz AT TIME ZONE 'UTC')::date)
                ON CONFLICT (merchant_id, period_start) DO UPDATE
                   SET agent_transactions = merchant_usage.agent_transactions
                RETURNING agent_transactions""")
                .execute(Tuple.of(merchantId, at))
                .map(rows -> rows.iterator().next().getLong("agent_transactions"));
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
