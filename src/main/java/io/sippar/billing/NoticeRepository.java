package io.sippar.billing;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** SQL for the usage-notice outbox and its delivery attempts. */
@ApplicationScoped
public class NoticeRepository {

    private static final String COLUMNS = "n.id, n.merchant_id, n.period_start, n.threshold, n.used, n.included, "
            + "n.plan_id, n.created_at, n.status, n.attempts, n.attempt_limit, n.next_attempt_at, n.delivered_at";

    /** A notice claimed for one delivery attempt under {@code leaseToken}. */
    public record Claimed(UsageNotice notice, UUID leaseToken) {
        /** The number of the attempt being made. */
        public int attempt() {
            return notice.attempts();
        }
    }

    private final Pool pool;

    public NoticeRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Claims up to {@code batch} due notices for one attempt each: rows locked by another pod are skipped,
     * and the claim holds a lease until {@code leaseMillis} from now, so a pod that dies mid-delivery only
     * delays that notice until the lease expires.
     */
    public Uni<List<Claimed>> claimDue(int batch, long leaseMillis, int defaultLimit) {
        UUID token = UUID.randomUUID();
        return pool.preparedQuery("""
                UPDATE usage_notice n SET attempts = n.attempts + 1, lease_token = $1,
                       lease_until = now() + $2 * interval '1 millisecond'
                 WHERE n.id IN (SELECT id FROM usage_notice
                                 WHERE status = 'pending' AND next_attempt_at <= now()
                                   AND (lease_until IS NULL OR lease_until < now())
                                 ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
                RETURNING\s""" + COLUMNS)
                .execute(Tuple.of(token, leaseMillis, batch))
                .map(rows -> {
                    List<Claimed> out = new ArrayList<>();
                    rows.forEach(r -> out.add(new Claimed(map(r, defaultLimit, List.of()), token)));
                    return out;
                });
    }

    /**
     * Records an attempt's result and the notice's new state, if this claim still holds the lease
     * (false otherwise: the attempt is not recorded twice).
     *
     * @param nextAttemptAt when to try again; null when delivered or given up
     */
    public Uni<Boolean> record(Claimed claim, String status, Instant attemptedAt, String url, Integer statusCode,
            String error, int durationMs, Instant nextAttemptAt) {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                WITH n AS (
                    UPDATE usage_notice SET status = $3, next_attempt_at = $4, lease_token = NULL, lease_until = NULL,
                           delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END
                     WHERE id = $1 AND lease_token = $2
                    RETURNING id, attempts)
                INSERT INTO notice_delivery (notice_id, attempt, attempted_at, url, status_code, error, duration_ms,
                                             next_attempt_at)
                SELECT n.id, n.attempts, $5, $6, $7, $8, $9, $4 FROM n""")
                .execute(Tuple.from(new Object[] {claim.notice().id(), claim.leaseToken(), status, utc(nextAttemptAt),
                        utc(attemptedAt), url, statusCode, error, durationMs}))
                .map(rows -> rows.rowCount() == 1));
    }

    /** A merchant's notices (optionally of one month), newest first, with their attempts. */
    public Uni<List<UsageNotice>> list(UUID merchantId, Optional<YearMonth> period, int limit, int defaultLimit) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM usage_notice n WHERE n.merchant_id = $1 "
                        + "AND ($2::date IS NULL OR n.period_start = $2) ORDER BY n.created_at DESC, n.threshold DESC LIMIT $3")
                .execute(Tuple.of(merchantId, period.map(p -> p.atDay(1)).orElse(null), limit))
                .chain(rows -> {
                    List<Row> found = new ArrayList<>();
                    rows.forEach(found::add);
                    return withAttempts(found, defaultLimit);
                });
    }

    /** One notice with its attempts. */
    public Uni<Optional<UsageNotice>> find(UUID noticeId, int defaultLimit) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM usage_notice n WHERE n.id = $1")
                .execute(Tuple.of(noticeId))
                .chain(rows -> {
                    List<Row> found = new ArrayList<>();
                    rows.forEach(found::add);
                    return withAttempts(found, defaultLimit);
                })
                .map(list -> list.stream().findFirst());
    }

    /** The outcome of asking for a redelivery. */
    public enum Redelivery {
        /** Queued for an attempt now. */
        QUEUED,
        /** An attempt is in flight on some pod; try again when it has finished. */
        IN_FLIGHT,
        /** No such notice. */
        NOT_FOUND
    }

    /** Queues a notice for delivery now with {@code extraAttempts} more attempts allowed, whatever its state. */
    public Uni<Redelivery> redeliver(UUID noticeId, int extraAttempts, int defaultLimit) {
        return pool.preparedQuery("""
                UPDATE usage_notice SET status = 'pending', next_attempt_at = now(), attempt_limit = attempts + $2
                 WHERE id = $1 AND (lease_until IS NULL OR lease_until < now())
                RETURNING id""")
                .execute(Tuple.of(noticeId, extraAttempts))
                .chain(rows -> rows.size() == 1 ? Uni.createFrom().item(Redelivery.QUEUED)
                        : find(noticeId, defaultLimit).map(n -> n.isPresent() ? Redelivery.IN_FLIGHT
                                : Redelivery.NOT_FOUND));
    }

    private Uni<List<UsageNotice>> withAttempts(List<Row> found, int defaultLimit) {
        if (found.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        UUID[] ids = found.stream().map(r -> r.getUUID("id")).toArray(UUID[]::new);
        return pool.preparedQuery("""
                SELECT notice_id, attempt, attempted_at, url, status_code, error, duration_ms, next_attempt_at
                  FROM notice_delivery WHERE notice_id = ANY($1) ORDER BY notice_id, attempt""")
                .execute(Tuple.of(ids))
                .map(rows -> {
                    Map<UUID, List<UsageNotice.DeliveryAttempt>> attempts = new HashMap<>();
                    rows.forEach(r -> attempts.computeIfAbsent(r.getUUID("notice_id"), k -> new ArrayList<>())
                            .add(new UsageNotice.DeliveryAttempt(r.getInteger("attempt"), instant(r, "attempted_at"),
                                    r.getString("url"), r.getInteger("status_code"), r.getString("error"),
                                    r.getInteger("duration_ms"), instant(r, "next_attempt_at"))));
                    List<UsageNotice> out = new ArrayList<>();
                    found.forEach(r -> out.add(map(r, defaultLimit, attempts.getOrDefault(r.getUUID("id"), List.of()))));
                    return out;
                });
    }

    private static UsageNotice map(Row r, int defaultLimit, List<UsageNotice.DeliveryAttempt> attempts) {
        Integer limit = r.getInteger("attempt_limit");
        return new UsageNotice(r.getUUID("id"), r.getUUID("merchant_id"), YearMonth.from(r.getLocalDate("period_start")),
                r.getInteger("threshold"), r.getLong("used"), r.getLong("included"), r.getString("plan_id"),
                instant(r, "created_at"), r.getString("status"), r.getInteger("attempts"),
                limit == null ? defaultLimit : limit, instant(r, "next_attempt_at"), instant(r, "delivered_at"), attempts);
    }

    private static Instant instant(Row r, String column) {
        OffsetDateTime t = r.getOffsetDateTime(column);
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime utc(Instant t) {
        return t == null ? null : t.atOffset(ZoneOffset.UTC);
    }
}
