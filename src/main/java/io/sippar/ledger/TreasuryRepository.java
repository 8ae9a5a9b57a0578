package io.sippar.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * SQL of treasury mode: the configured treasuries, merchants' settlement modes, attribution claims,
 * payout accounts and their address changes, payouts (written before they are broadcast), balances and
 * the hygiene checks. Every state change is a compare-and-set; the one-unfinished-payout-per-network
 * index is what keeps two runs (or pods) from ever signing over the same balances.
 */
@ApplicationScoped
public class TreasuryRepository {

    /** Settlement modes a merchant can be in. */
    public static final Set<String> MODES = Set.of("direct", "treasury");

    private final Pool pool;

    public TreasuryRepository(Pool pool) {
        this.pool = pool;
    }

    // ------------------------------------------------------------------ treasuries and modes

    /**
     * Records the configured treasury of a network. Another address than the one recorded is only
     * accepted while the old one holds nothing in the ledger: the balances there belong to merchants.
     */
    public Uni<Void> registerTreasury(String network, String address, String signer) {
        return pool.withTransaction(conn -> conn.preparedQuery(
                        "SELECT address FROM treasury_account WHERE network = $1 FOR UPDATE")
                .execute(Tuple.of(network)).chain(rows -> {
                    if (rows.size() == 0) {
                        return conn.preparedQuery("INSERT INTO treasury_account (network, address, signer) VALUES ($1, $2, $3)")
                                .execute(Tuple.of(network, address, signer)).replaceWithVoid();
                    }
                    String old = rows.iterator().next().getString("address");
                    Uni<Boolean> movable = old.equals(address) ? Uni.createFrom().item(true)
                            : conn.preparedQuery("SELECT NOT EXISTS (SELECT 1 FROM posting WHERE account = $1) AS empty")
                                    .execute(Tuple.of(TreasuryAccounts.custody(network, old)))
                                    .map(r -> r.iterator().next().getBoolean("empty"));
                    return movable.chain(ok -> {
                        if (!ok) {
                            throw new IllegalStateException("the treasury of " + network + " is recorded as " + old
                                    + ", which holds merchants' balances in the ledger; configure that address again"
                                    + " (moving a treasury means paying it out first)");
                        }
                        return conn.preparedQuery("""
                                UPDATE treasury_account SET address = $2, signer = $3, updated_at = now()
                                 WHERE network = $1 AND (address <> $2 OR signer <> $3)""")
                                .execute(Tuple.of(network, address, signer)).replaceWithVoid();
                    });
                }));
    }

    /** The merchant's settlement mode; empty when there is no such merchant. */
    public Uni<Optional<String>> settlementMode(UUID merchantId) {
        return pool.preparedQuery("SELECT settlement_mode FROM merchant WHERE id = $1").execute(Tuple.of(merchantId))
                .map(rows -> rows.size() == 0 ? Optional.empty()
                        : Optional.of(rows.iterator().next().getString("settlement_mode")));
    }

    /** Sets a merchant's settlement mode; false when there is no such merchant. */
    public Uni<Boolean> setSettlementMode(UUID merchantId, String mode) {
        return pool.preparedQuery("UPDATE merchant SET settlement_mode = $2 WHERE id = $1")
                .execute(Tuple.of(merchantId, mode)).map(rows -> rows.rowCount() == 1);
    }

    /** Sets the mode of a merchant by slug (configuration); false when there is no such merchant. */
    public Uni<Boolean> setSettlementModeBySlug(String slug, String mode) {
        return pool.preparedQuery("UPDATE merchant SET settlement_mode = $2 WHERE slug = $1 RETURNING id")
                .execute(Tuple.of(slug, mode)).map(rows -> rows.size() == 1);
    }

    /** The merchant id of a slug. */
    public Uni<Optional<UUID>> merchantBySlug(String slug) {
        return pool.preparedQuery("SELECT id FROM merchant WHERE slug = $1").execute(Tuple.of(slug))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getUUID("id")));
    }

    /** Every merchant in treasury mode. */
    public Uni<Set<UUID>> treasuryMerchants() {
        return pool.query("SELECT id FROM merchant WHERE settlement_mode = 'treasury'").execute().map(rows -> {
            Set<UUID> out = new HashSet<>();
            rows.forEach(r -> out.add(r.getUUID("id")));
            return out;
        });
    }

    // ------------------------------------------------------------------ attribution

    /**
     * Claims an authorization that pays a treasury for {@code merchantId}, unless another merchant
     * claimed it first; returns the merchant it belongs to (this one when the claim is new or its own).
     */
    public Uni<UUID> claim(String network, String asset, String payer, String chainRef, UUID merchantId, String via) {
        Tuple key = Tuple.of(network, asset, payer, chainRef);
        return pool.preparedQuery("""
                WITH ins AS (
                    INSERT INTO treasury_claim (network, asset, payer, chain_ref, merchant_id, via)
                    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING merchant_id)
                SELECT merchant_id FROM ins
                UNION ALL
                SELECT merchant_id FROM treasury_claim WHERE network = $1 AND asset = $2 AND payer = $3 AND chain_ref = $4
                LIMIT 1""")
                .execute(Tuple.of(network, asset, payer, chainRef, merchantId, via))
                .chain(rows -> rows.size() == 1 ? Uni.createFrom().item(rows.iterator().next().getUUID("merchant_id"))
                        // a claim committed by a racing request after this statement's snapshot: read it now
                        : pool.preparedQuery("""
                                SELECT merchant_id FROM treasury_claim
                                 WHERE network = $1 AND asset = $2 AND payer = $3 AND chain_ref = $4""")
                                .execute(key).map(again -> again.iterator().next().getUUID("merchant_id")));
    }

    // ------------------------------------------------------------------ payout accounts

    /** A merchant's payout account on one network. */
    public record PayoutAccount(UUID merchantId, String network, String address, String pendingAddress,
            OffsetDateTime pendingEffectiveAt, String pendingRequestedBy, String threshold, OffsetDateTime updatedAt) {
    }

    private static final String ACCOUNT_COLUMNS = "merchant_id, network, address, pending_address, pending_effective_at, "
            + "pending_requested_by, threshold, updated_at";

    private static PayoutAccount account(Row r) {
        return new PayoutAccount(r.getUUID("merchant_id"), r.getString("network"), r.getString("address"),
                r.getString("pending_address"), r.getOffsetDateTime("pending_effective_at"),
                r.getString("pending_requested_by"), r.getString("threshold"), r.getOffsetDateTime("updated_at"));
    }

    /** Every payout account of a merchant, by network. */
    public Uni<List<PayoutAccount>> payoutAccounts(UUID merchantId) {
        return pool.preparedQuery("SELECT " + ACCOUNT_COLUMNS + " FROM payout_account WHERE merchant_id = $1 ORDER BY network")
                .execute(Tuple.of(merchantId)).map(rows -> {
                    List<PayoutAccount> out = new ArrayList<>();
                    rows.forEach(r -> out.add(account(r)));
                    return out;
                });
    }

    /**
     * A merchant asks for a new payout address: it takes effect after {@code delay} (an operator may
     * approve it sooner). Asking for the address in effect cancels a pending change.
     */
    public Uni<PayoutAccount> requestAddress(UUID merchantId, String network, String address, String actor,
            Duration delay) {
        return pool.withTransaction(conn -> lockAccount(conn, merchantId, network).chain(current -> {
            boolean same = current.map(a -> address.equals(a.address())).orElse(false);
            Uni<RowSet<Row>> write = same
                    ? conn.preparedQuery("""
                            UPDATE payout_account SET pending_address = NULL, pending_effective_at = NULL,
                                   pending_requested_by = NULL, updated_at = now()
                             WHERE merchant_id = $1 AND network = $2 RETURNING\s""" + ACCOUNT_COLUMNS)
                            .execute(Tuple.of(merchantId, network))
                    : conn.preparedQuery("""
                            INSERT INTO payout_account (merchant_id, network, pending_address, pending_effective_at,
                                                        pending_requested_by)
                            VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond', $5)
                            ON CONFLICT (merchant_id, network) DO UPDATE
                               SET pending_address = EXCLUDED.pending_address,
                                   pending_effective_at = EXCLUDED.pending_effective_at,
                                   pending_requested_by = EXCLUDED.pending_requested_by, updated_at = now()
                            RETURNING\s""" + ACCOUNT_COLUMNS)
                            .execute(Tuple.of(merchantId, network, address, delay.toMillis(), actor));
            return write.chain(rows -> event(conn, merchantId, network, same ? "cancelled" : "requested", address, actor)
                    .replaceWith(account(rows.iterator().next())));
        }));
    }

    /** The operator sets the payout address with immediate effect (a pending change is dropped). */
    public Uni<PayoutAccount> setAddress(UUID merchantId, String network, String address, String actor) {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                INSERT INTO payout_account (merchant_id, network, address) VALUES ($1, $2, $3)
                ON CONFLICT (merchant_id, network) DO UPDATE
                   SET address = EXCLUDED.address, pending_address = NULL, pending_effective_at = NULL,
                       pending_requested_by = NULL, updated_at = now()
                RETURNING\s""" + ACCOUNT_COLUMNS)
                .execute(Tuple.of(merchantId, network, address))
                .chain(rows -> event(conn, merchantId, network, "set", address, actor)
                        .replaceWith(account(rows.iterator().next()))));
    }

    /** The operator makes a pending address take effect now; empty when nothing is pending. */
    public Uni<Optional<PayoutAccount>> approve(UUID merchantId, String network, String actor) {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                UPDATE payout_account SET address = pending_address, pending_address = NULL, pending_effective_at = NULL,
                       pending_requested_by = NULL, updated_at = now()
                 WHERE merchant_id = $1 AND network = $2 AND pending_address IS NOT NULL
                RETURNING\s""" + ACCOUNT_COLUMNS)
                .execute(Tuple.of(merchantId, network))
                .chain(rows -> rows.size() == 0 ? Uni.createFrom().item(Optional.<PayoutAccount>empty())
                        : event(conn, merchantId, network, "approved", rows.iterator().next().getString("address"), actor)
                                .replaceWith(Optional.of(account(rows.iterator().next())))));
    }

    /** Drops a pending address change; false when nothing was pending. */
    public Uni<Boolean> cancelPending(UUID merchantId, String network, String actor) {
        return pool.withTransaction(conn -> lockAccount(conn, merchantId, network).chain(current -> {
            if (current.isEmpty() || current.get().pendingAddress() == null) {
                return Uni.createFrom().item(false);
            }
            return conn.preparedQuery("""
                    UPDATE payout_account SET pending_address = NULL, pending_effective_at = NULL,
                           pending_requested_by = NULL, updated_at = now()
                     WHERE merchant_id = $1 AND network = $2""")
                    .execute(Tuple.of(merchantId, network))
                    .chain(() -> event(conn, merchantId, network, "cancelled", current.get().pendingAddress(), actor))
                    .replaceWith(true);
        }));
    }

    /** Sets (or with null clears to the default) the payout threshold of a network. */
    public Uni<PayoutAccount> setThreshold(UUID merchantId, String network, String threshold) {
        return pool.preparedQuery("""
                INSERT INTO payout_account (merchant_id, network, threshold) VALUES ($1, $2, $3)
                ON CONFLICT (merchant_id, network) DO UPDATE SET threshold = EXCLUDED.threshold, updated_at = now()
                RETURNING\s""" + ACCOUNT_COLUMNS)
                .execute(Tuple.of(merchantId, network, threshold)).map(rows -> account(rows.iterator().next()));
    }

    /** Pending addresses whose delay has passed take effect; returns how many did. */
    public Uni<Integer> promoteDueAddresses() {
        return pool.withTransaction(conn -> conn.query("""
                WITH due AS (
                    UPDATE payout_account SET address = pending_address, pending_address = NULL,
                           pending_effective_at = NULL, pending_requested_by = NULL, updated_at = now()
                     WHERE pending_effective_at <= now()
                    RETURNING merchant_id, network, address)
                INSERT INTO payout_address_event (merchant_id, network, action, address, actor)
                SELECT merchant_id, network, 'effective', address, 'delay' FROM due""")
                .execute().map(RowSet::rowCount));
    }

    /** A change to a payout address, newest first. */
    public record AddressEvent(String network, String action, String address, String actor, OffsetDateTime at) {
    }

    /** The history of a merchant's payout addresses. */
    public Uni<List<AddressEvent>> addressHistory(UUID merchantId) {
        return pool.preparedQuery("""
                SELECT network, action, address, actor, at FROM payout_address_event
                 WHERE merchant_id = $1 ORDER BY at DESC, id DESC LIMIT 200""")
                .execute(Tuple.of(merchantId)).map(rows -> {
                    List<AddressEvent> out = new ArrayList<>();
                    rows.forEach(r -> out.add(new AddressEvent(r.getString("network"), r.getString("action"),
                            r.getString("address"), r.getString("actor"), r.getOffsetDateTime("at"))));
                    return out;
                });
    }

    private static Uni<Optional<PayoutAccount>> lockAccount(SqlConnection conn, UUID merchantId, String network) {
        return conn.preparedQuery("SELECT " + ACCOUNT_COLUMNS + " FROM payout_account WHERE merchant_id = $1 AND network = $2"
                        + " FOR UPDATE")
                .execute(Tuple.of(merchantId, network))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(account(rows.iterator().next())));
    }

    private static Uni<Void> event(SqlConnection conn, UUID merchantId, String network, String action, String address,
            String actor) {
        return conn.preparedQuery("""
                INSERT INTO payout_address_event (merchant_id, network, action, address, actor) VALUES ($1, $2, $3, $4, $5)""")
                .execute(Tuple.of(merchantId, network, action, address, actor)).replaceWithVoid();
    }

    // ------------------------------------------------------------------ balances

    /**
     * A merchant who may be owed something on a network: its payable balance of the asset, the part of
     * it owed since before {@code periodStart} and not paid since, and its payout account.
     */
    public record Candidate(UUID merchantId, BigInteger payable, BigInteger dueFromBefore, String address,
            String threshold, OffsetDateTime lastFailureAt) {
    }

    /**
     * Every merchant in treasury mode or with a payout account on {@code network} whose payable balance
     * of {@code postingAsset} is positive, with what a payout decision needs.
     */
    public Uni<List<Candidate>> candidates(String network, String postingAsset, Instant periodStart) {
        return pool.preparedQuery("""
                WITH m AS (
                    SELECT id FROM merchant WHERE settlement_mode = 'treasury'
                    UNION SELECT merchant_id FROM payout_account WHERE network = $1),
                b AS (
                    SELECT m.id,
                           (SELECT coalesce(sum(p.amount), 0) FROM posting p
                             WHERE p.account = 'merchant_payable:' || m.id AND p.asset = $2) AS payable,
                           (SELECT coalesce(sum(p.amount), 0) FROM posting p JOIN journal_entry e ON e.id = p.entry_id
                             WHERE p.account = 'merchant_payable:' || m.id AND p.asset = $2
                               AND (p.amount < 0 OR e.created_at < $3)) AS due_before
                      FROM m)
                SELECT b.id, b.payable, b.due_before, a.address, a.threshold,
                       (SELECT max(o.created_at) FROM payout_item i JOIN payout o ON o.id = i.payout_id
                         WHERE i.merchant_id = b.id AND o.network = $1 AND i.state = 'failed') AS last_failure
                  FROM b LEFT JOIN payout_account a ON a.merchant_id = b.id AND a.network = $1
                 WHERE b.payable > 0
                 ORDER BY b.payable DESC, b.id""")
                .execute(Tuple.of(network, postingAsset, periodStart.atOffset(ZoneOffset.UTC)))
                .map(rows -> {
                    List<Candidate> out = new ArrayList<>();
                    rows.forEach(r -> out.add(new Candidate(r.getUUID("id"), big(r, "payable"), big(r, "due_before"),
                            r.getString("address"), r.getString("threshold"), r.getOffsetDateTime("last_failure"))));
                    return out;
                });
    }

    /** A merchant's balance of one asset: owed, and the part in a payout not finished yet. */
    public record Balance(String asset, BigInteger payable, BigInteger inPayout, BigInteger paidOut) {
    }

    /** A merchant's payable balances by posting asset. */
    public Uni<List<Balance>> balances(UUID merchantId) {
        return pool.preparedQuery("""
                WITH assets AS (
                    SELECT asset FROM posting WHERE account = $1 GROUP BY asset)
                SELECT a.asset,
                       (SELECT coalesce(sum(amount), 0) FROM posting WHERE account = $1 AND asset = a.asset) AS payable,
                       (SELECT coalesce(sum(i.amount), 0) FROM payout_item i JOIN payout o ON o.id = i.payout_id
                         WHERE i.merchant_id = $2 AND i.state = 'pending' AND o.state IN ('prepared', 'broadcast', 'held')
                           AND o.network || ':' || lower(o.asset) = a.asset) AS in_payout,
                       (SELECT coalesce(-sum(amount), 0) FROM posting WHERE account = $1 AND asset = a.asset
                           AND amount < 0) AS paid_out
                  FROM assets a ORDER BY a.asset""")
                .execute(Tuple.of(TreasuryAccounts.payable(merchantId), merchantId)).map(rows -> {
                    List<Balance> out = new ArrayList<>();
                    rows.forEach(r -> out.add(new Balance(r.getString("asset"), big(r, "payable"), big(r, "in_payout"),
                            big(r, "paid_out"))));
                    return out;
                });
    }

    /** The balance of one account in one asset. */
    public Uni<BigInteger> accountBalance(String account, String postingAsset) {
        return pool.preparedQuery("SELECT coalesce(sum(amount), 0) AS b FROM posting WHERE account = $1 AND asset = $2")
                .execute(Tuple.of(account, postingAsset)).map(rows -> big(rows.iterator().next(), "b"));
    }

    /** The posting assets the treasury of a network has ever held. */
    public Uni<List<String>> custodyAssets(String network, String treasury) {
        return pool.preparedQuery("SELECT asset FROM posting WHERE account = $1 GROUP BY asset ORDER BY asset")
                .execute(Tuple.of(TreasuryAccounts.custody(network, treasury))).map(rows -> {
                    List<String> out = new ArrayList<>();
                    rows.forEach(r -> out.add(r.getString("asset")));
                    return out;
                });
    }

    /** The amounts of payments into the treasury still settling: on chain perhaps, in the ledger not yet. */
    public Uni<BigInteger> settlingInto(String network, String treasury, String asset) {
        return pool.preparedQuery("""
                SELECT coalesce(sum(amount), 0) AS s FROM payment
                 WHERE state = 'settling' AND network = $1 AND lower(asset) = lower($3) AND lower(pay_to) = lower($2)""")
                .execute(Tuple.of(network, treasury, asset)).map(rows -> big(rows.iterator().next(), "s"));
    }

    // ------------------------------------------------------------------ payouts

    /** A payout's transfer as stored. */
    public record Item(int position, UUID merchantId, String address, BigInteger amount, Integer chainIndex,
            String state, String txId, String failureReason) {
    }

    /** A signed version of a payout's transaction. */
    public record Version(int version, String txId, byte[] signed, OffsetDateTime createdAt) {
    }

    /** A payout as stored. */
    public record Payout(UUID id, String network, String asset, String treasury, String state, long sequence,
            String txId, BigInteger networkFee, String feeAsset, String reason, String createdBy,
            OffsetDateTime createdAt, OffsetDateTime broadcastAt, OffsetDateTime finishedAt, List<Item> items,
            List<Version> versions) {
    }

    /** A new payout: its signed transaction (null when every transfer was left out) and its transfers. */
    public record NewPayout(UUID id, String network, String asset, String treasury, long sequence, Version signed,
            List<Item> items, String createdBy) {
    }

    /**
     * Stores a payout with its signed transaction and transfers, in one transaction, before anything is
     * sent. False (nothing written) when the network already has an unfinished payout: then this one
     * must never be sent. A payout whose transfers were all left out is stored as failed.
     */
    public Uni<Boolean> create(NewPayout p) {
        boolean empty = p.signed() == null;
        return pool.withTransaction(conn -> conn.preparedQuery("""
                INSERT INTO payout (id, network, asset, treasury, state, sequence, created_by, reason, finished_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""")
                .execute(Tuple.from(new Object[] {p.id(), p.network(), p.asset(), p.treasury(),
                        empty ? "failed" : "prepared", p.sequence(), p.createdBy(),
                        empty ? "every transfer was left out" : null,
                        empty ? OffsetDateTime.now(ZoneOffset.UTC) : null}))
                .chain(() -> {
                    List<Tuple> items = p.items().stream().map(i -> Tuple.from(new Object[] {p.id(), (short) i.position(),
                            i.merchantId(), i.address(), new BigDecimal(i.amount()),
                            i.chainIndex() == null ? null : i.chainIndex().shortValue(), i.state(), i.txId(),
                            i.failureReason()})).toList();
                    return conn.preparedQuery("""
                            INSERT INTO payout_item (payout_id, position, merchant_id, address, amount, chain_index, state,
                                                     tx_id, failure_reason)
                            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""").executeBatch(items);
                })
                .chain(() -> empty ? Uni.createFrom().voidItem() : addVersion(conn, p.id(), p.signed()))
                .replaceWith(true))
                .onFailure(e -> e instanceof PgException pg && "23505".equals(pg.getSqlState())
                        && String.valueOf(pg.getConstraint()).equals("payout_one_open_per_network"))
                .recoverWithItem(false);
    }

    private static Uni<Void> addVersion(SqlClient client, UUID payout, Version v) {
        return client.preparedQuery("INSERT INTO payout_transaction (payout_id, version, tx_id, signed) VALUES ($1, $2, $3, $4)")
                .execute(Tuple.of(payout, (short) v.version(), v.txId(), io.vertx.core.buffer.Buffer.buffer(v.signed())))
                .replaceWithVoid();
    }

    /** Stores another signed version of an unfinished payout (before it is sent); false when it is finished. */
    public Uni<Boolean> addVersion(UUID payout, Version v) {
        return pool.withTransaction(conn -> conn.preparedQuery(
                        "SELECT 1 FROM payout WHERE id = $1 AND state IN ('prepared', 'broadcast') FOR UPDATE")
                .execute(Tuple.of(payout))
                .chain(rows -> rows.size() == 0 ? Uni.createFrom().item(false)
                        : addVersion(conn, payout, v).replaceWith(true)));
    }

    /** prepared to broadcast (a node took it); false when it was not prepared. */
    public Uni<Boolean> markBroadcast(UUID payout) {
        return pool.preparedQuery("""
                UPDATE payout SET state = 'broadcast', broadcast_at = coalesce(broadcast_at, now())
                 WHERE id = $1 AND state = 'prepared'""")
                .execute(Tuple.of(payout)).map(rows -> rows.rowCount() == 1);
    }

    /** The outcome of one transfer of an executed payout. */
    public record Outcome(int position, boolean paid, String failure) {
    }

    /**
     * Records an executed payout in one transaction: its transaction and network fee, each transfer's
     * outcome, and its journal entry (the paid transfers and the fee). False (nothing written) when it
     * was already finished by someone else.
     */
    public Uni<Boolean> confirm(UUID payout, String txId, BigInteger networkFee, String feeAsset, List<Outcome> outcomes,
            List<Posting> postings) {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                UPDATE payout SET state = 'confirmed', tx_id = $2, network_fee = $3, fee_asset = $4, finished_at = now()
                 WHERE id = $1 AND state IN ('prepared', 'broadcast', 'held') RETURNING network""")
                .execute(Tuple.of(payout, txId, new BigDecimal(networkFee), feeAsset))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    String network = rows.iterator().next().getString("network");
                    List<Tuple> updates = outcomes.stream().map(o -> Tuple.of(payout, (short) o.position(),
                            o.paid() ? "paid" : "failed", o.failure())).toList();
                    Uni<Void> items = updates.isEmpty() ? Uni.createFrom().voidItem() : conn.preparedQuery("""
                            UPDATE payout_item SET state = $3, failure_reason = $4, tx_id = coalesce(tx_id, $5)
                             WHERE payout_id = $1 AND position = $2 AND state = 'pending'""")
                            .executeBatch(updates.stream().map(t -> t.addString(txId)).toList()).replaceWithVoid();
                    return items.chain(() -> postings.isEmpty() ? Uni.createFrom().voidItem()
                            : PaymentRepository.journal(conn, "payout", null, "payout:" + payout, network, txId,
                                    postings).replaceWithVoid())
                            .replaceWith(true);
                }));
    }

    /** The chain can never execute the payout: failed, every pending transfer with it; nothing moved. */
    public Uni<Boolean> fail(UUID payout, String reason) {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                UPDATE payout SET state = 'failed', reason = $2, finished_at = now()
                 WHERE id = $1 AND state IN ('prepared', 'broadcast', 'held')""")
                .execute(Tuple.of(payout, reason))
                .chain(rows -> rows.rowCount() == 0 ? Uni.createFrom().item(false)
                        : conn.preparedQuery("""
                                UPDATE payout_item SET state = 'failed', failure_reason = $2
                                 WHERE payout_id = $1 AND state = 'pending'""")
                                .execute(Tuple.of(payout, "not executed: " + reason)).replaceWith(true)));
    }

    /** Undecidable from the chain: held for an operator; the network pays nothing out until then. */
    public Uni<Boolean> hold(UUID payout, String reason) {
        return pool.preparedQuery("UPDATE payout SET state = 'held', reason = $2 WHERE id = $1 AND state IN ('prepared', 'broadcast')")
                .execute(Tuple.of(payout, reason)).map(rows -> rows.rowCount() == 1);
    }

    private static final String PAYOUT_COLUMNS = "id, network, asset, treasury, state, sequence, tx_id, network_fee, "
            + "fee_asset, reason, created_by, created_at, broadcast_at, finished_at";

    /** The unfinished payout of a network (prepared, broadcast or held), with its transfers and versions. */
    public Uni<Optional<Payout>> unfinished(String network) {
        return pool.preparedQuery("SELECT " + PAYOUT_COLUMNS + " FROM payout WHERE network = $1 "
                        + "AND state IN ('prepared', 'broadcast', 'held')")
                .execute(Tuple.of(network))
                .chain(rows -> rows.size() == 0 ? Uni.createFrom().item(Optional.<Payout>empty())
                        : full(rows.iterator().next()).map(Optional::of));
    }

    /** One payout with its transfers and versions. */
    public Uni<Optional<Payout>> payout(UUID id) {
        return pool.preparedQuery("SELECT " + PAYOUT_COLUMNS + " FROM payout WHERE id = $1").execute(Tuple.of(id))
                .chain(rows -> rows.size() == 0 ? Uni.createFrom().item(Optional.<Payout>empty())
                        : full(rows.iterator().next()).map(Optional::of));
    }

    /** The newest payouts (optionally of one state), with their transfers (not their signed bytes). */
    public Uni<List<Payout>> payouts(String state, int limit) {
        return pool.preparedQuery("SELECT " + PAYOUT_COLUMNS + " FROM payout WHERE ($1::text IS NULL OR state = $1) "
                        + "ORDER BY created_at DESC, id LIMIT $2")
                .execute(Tuple.of(state, limit))
                .chain(rows -> {
                    List<Uni<Payout>> each = new ArrayList<>();
                    rows.forEach(r -> each.add(full(r).map(p -> new Payout(p.id(), p.network(), p.asset(), p.treasury(),
                            p.state(), p.sequence(), p.txId(), p.networkFee(), p.feeAsset(), p.reason(), p.createdBy(),
                            p.createdAt(), p.broadcastAt(), p.finishedAt(), p.items(), List.of()))));
                    return each.isEmpty() ? Uni.createFrom().item(List.<Payout>of()) : Uni.join().all(each).andFailFast();
                });
    }

    private Uni<Payout> full(Row r) {
        UUID id = r.getUUID("id");
        Uni<List<Item>> items = pool.preparedQuery("""
                SELECT position, merchant_id, address, amount, chain_index, state, tx_id, failure_reason
                  FROM payout_item WHERE payout_id = $1 ORDER BY position""")
                .execute(Tuple.of(id)).map(rows -> {
                    List<Item> out = new ArrayList<>();
                    rows.forEach(i -> out.add(new Item(i.getShort("position"), i.getUUID("merchant_id"),
                            i.getString("address"), big(i, "amount"),
                            i.getShort("chain_index") == null ? null : (int) i.getShort("chain_index"),
                            i.getString("state"), i.getString("tx_id"), i.getString("failure_reason"))));
                    return out;
                });
        Uni<List<Version>> versions = pool.preparedQuery("""
                SELECT version, tx_id, signed, created_at FROM payout_transaction WHERE payout_id = $1 ORDER BY version""")
                .execute(Tuple.of(id)).map(rows -> {
                    List<Version> out = new ArrayList<>();
                    rows.forEach(v -> out.add(new Version(v.getShort("version"), v.getString("tx_id"),
                            v.getBuffer("signed").getBytes(), v.getOffsetDateTime("created_at"))));
                    return out;
                });
        return Uni.combine().all().unis(items, versions).asTuple().map(t -> new Payout(id, r.getString("network"),
                r.getString("asset"), r.getString("treasury"), r.getString("state"), r.getLong("sequence"),
                r.getString("tx_id"), r.getBigDecimal("network_fee") == null ? null
                        : r.getBigDecimal("network_fee").toBigIntegerExact(),
                r.getString("fee_asset"), r.getString("reason"), r.getString("created_by"),
                r.getOffsetDateTime("created_at"), r.getOffsetDateTime("broadcast_at"),
                r.getOffsetDateTime("finished_at"), t.getItem1(), t.getItem2()));
    }

    /** A merchant's payout transfer, as the merchant API shows it. */
    public record MerchantPayout(UUID payoutId, String network, String asset, String address, BigInteger amount,
            String state, String payoutState, String txId, String failureReason, OffsetDateTime createdAt,
            OffsetDateTime finishedAt) {
    }

    /** A merchant's payout transfers, newest first. */
    public Uni<List<MerchantPayout>> merchantPayouts(UUID merchantId, int limit) {
        return merchantPayouts(merchantId, limit, null, null);
    }

    /** {@link #merchantPayouts(UUID, int)} of the payouts made in {@code [from, to)} (both null: any time). */
    public Uni<List<MerchantPayout>> merchantPayouts(UUID merchantId, int limit, OffsetDateTime from, OffsetDateTime to) {
        return pool.preparedQuery("""
                SELECT o.id, o.network, o.asset, i.address, i.amount, i.state, o.state AS payout_state,
                       coalesce(i.tx_id, o.tx_id) AS tx_id, i.failure_reason, o.created_at, o.finished_at
                  FROM payout_item i JOIN payout o ON o.id = i.payout_id
                 WHERE i.merchant_id = $1 AND ($3::timestamptz IS NULL OR o.created_at >= $3)
                   AND ($4::timestamptz IS NULL OR o.created_at < $4)
                 ORDER BY o.created_at DESC, o.id LIMIT $2""")
                .execute(Tuple.of(merchantId, limit, from, to)).map(rows -> {
                    List<MerchantPayout> out = new ArrayList<>();
                    rows.forEach(r -> out.add(new MerchantPayout(r.getUUID("id"), r.getString("network"),
                            r.getString("asset"), r.getString("address"), big(r, "amount"), r.getString("state"),
                            r.getString("payout_state"), r.getString("tx_id"), r.getString("failure_reason"),
                            r.getOffsetDateTime("created_at"), r.getOffsetDateTime("finished_at"))));
                    return out;
                });
    }

    // ------------------------------------------------------------------ hygiene

    /** The last hygiene check of one asset of a treasury. */
    public record Check(String network, String asset, String status, BigInteger chainBalance, BigInteger ledgerBalance,
            BigInteger settling, String detail, OffsetDateTime checkedAt, OffsetDateTime mismatchSince,
            OffsetDateTime clearedAt, String clearedBy, String clearedNote) {
        /** Whether payouts of this asset are stopped. */
        public boolean mismatch() {
            return "mismatch".equals(status);
        }
    }

    private static Check check(Row r) {
        return new Check(r.getString("network"), r.getString("asset"), r.getString("status"), big(r, "chain_balance"),
                big(r, "ledger_balance"), big(r, "settling"), r.getString("detail"), r.getOffsetDateTime("checked_at"),
                r.getOffsetDateTime("mismatch_since"), r.getOffsetDateTime("cleared_at"), r.getString("cleared_by"),
                r.getString("cleared_note"));
    }

    /**
     * Records a comparison. A mismatch stays one until an operator clears it, whatever later checks
     * find: payouts stop for the asset until someone has looked.
     */
    public Uni<Check> recordCheck(String network, String asset, boolean matches, BigInteger chain, BigInteger ledger,
            BigInteger settling, String detail) {
        return pool.preparedQuery("""
                INSERT INTO treasury_check (network, asset, status, chain_balance, ledger_balance, settling, detail,
                                            checked_at, mismatch_since)
                VALUES ($1, $2, CASE WHEN $3 THEN 'ok' ELSE 'mismatch' END, $4, $5, $6, $7, now(),
                        CASE WHEN $3 THEN NULL ELSE now() END)
                ON CONFLICT (network, asset) DO UPDATE
                   SET chain_balance = EXCLUDED.chain_balance, ledger_balance = EXCLUDED.ledger_balance,
                       settling = EXCLUDED.settling, checked_at = now(),
                       detail = CASE WHEN treasury_check.status = 'mismatch' AND $3 THEN treasury_check.detail
                                     ELSE EXCLUDED.detail END,
                       status = CASE WHEN treasury_check.status = 'mismatch' THEN 'mismatch' ELSE EXCLUDED.status END,
                       mismatch_since = CASE WHEN treasury_check.status = 'mismatch' THEN treasury_check.mismatch_since
                                             ELSE EXCLUDED.mismatch_since END
                RETURNING *""")
                .execute(Tuple.from(new Object[] {network, asset, matches, new BigDecimal(chain), new BigDecimal(ledger),
                        new BigDecimal(settling), detail}))
                .map(rows -> check(rows.iterator().next()));
    }

    /** Every treasury check. */
    public Uni<List<Check>> checks() {
        return pool.query("SELECT * FROM treasury_check ORDER BY network, asset").execute().map(rows -> {
            List<Check> out = new ArrayList<>();
            rows.forEach(r -> out.add(check(r)));
            return out;
        });
    }

    /** The check of one asset. */
    public Uni<Optional<Check>> check(String network, String asset) {
        return pool.preparedQuery("SELECT * FROM treasury_check WHERE network = $1 AND asset = $2")
                .execute(Tuple.of(network, asset))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(check(rows.iterator().next())));
    }

    /**
     * An operator clears a mismatch; with {@code adjustment} the difference is booked first (custody
     * moves to the chain's figure against {@link TreasuryAccounts#ADJUSTMENT}). False when there was
     * no mismatch.
     */
    public Uni<Boolean> clear(String network, String treasury, String asset, String by, String note,
            Optional<BigInteger> adjustment) {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                UPDATE treasury_check SET status = 'ok', mismatch_since = NULL, cleared_at = now(), cleared_by = $3,
                       cleared_note = $4
                 WHERE network = $1 AND asset = $2 AND status = 'mismatch' RETURNING cleared_at""")
                .execute(Tuple.of(network, asset, by, note))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    if (adjustment.isEmpty() || adjustment.get().signum() == 0) {
                        return Uni.createFrom().item(true);
                    }
                    String key = "treasury-adjustment:" + network + ":" + asset + ":" + rows.iterator().next()
                            .getOffsetDateTime("cleared_at");
                    return PaymentRepository.journal(conn, "adjustment", null, key, network, null,
                            TreasuryAccounts.adjustment(network, treasury, asset.substring(network.length() + 1),
                                    adjustment.get())).replaceWith(true);
                }));
    }

    // ------------------------------------------------------------------ job lease

    /** Takes (or renews) the payout job's lease for {@code owner}; false while another owner holds it. */
    public Uni<Boolean> lease(String owner, Duration lease) {
        return pool.preparedQuery("""
                UPDATE treasury_job_lease SET owner = $1, lease_until = now() + $2 * interval '1 millisecond'
                 WHERE name = 'payouts' AND (owner IS NULL OR owner = $1 OR lease_until < now())""")
                .execute(Tuple.of(owner, lease.toMillis())).map(rows -> rows.rowCount() == 1);
    }

    /** Gives the lease back after a run. */
    public Uni<Void> release(String owner) {
        return pool.preparedQuery("""
                UPDATE treasury_job_lease SET owner = NULL, lease_until = NULL, last_run_at = now()
                 WHERE name = 'payouts' AND owner = $1""")
                .execute(Tuple.of(owner)).replaceWithVoid();
    }

    private static BigInteger big(Row r, String column) {
        BigDecimal d = r.getBigDecimal(column);
        return d == null ? null : d.toBigIntegerExact();
    }
}
