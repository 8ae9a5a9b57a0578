package io.sippar.billing;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * SQL for statements: the month's aggregates over {@code payment} (grouped in the database, never
 * row by row in Java), the frozen statements and their lines, the close under its lock, and the
 * payments behind a statement page by page.
 */
@ApplicationScoped
public class StatementRepository {

    /** One payment behind a statement, with what traces it to the chain and the journal. */
    public record PaymentLine(UUID paymentId, OffsetDateTime settledAt, StatementPeriod settledPeriod, String network,
            String asset, String payer, BigInteger amountAtomic, BigInteger feeAtomic, BigDecimal feeUsd,
            String feeBand, String feeRule, String feeScheduleVersion, String txHash, Long journalEntryId) {
    }

    /** The header of a closed statement, for listings. */
    public record ClosedSummary(StatementPeriod period, OffsetDateTime closedAt, long transactions,
            BigDecimal totalDueUsd) {
    }

    private static final String LINE_COLUMNS = "position, section, kind, description, period_start, band, network, "
            + "asset, decimals, transactions, volume_atomic, fee_atomic, quantity, unit_price_usd, amount_usd";

    /** A month's payments grouped by asset and band: $1 merchant, $2 month, $3 its first instant. */
    static final String CELLS_SQL = """
                SELECT NULL::date AS late, network, asset, fee_band, count(*) AS n, sum(amount) AS volume,
                       sum(fee_atomic) AS fee_atomic, coalesce(sum(fee_usd), 0) AS fee_usd,
                       coalesce(sum(fee_usd) FILTER (WHERE treasury), 0) AS withheld_usd
                  FROM payment
                 WHERE merchant_id = $1 AND billed_period = $2 AND state = 'settled' AND settled_at >= $3
                 GROUP BY network, asset, fee_band
                UNION ALL
                SELECT date_trunc('month', settled_at AT TIME ZONE 'UTC')::date, network, asset, fee_band, count(*),
                       sum(amount), sum(fee_atomic), coalesce(sum(fee_usd), 0),
                       coalesce(sum(fee_usd) FILTER (WHERE treasury), 0)
                  FROM payment
                 WHERE merchant_id = $1 AND billed_period = $2 AND state = 'settled' AND settled_at < $3
                 GROUP BY 1, network, asset, fee_band""";

    /** A keyset page of a statement's payments: $1 merchant, $2 month, ($3, $4) after, $5 limit. */
    static final String PAGE_SQL = """
                SELECT p.id, p.settled_at, p.network, p.asset, p.payer, p.amount, p.fee_atomic, p.fee_usd,
                       p.fee_band, p.fee_rule, p.fee_schedule_version, p.tx_hash, j.id AS journal_entry_id
                  FROM payment p
                  LEFT JOIN journal_entry j ON j.payment_id = p.id AND j.kind = 'settlement'
                 WHERE p.merchant_id = $1 AND p.billed_period = $2 AND p.state = 'settled'
                   AND (p.settled_at, p.id) > ($3, $4)
                 ORDER BY p.settled_at, p.id
                 LIMIT $5""";

    private final Pool pool;
    private final StatementsConfig config;

    public StatementRepository(Pool pool, StatementsConfig config) {
        this.pool = pool;
        this.config = config;
    }

    /**
     * Runs {@code work} in one transaction whose statements the database cancels after the configured
     * query timeout, so no statement or analytics query can hold a connection indefinitely.
     */
    public <T> Uni<T> inTransaction(Function<SqlConnection, Uni<T>> work) {
        return pool.withTransaction(conn -> conn.query("SET LOCAL statement_timeout = "
                + Math.max(1, config.queryTimeout().toMillis())).execute().chain(() -> work.apply(conn)));
    }

    /**
     * The month's payments grouped by asset and band; payments of earlier (closed) months charged on
     * this statement come back with their own month as {@code latePeriod}. Two index range scans on
     * {@code payment_billed} (the month's own settlements, then the few late ones), grouped on the raw
     * columns so the database hashes instead of sorting a million rows; asset spelling is merged here.
     */
    Uni<List<StatementCalculator.Cell>> cells(SqlClient c, UUID merchantId, StatementPeriod period) {
        return c.preparedQuery(CELLS_SQL)
                .execute(Tuple.of(merchantId, period.firstDay(), period.start()))
                .map(rows -> {
                    List<StatementCalculator.Cell> out = new ArrayList<>();
                    for (Row r : rows) {
                        java.time.LocalDate late = r.getLocalDate("late");
                        String band = r.getString("fee_band");
                        out.add(new StatementCalculator.Cell(late == null ? null : StatementPeriod.of(late),
                                r.getString("network"), r.getString("asset").toLowerCase(java.util.Locale.ROOT),
                                band == null ? "none" : band, r.getLong("n"), atomic(r, "volume"),
                                atomic(r, "fee_atomic"), r.getBigDecimal("fee_usd"), r.getBigDecimal("withheld_usd")));
                    }
                    return out;
                });
    }

    /**
     * For closed months with late settlements charged on {@code period}: what each had counted
     * (frozen transactions plus late ones charged on statements between it and {@code period}) and
     * its frozen plan terms.
     */
    Uni<Map<StatementPeriod, StatementCalculator.LateContext>> lateContexts(SqlClient c, UUID merchantId,
            StatementPeriod period, Set<StatementPeriod> late) {
        if (late.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return c.preparedQuery("""
                SELECT s.period_start, s.transactions, s.included_transactions, s.overage_price_usd,
                       (SELECT count(*) FROM payment p
                         WHERE p.merchant_id = s.merchant_id AND p.state = 'settled'
                           AND p.billed_period > s.period_start AND p.billed_period < $3
                           AND p.settled_at >= s.period_start::timestamp AT TIME ZONE 'UTC'
                           AND p.settled_at < (s.period_start + interval '1 month')::timestamp AT TIME ZONE 'UTC')
                       AS charged_late
                  FROM statement s
                 WHERE s.merchant_id = $1 AND s.period_start = ANY ($2)""")
                .execute(Tuple.of(merchantId, late.stream().map(StatementPeriod::firstDay)
                        .toArray(java.time.LocalDate[]::new), period.firstDay()))
                .map(rows -> {
                    Map<StatementPeriod, StatementCalculator.LateContext> out = new HashMap<>();
                    for (Row r : rows) {
                        StatementPeriod q = StatementPeriod.of(r.getLocalDate("period_start"));
                        out.put(q, new StatementCalculator.LateContext(q,
                                r.getLong("transactions") + r.getLong("charged_late"),
                                r.getLong("included_transactions"), r.getBigDecimal("overage_price_usd")));
                    }
                    return out;
                });
    }

    /** Takes the close lock of a merchant's month until the transaction ends (settlements of it wait). */
    Uni<Void> lockForClose(SqlConnection conn, UUID merchantId, StatementPeriod period) {
        return conn.preparedQuery("SELECT pg_advisory_xact_lock(statement_lock_key($1, $2))")
                .execute(Tuple.of(merchantId, period.firstDay())).replaceWithVoid();
    }

    /** The frozen statement of a merchant's month, exactly as stored at close. */
    Uni<Optional<Statement>> closed(SqlClient c, UUID merchantId, StatementPeriod period) {
        return c.preparedQuery("""
                SELECT id, closed_at, closed_by, plan_id, plan_name, billing_period, commitment_years,
                       included_transactions, overage_price_usd, transactions, overage_transactions, volume_usd,
                       fees_usd, subscription_usd, discount_usd, overage_usd, adjustments_usd, total_exact_usd,
                       total_due_usd
                  FROM statement WHERE merchant_id = $1 AND period_start = $2""")
                .execute(Tuple.of(merchantId, period.firstDay()))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(Optional.<Statement>empty());
                    }
                    Row h = rows.iterator().next();
                    return c.preparedQuery("SELECT " + LINE_COLUMNS
                                    + " FROM statement_line WHERE statement_id = $1 ORDER BY position")
                            .execute(Tuple.of(h.getLong("id")))
                            .map(lineRows -> {
                                List<StatementLine> lines = new ArrayList<>();
                                lineRows.forEach(r -> lines.add(line(r)));
                                return Optional.of(new Statement(merchantId, period, h.getOffsetDateTime("closed_at"),
                                        h.getString("closed_by"), h.getString("plan_id"), h.getString("plan_name"),
                                        "year".equals(h.getString("billing_period")),
                                        h.getShort("commitment_years"), h.getLong("included_transactions"),
                                        h.getBigDecimal("overage_price_usd"), h.getLong("transactions"),
                                        h.getLong("overage_transactions"), h.getBigDecimal("volume_usd"),
                                        h.getBigDecimal("fees_usd"), h.getBigDecimal("subscription_usd"),
                                        h.getBigDecimal("discount_usd"), h.getBigDecimal("overage_usd"),
                                        h.getBigDecimal("adjustments_usd"), h.getBigDecimal("total_exact_usd"),
                                        h.getBigDecimal("total_due_usd"), lines));
                            });
                });
    }

    /** Stores a statement as closed (inside the closing transaction, under its lock); returns it as stored. */
    Uni<Statement> insertClosed(SqlConnection conn, Statement s, String closedBy) {
        return conn.preparedQuery("""
                INSERT INTO statement (merchant_id, period_start, closed_by, plan_id, plan_name, billing_period,
                                       commitment_years, included_transactions, overage_price_usd, transactions,
                                       overage_transactions, volume_usd, fees_usd, subscription_usd, discount_usd,
                                       overage_usd, adjustments_usd, total_exact_usd, total_due_usd)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
                RETURNING id, closed_at""")
                .execute(Tuple.from(new Object[] {s.merchantId(), s.period().firstDay(), closedBy, s.planId(),
                        s.planName(), s.annual() ? "year" : "month", (short) s.commitmentYears(),
                        s.includedTransactions(), s.overagePriceUsd(), s.transactions(), s.overageTransactions(),
                        s.volumeUsd(), s.feesUsd(), s.subscriptionUsd(), s.discountUsd(), s.overageUsd(),
                        s.adjustmentsUsd(), s.totalExactUsd(), s.totalDueUsd()}))
                .chain(rows -> {
                    Row r = rows.iterator().next();
                    long id = r.getLong("id");
                    List<Tuple> batch = new ArrayList<>();
                    int position = 0;
                    for (StatementLine l : s.lines()) {
                        batch.add(Tuple.from(new Object[] {id, position++, l.section(), l.kind(), l.description(),
                                l.period() == null ? null : l.period().firstDay(), l.band(), l.network(), l.asset(),
                                l.decimals() == null ? null : l.decimals().shortValue(), l.transactions(),
                                decimal(l.volumeAtomic()), decimal(l.feeAtomic()), l.quantity(), l.unitPriceUsd(),
                                l.amountUsd()}));
                    }
                    Uni<?> lines = batch.isEmpty() ? Uni.createFrom().voidItem()
                            : conn.preparedQuery("INSERT INTO statement_line (statement_id, " + LINE_COLUMNS
                                    + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)")
                                    .executeBatch(batch);
                    return lines.replaceWith(s.closedAs(r.getOffsetDateTime("closed_at"), closedBy));
                });
    }

    /** A merchant's closed statements, newest first. */
    Uni<List<ClosedSummary>> closedSummaries(UUID merchantId) {
        return pool.preparedQuery("""
                SELECT period_start, closed_at, transactions, total_due_usd FROM statement
                 WHERE merchant_id = $1 ORDER BY period_start DESC""")
                .execute(Tuple.of(merchantId))
                .map(rows -> {
                    List<ClosedSummary> out = new ArrayList<>();
                    rows.forEach(r -> out.add(new ClosedSummary(StatementPeriod.of(r.getLocalDate("period_start")),
                            r.getOffsetDateTime("closed_at"), r.getLong("transactions"),
                            r.getBigDecimal("total_due_usd"))));
                    return out;
                });
    }

    /** Merchants that existed before the month ended and have no closed statement for it yet. */
    Uni<List<UUID>> merchantsToClose(StatementPeriod period) {
        return pool.preparedQuery("""
                SELECT m.id FROM merchant m
                 WHERE m.created_at < $1
                   AND NOT EXISTS (SELECT 1 FROM statement s WHERE s.merchant_id = m.id AND s.period_start = $2)
                 ORDER BY m.id""")
                .execute(Tuple.of(period.end(), period.firstDay()))
                .map(rows -> {
                    List<UUID> out = new ArrayList<>();
                    rows.forEach(r -> out.add(r.getUUID("id")));
                    return out;
                });
    }

    /**
     * One page of the payments charged on a statement, in settlement order, after the cursor
     * position (settled_at, id); {@code after} null = from the start.
     */
    Uni<List<PaymentLine>> payments(UUID merchantId, StatementPeriod period, PaymentCursor after, int limit) {
        return inTransaction(conn -> conn.preparedQuery(PAGE_SQL)
                .execute(Tuple.from(new Object[] {merchantId, period.firstDay(),
                        after == null ? OffsetDateTime.parse("1970-01-01T00:00:00Z") : after.settledAt(),
                        after == null ? new UUID(0, 0) : after.paymentId(), limit}))
                .map(rows -> {
                    List<PaymentLine> out = new ArrayList<>(rows.size());
                    for (Row r : rows) {
                        OffsetDateTime settledAt = r.getOffsetDateTime("settled_at");
                        out.add(new PaymentLine(r.getUUID("id"), settledAt,
                                new StatementPeriod(YearMonth.from(settledAt.withOffsetSameInstant(java.time.ZoneOffset.UTC))),
                                r.getString("network"), r.getString("asset"), r.getString("payer"), atomic(r, "amount"),
                                atomic(r, "fee_atomic"), r.getBigDecimal("fee_usd"), r.getString("fee_band"),
                                r.getString("fee_rule"), r.getString("fee_schedule_version"), r.getString("tx_hash"),
                                r.getLong("journal_entry_id")));
                    }
                    return out;
                }));
    }

    private static StatementLine line(Row r) {
        java.time.LocalDate period = r.getLocalDate("period_start");
        Short decimals = r.getShort("decimals");
        return new StatementLine(r.getString("section"), r.getString("kind"), r.getString("description"),
                period == null ? null : StatementPeriod.of(period), r.getString("band"), r.getString("network"),
                r.getString("asset"), decimals == null ? null : decimals.intValue(), r.getLong("transactions"),
                atomic(r, "volume_atomic"), atomic(r, "fee_atomic"), r.getBigDecimal("quantity"),
                r.getBigDecimal("unit_price_usd"), r.getBigDecimal("amount_usd"));
    }

    private static BigInteger atomic(Row r, String column) {
        BigDecimal v = r.getBigDecimal(column);
        return v == null ? null : v.toBigIntegerExact();
    }

    private static BigDecimal decimal(BigInteger v) {
        return v == null ? null : new BigDecimal(v);
    }
}
