package io.sippar.billing;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/** SQL for merchants' plan histories ({@code merchant_subscription}). */
@ApplicationScoped
public class SubscriptionRepository {

    private static final String COLUMNS = "id, merchant_id, plan_id, commitment_years, effective_from, effective_to, "
            + "source, requested_at, requested_by";

    private final Pool pool;

    public SubscriptionRepository(Pool pool) {
        this.pool = pool;
    }

    /** A merchant's whole history, oldest first (scheduled changes last). */
    public Uni<List<Subscription>> history(UUID merchantId) {
        return history(pool, merchantId);
    }

    static Uni<List<Subscription>> history(SqlClient client, UUID merchantId) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM merchant_subscription WHERE merchant_id = $1 "
                        + "ORDER BY effective_from, id")
                .execute(Tuple.of(merchantId)).map(SubscriptionRepository::all);
    }

    /** Every merchant's segments overlapping [from, to), by merchant, oldest first. */
    public Uni<Map<UUID, List<Subscription>>> overlapping(Instant from, Instant to) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM merchant_subscription "
                        + "WHERE effective_from < $2 AND (effective_to IS NULL OR effective_to > $1) "
                        + "ORDER BY merchant_id, effective_from, id")
                .execute(Tuple.of(utc(from), utc(to)))
                .map(rows -> {
                    Map<UUID, List<Subscription>> out = new LinkedHashMap<>();
                    all(rows).forEach(s -> out.computeIfAbsent(s.merchantId(), k -> new ArrayList<>()).add(s));
                    return out;
                });
    }

    /** The merchant's id by slug, if it exists. */
    public Uni<Optional<UUID>> merchantBySlug(String slug) {
        return pool.preparedQuery("SELECT id FROM merchant WHERE slug = $1").execute(Tuple.of(slug))
                .map(rows -> rows.size() == 0 ? Optional.<UUID>empty() : Optional.of(rows.iterator().next().getUUID("id")));
    }

    /** The plan the merchant was last given by configuration (or at creation), if any. */
    public Uni<Optional<String>> lastConfiguredPlan(UUID merchantId) {
        return pool.preparedQuery("""
                SELECT plan_id FROM merchant_subscription WHERE merchant_id = $1 AND source IN ('config', 'created')
                 ORDER BY requested_at DESC, id DESC LIMIT 1""")
                .execute(Tuple.of(merchantId))
                .map(rows -> rows.size() == 0 ? Optional.<String>empty()
                        : Optional.of(rows.iterator().next().getString("plan_id")));
    }

    /**
     * Runs {@code work} in a transaction holding the merchant's row lock (so plan changes of one
     * merchant are serialised across pods) and gives it the database's clock; empty when there is no
     * such merchant.
     */
    <T> Uni<Optional<T>> locked(UUID merchantId, Function<Locked, Uni<T>> work) {
        return pool.withTransaction(conn -> conn.preparedQuery(
                        "SELECT now() AS now FROM merchant WHERE id = $1 FOR UPDATE")
                .execute(Tuple.of(merchantId))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(Optional.<T>empty());
                    }
                    Instant now = rows.iterator().next().getOffsetDateTime("now").toInstant();
                    Locked locked = new Locked(conn, merchantId, now);
                    return history(conn, merchantId).chain(h -> work.apply(locked.with(h))).map(Optional::ofNullable);
                }));
    }

    /** A merchant's history inside a locked transaction, with the statements a change needs. */
    record Locked(SqlConnection conn, UUID merchantId, Instant now, List<Subscription> history) {

        Locked(SqlConnection conn, UUID merchantId, Instant now) {
            this(conn, merchantId, now, List.of());
        }

        Locked with(List<Subscription> h) {
            return new Locked(conn, merchantId, now, h);
        }

        /** Removes a segment that has not started (a scheduled change being replaced). */
        Uni<Void> delete(Subscription s) {
            return conn.preparedQuery("DELETE FROM merchant_subscription WHERE id = $1").execute(Tuple.of(s.id()))
                    .replaceWithVoid();
        }

        /** Sets or lifts a segment's end. */
        Uni<Void> end(Subscription s, Instant at) {
            return conn.preparedQuery("UPDATE merchant_subscription SET effective_to = $2 WHERE id = $1")
                    .execute(Tuple.of(s.id(), at == null ? null : utc(at))).replaceWithVoid();
        }

        /** Adds a segment from {@code from}, open-ended. */
        Uni<Subscription> insert(String planId, Integer years, Instant from, String source, String requestedBy) {
            return conn.preparedQuery("INSERT INTO merchant_subscription (merchant_id, plan_id, commitment_years, "
                            + "effective_from, source, requested_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING " + COLUMNS)
                    .execute(Tuple.from(new Object[] {merchantId, planId, years == null ? null : years.shortValue(),
                            utc(from), source, requestedBy}))
                    .map(rows -> map(rows.iterator().next()));
        }

        /** Mirrors the plan in force now into merchant.plan (read by listings, never by billing). */
        Uni<Void> mirror(String planId) {
            return conn.preparedQuery("UPDATE merchant SET plan = $2 WHERE id = $1 AND plan <> $2")
                    .execute(Tuple.of(merchantId, planId)).replaceWithVoid();
        }
    }

    private static List<Subscription> all(RowSet<Row> rows) {
        List<Subscription> out = new ArrayList<>();
        rows.forEach(r -> out.add(map(r)));
        return out;
    }

    private static Subscription map(Row r) {
        Short years = r.getShort("commitment_years");
        OffsetDateTime to = r.getOffsetDateTime("effective_to");
        return new Subscription(r.getLong("id"), r.getUUID("merchant_id"), r.getString("plan_id"),
                years == null ? null : years.intValue(), r.getOffsetDateTime("effective_from").toInstant(),
                to == null ? null : to.toInstant(), r.getString("source"),
                r.getOffsetDateTime("requested_at").toInstant(), r.getString("requested_by"));
    }

    static OffsetDateTime utc(Instant t) {
        return t.atOffset(ZoneOffset.UTC);
    }
}
