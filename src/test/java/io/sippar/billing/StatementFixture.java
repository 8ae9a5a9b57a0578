package io.sippar.billing;

import io.sippar.fees.Fee;
import io.sippar.gateway.FeeBook;
import io.sippar.ledger.MerchantRepository;
import io.sippar.ledger.NewPayment;
import io.sippar.ledger.PaymentRepository;
import io.sippar.ledger.PaymentState;
import io.sippar.ledger.Posting;
import io.sippar.ledger.Reservation;
import io.sippar.pricing.Asset;
import io.sippar.pricing.AssetRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Records settled payments through the real ledger path (reserve, verify, settling, settle with the
 * fee of the real schedule, journal entry, usage), dated as a test needs, for merchants created when
 * a test needs (a statement exists only for months the merchant existed in).
 */
@ApplicationScoped
public class StatementFixture {

    static final Duration WAIT = Duration.ofSeconds(120);

    /** A stablecoin on a network the gateway knows, with a payer and a payee. */
    public record Rail(String network, String asset) {
    }

    public static final Rail ANVIL = new Rail("eip155:31337", "0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9");
    public static final Rail BASE = new Rail("eip155:8453", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
    public static final Rail BASE_SEPOLIA = new Rail("eip155:84532", "0x036CbD53842c5426634e7929541eC2318f3dCF7e");
    public static final Rail ALGORAND_TESTNET = new Rail("algorand:SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=",
            "10458941");

    private static final String PAYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    private static final String PAY_TO = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

    private final PaymentRepository payments;
    private final MerchantRepository merchants;
    private final FeeBook fees;
    private final AssetRegistry assets;
    private final Pool pool;

    public StatementFixture(PaymentRepository payments, MerchantRepository merchants, FeeBook fees,
            AssetRegistry assets, Pool pool) {
        this.payments = payments;
        this.merchants = merchants;
        this.fees = fees;
        this.assets = assets;
        this.pool = pool;
    }

    /** A new merchant that has existed since {@code createdAt}, on {@code plan} from then (the plans' trigger). */
    public UUID merchant(String prefix, String plan, OffsetDateTime createdAt) {
        String slug = prefix + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
        return pool.preparedQuery("INSERT INTO merchant (slug, name, plan, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .execute(Tuple.of(slug, "Merchant " + slug, plan, createdAt)).await().atMost(WAIT)
                .iterator().next().getUUID("id");
    }

    /** One stretch of a plan history to write with {@link #history}. */
    public record Segment(String plan, Integer commitmentYears, OffsetDateTime from, OffsetDateTime to) {
    }

    /**
     * Replaces a merchant's plan history (including its past, which the API never rewrites) through the
     * plans' documented operator repair switch, to put a test merchant on plans it "had" in past months.
     */
    public void history(UUID merchant, Segment... segments) {
        pool.withTransaction(conn -> conn.query("SET LOCAL sippar.billing_history_repair = 'on'").execute()
                .chain(() -> conn.preparedQuery("DELETE FROM merchant_subscription WHERE merchant_id = $1")
                        .execute(Tuple.of(merchant)))
                .chain(() -> conn.preparedQuery("""
                        INSERT INTO merchant_subscription (merchant_id, plan_id, commitment_years, effective_from,
                                                           effective_to, source, requested_by)
                        VALUES ($1, $2, $3, $4, $5, 'migration', 'test history')""")
                        .executeBatch(java.util.Arrays.stream(segments).map(seg -> Tuple.from(new Object[] {merchant,
                                seg.plan(), seg.commitmentYears() == null ? null : seg.commitmentYears().shortValue(),
                                seg.from(), seg.to()})).toList())))
                .await().atMost(WAIT);
    }

    /**
     * {@code n} settled payments of {@code merchant} in one asset, written set-wise in SQL (payments,
     * their journal entries, balanced postings and the usage counter, as the settlement path writes
     * them), spread evenly over [from, to), amounts cycling through {@code amounts} with the real
     * schedule's fee for each. Batches of 50,000 per transaction.
     */
    public void bulk(UUID merchant, Rail rail, long[] amounts, int n, OffsetDateTime from, OffsetDateTime to) {
        bulk(merchant, rail, amounts, n, from, to, false);
    }

    /**
     * {@link #bulk(UUID, Rail, long[], int, OffsetDateTime, OffsetDateTime)}; with {@code fast} the rows
     * are written with the triggers off (session_replication_role = replica: no per-row balance, billing
     * or foreign-key triggers), billed in their own month (which must be open), and the invariants
     * those triggers guard are then checked set-wise: every entry balances, one settlement entry per
     * payment, every payment billed. For the million-payment benchmark month.
     */
    public void bulk(UUID merchant, Rail rail, long[] amounts, int n, OffsetDateTime from, OffsetDateTime to,
            boolean fast) {
        Asset asset = assets.find(rail.network(), Optional.of(rail.asset())).orElseThrow();
        java.math.BigDecimal[] amount = new java.math.BigDecimal[amounts.length];
        java.math.BigDecimal[] feeAtomic = new java.math.BigDecimal[amounts.length];
        java.math.BigDecimal[] feeUsd = new java.math.BigDecimal[amounts.length];
        String[] band = new String[amounts.length];
        String[] rule = new String[amounts.length];
        String version = null;
        String plan = pool.preparedQuery("SELECT plan FROM merchant WHERE id = $1").execute(Tuple.of(merchant))
                .await().atMost(WAIT).iterator().next().getString("plan");
        // the merchant's plain terms at the start of the range, priced by the gateway's own FeeBook
        io.sippar.ledger.SettlementTerms terms = new io.sippar.ledger.SettlementTerms(merchant, from.toInstant(),
                fees.schedules().requireInForceAt(from.toInstant()).version(), plan, null, "standard", false, 0);
        for (int i = 0; i < amounts.length; i++) {
            Fee fee = fees.price(terms, Optional.of(asset), BigInteger.valueOf(amounts[i]), rail.network())
                    .await().atMost(WAIT);
            amount[i] = new java.math.BigDecimal(amounts[i]);
            feeAtomic[i] = new java.math.BigDecimal(fee.atomic());
            feeUsd[i] = fee.usd();
            band[i] = fee.band();
            rule[i] = fee.rule();
            version = fee.scheduleVersion();
        }
        String tag = "bulk:" + UUID.randomUUID() + ":";
        String ledgerAsset = rail.network() + ":" + rail.asset().toLowerCase(Locale.ROOT);
        long stepMicros = Math.max(1, java.time.Duration.between(from, to).toNanos() / 1000 / n);
        int batch = 50_000;
        for (int first = 0; first < n; first += batch) {
            int last = Math.min(n, first + batch) - 1;
            String feeVersion = version;
            int k = amounts.length;
            int from0 = first;
            pool.withTransaction(conn -> conn.query(fast ? "SET LOCAL session_replication_role = replica" : "SELECT 1")
                    .execute().chain(() -> conn.preparedQuery("""
                    WITH ins AS (
                        INSERT INTO payment (merchant_id, x402_version, scheme, network, asset, payer, pay_to, amount,
                                             chain_ref, state, tx_hash, settled_at, fee_atomic, fee_usd, fee_band,
                                             fee_schedule_version, fee_rule, billed_period)
                        SELECT $1, 2, 'exact', $2, $3, $4, $5, ($6::numeric[])[1 + g % $7], $8 || g, 'settled',
                               '0x' || md5($8 || g) || md5(g || $8), t, ($11::numeric[])[1 + g % $7],
                               ($12::numeric[])[1 + g % $7], ($13::text[])[1 + g % $7], $14, ($15::text[])[1 + g % $7],
                               CASE WHEN $19 THEN date_trunc('month', t AT TIME ZONE 'UTC')::date END
                          FROM generate_series($16::int, $17::int) AS g,
                               LATERAL (SELECT $9::timestamptz + g * ($10 * interval '1 microsecond') AS t) AS at
                        RETURNING id, network, tx_hash, amount, fee_atomic, fee_usd, settled_at),
                    counted AS (
                        INSERT INTO merchant_usage (merchant_id, period_start, transactions, fees_usd)
                        SELECT $1, date_trunc('month', settled_at AT TIME ZONE 'UTC')::date, count(*), sum(fee_usd)
                          FROM ins GROUP BY 2
                        ON CONFLICT (merchant_id, period_start) DO UPDATE
                           SET transactions = merchant_usage.transactions + EXCLUDED.transactions,
                               fees_usd = merchant_usage.fees_usd + EXCLUDED.fees_usd),
                    entries AS (
                        INSERT INTO journal_entry (kind, payment_id, idempotency_key, network, tx_hash)
                        SELECT 'settlement', id, 'settlement:' || id, network, tx_hash FROM ins
                        RETURNING id, payment_id)
                    INSERT INTO posting (entry_id, account, asset, amount)
                    SELECT e.id, line.account, $18, line.amount
                      FROM entries e JOIN ins ON ins.id = e.payment_id
                     CROSS JOIN LATERAL (VALUES ('payer:' || $2 || ':' || lower($4), -ins.amount),
                                                ('merchant:' || $1::text, ins.amount),
                                                ('merchant:' || $1::text, -ins.fee_atomic),
                                                ('gateway:fee_revenue', ins.fee_atomic)) AS line (account, amount)
                     WHERE line.amount <> 0""")
                    .execute(Tuple.from(new Object[] {merchant, rail.network(), rail.asset(), PAYER, PAY_TO, amount, k,
                            tag, from, stepMicros, feeAtomic, feeUsd, band, feeVersion, rule, from0, last, ledgerAsset,
                            fast})))
                    .replaceWithVoid())
                    .await().atMost(WAIT);
        }
        if (fast) {
            Row check = pool.preparedQuery("""
                    SELECT (SELECT count(*) FROM payment WHERE merchant_id = $1 AND chain_ref LIKE $2 || '%'
                               AND billed_period IS NOT NULL) AS billed,
                           (SELECT count(*) FROM journal_entry j JOIN payment p ON p.id = j.payment_id
                             WHERE p.merchant_id = $1 AND p.chain_ref LIKE $2 || '%' AND j.kind = 'settlement') AS entries,
                           (SELECT count(*) FROM (SELECT po.entry_id FROM posting po
                                JOIN journal_entry j ON j.id = po.entry_id JOIN payment p ON p.id = j.payment_id
                               WHERE p.merchant_id = $1 AND p.chain_ref LIKE $2 || '%'
                               GROUP BY po.entry_id, po.asset HAVING sum(po.amount) <> 0) u) AS unbalanced""")
                    .execute(Tuple.of(merchant, tag)).await().atMost(WAIT).iterator().next();
            if (check.getLong("billed") != n || check.getLong("entries") != n || check.getLong("unbalanced") != 0) {
                throw new AssertionError("bulk payments break the ledger invariants: " + check.toJson());
            }
        }
    }

    /** Reserves a payment and moves it to settling, as the gateway does before broadcasting. */
    public Uni<UUID> settling(UUID merchant, Rail rail, BigInteger amount) {
        byte[] nonce = new byte[32];
        ThreadLocalRandom.current().nextBytes(nonce);
        NewPayment p = new NewPayment(merchant, null, 2, "exact", rail.network(), rail.asset(), PAYER, PAY_TO, amount,
                "0x" + HexFormat.of().formatHex(nonce), null);
        return payments.reserve(p).map(r -> ((Reservation.Reserved) r).paymentId())
                .call(id -> payments.transition(id, PaymentState.RESERVED, PaymentState.VERIFIED))
                .call(id -> payments.transition(id, PaymentState.VERIFIED, PaymentState.SETTLING));
    }

    /** Records the settlement of a settling payment, dated {@code settledAt} (null: now), priced as the gateway prices it. */
    public Uni<Boolean> settle(UUID paymentId, UUID merchant, Rail rail, BigInteger amount, OffsetDateTime settledAt) {
        Optional<Asset> asset = assets.find(rail.network(), Optional.of(rail.asset()));
        String ledgerAsset = rail.network() + ":" + rail.asset().toLowerCase(Locale.ROOT);
        return payments.settle(paymentId, rail.network(), tx(), terms -> fees.price(terms, asset, amount, rail.network()),
                fee -> {
                    List<Posting> lines = new ArrayList<>(List.of(
                            new Posting("payer:" + rail.network() + ":" + PAYER.toLowerCase(Locale.ROOT), ledgerAsset,
                                    amount.negate()),
                            new Posting("merchant:" + merchant, ledgerAsset, amount)));
                    if (fee.atomic().signum() > 0) {
                        lines.add(new Posting("merchant:" + merchant, ledgerAsset, fee.atomic().negate()));
                        lines.add(new Posting("gateway:fee_revenue", ledgerAsset, fee.atomic()));
                    }
                    return lines;
                }, settledAt);
    }

    /** One settled payment, dated {@code settledAt}. */
    public UUID paid(UUID merchant, Rail rail, BigInteger amount, OffsetDateTime settledAt) {
        UUID id = settling(merchant, rail, amount).await().atMost(WAIT);
        if (!settle(id, merchant, rail, amount, settledAt).await().atMost(WAIT)) {
            throw new AssertionError("payment " + id + " was not settled");
        }
        return id;
    }

    /** A random 32-byte transaction hash. */
    static String tx() {
        byte[] b = new byte[32];
        ThreadLocalRandom.current().nextBytes(b);
        return "0x" + HexFormat.of().formatHex(b);
    }

    /** The statement period {@code monthsBack} months before the current one. */
    static StatementPeriod monthsAgo(int monthsBack) {
        return new StatementPeriod(java.time.YearMonth.now(java.time.ZoneOffset.UTC).minusMonths(monthsBack));
    }

    /** An instant inside a period: its first day plus {@code days} and {@code hours}. */
    static OffsetDateTime in(StatementPeriod p, int days, int hours) {
        return p.start().plusDays(days).plusHours(hours);
    }
}
