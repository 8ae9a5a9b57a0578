package io.sippar.billing;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** SQL for operator analytics: settlements of every merchant in a date range, grouped in the database. */
@ApplicationScoped
public class AnalyticsRepository {

    /** Settled payments of one merchant in one asset, band and plan. */
    record Cell(UUID merchantId, String network, String asset, String band, String planId, long transactions,
            BigInteger volumeAtomic, BigDecimal feeUsd) {
    }

    private final StatementRepository statements;

    public AnalyticsRepository(StatementRepository statements) {
        this.statements = statements;
    }

    /**
     * Settlements in [from, to) grouped by merchant, asset, band and the plan the merchant was on when
     * each settled ({@code none} outside every segment). The segments travel as arrays, so the plan
     * attribution is one join in the same scan.
     */
    Uni<List<Cell>> cells(Instant from, Instant to, List<StatementPlans.Segment> segments) {
        UUID[] merchants = new UUID[segments.size()];
        String[] plans = new String[segments.size()];
        OffsetDateTime[] starts = new OffsetDateTime[segments.size()];
        OffsetDateTime[] ends = new OffsetDateTime[segments.size()];
        for (int i = 0; i < segments.size(); i++) {
            StatementPlans.Segment s = segments.get(i);
            merchants[i] = s.merchantId();
            plans[i] = s.planId();
            starts[i] = utc(s.from());
            ends[i] = s.to() == null ? null : utc(s.to());
        }
        return statements.inTransaction(conn -> conn.preparedQuery("""
                WITH seg AS (
                    SELECT * FROM unnest($3::uuid[], $4::text[], $5::timestamptz[], $6::timestamptz[])
                        AS s (merchant_id, plan_id, seg_from, seg_to))
                SELECT p.merchant_id, p.network, lower(p.asset) AS asset, coalesce(p.fee_band, 'none') AS band,
                       coalesce(s.plan_id, 'none') AS plan_id, count(*) AS n, sum(p.amount) AS volume,
                       coalesce(sum(p.fee_usd), 0) AS fee_usd
                  FROM payment p
                  LEFT JOIN seg s ON s.merchant_id = p.merchant_id AND p.settled_at >= s.seg_from
                                 AND (s.seg_to IS NULL OR p.settled_at < s.seg_to)
                 WHERE p.state = 'settled' AND p.settled_at >= $1 AND p.settled_at < $2
                 GROUP BY 1, 2, 3, 4, 5""")
                .execute(Tuple.from(new Object[] {utc(from), utc(to), merchants, plans, starts, ends}))
                .map(rows -> {
                    List<Cell> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Cell(r.getUUID("merchant_id"), r.getString("network"), r.getString("asset"),
                                r.getString("band"), r.getString("plan_id"), r.getLong("n"),
                                r.getBigDecimal("volume").toBigIntegerExact(), r.getBigDecimal("fee_usd")));
                    }
                    return out;
                }));
    }

    /** Fee revenue per merchant of the settlements in [from, to). */
    Uni<Map<UUID, BigDecimal>> feesByMerchant(Instant from, Instant to) {
        return statements.inTransaction(conn -> conn.preparedQuery("""
                SELECT merchant_id, coalesce(sum(fee_usd), 0) AS fee_usd FROM payment
                 WHERE state = 'settled' AND settled_at >= $1 AND settled_at < $2
                 GROUP BY merchant_id""")
                .execute(Tuple.of(utc(from), utc(to)))
                .map(rows -> {
                    Map<UUID, BigDecimal> out = new HashMap<>();
                    rows.forEach(r -> out.put(r.getUUID("merchant_id"), r.getBigDecimal("fee_usd")));
                    return out;
                }));
    }

    private static OffsetDateTime utc(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }
}
