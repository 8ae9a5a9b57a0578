package io.sippar.ledger;

import io.sippar.pricing.RouteDefinition;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** SQL for merchants' routes and what they accept. */
@ApplicationScoped
public class RouteRepository {

    private final Pool pool;

    public RouteRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Creates or replaces a configured route (by merchant + name) with its accepted networks, in one
     * transaction so that no pod ever loads a route without its accepts. Configuration wins: a route
     * of that name created through the API becomes a configured one.
     */
    public Uni<UUID> upsert(UUID merchantId, RouteDefinition r) {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                INSERT INTO route (merchant_id, name, method, host, path_pattern, upstream_url, price, description,
                                   mime_type, max_timeout_seconds, settle_before_serve, enabled, source)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, true, 'configuration')
                ON CONFLICT (merchant_id, name) WHERE deleted_at IS NULL DO UPDATE SET method = EXCLUDED.method,
                    host = EXCLUDED.host, path_pattern = EXCLUDED.path_pattern, upstream_url = EXCLUDED.upstream_url,
                    price = EXCLUDED.price, description = EXCLUDED.description, mime_type = EXCLUDED.mime_type,
                    max_timeout_seconds = EXCLUDED.max_timeout_seconds,
                    settle_before_serve = EXCLUDED.settle_before_serve, enabled = true, source = 'configuration',
                    updated_at = now()
                RETURNING id""")
                .execute(values(merchantId, r))
                .map(rows -> rows.iterator().next().getUUID("id"))
                .call(id -> replaceAccepts(conn, id, r.accepts())));
    }

    private static Tuple values(UUID merchantId, RouteDefinition r) {
        return Tuple.from(new Object[] {merchantId, r.name(), r.method(), r.host(), r.pathPattern(), r.upstream(),
                r.price(), r.description(), r.mimeType(), r.maxTimeoutSeconds(), r.settleBeforeServe()});
    }

    /**
     * Retires configured routes that are no longer in the configuration (deleted: the rows stay for
     * the payments that reference them).
     */
    public Uni<Integer> retireConfiguredExcept(List<UUID> configured) {
        return pool.preparedQuery("""
                UPDATE route SET enabled = false, deleted_at = now(), updated_at = now()
                 WHERE source = 'configuration' AND deleted_at IS NULL AND NOT (id = ANY($1))""")
                .execute(Tuple.of(configured.toArray(new UUID[0])))
                .map(rows -> rows.rowCount());
    }

    private static Uni<Void> replaceAccepts(SqlConnection conn, UUID routeId, List<RouteDefinition.Accept> accepts) {
        Uni<Void> chain = conn.preparedQuery("DELETE FROM route_accept WHERE route_id = $1")
                .execute(Tuple.of(routeId)).replaceWithVoid();
        if (accepts.isEmpty()) {
            return chain;
        }
        List<Tuple> batch = new ArrayList<>();
        for (int i = 0; i < accepts.size(); i++) {
            RouteDefinition.Accept a = accepts.get(i);
            batch.add(Tuple.of(routeId, (short) i, a.scheme(), a.network(), a.asset() == null ? "" : a.asset(),
                    a.payTo()));
        }
        return chain.chain(() -> conn.preparedQuery("""
                INSERT INTO route_accept (route_id, position, scheme, network, asset, pay_to)
                VALUES ($1, $2, $3, $4, $5, $6)""").executeBatch(batch).replaceWithVoid());
    }

    /** Every enabled route of an active merchant with its merchant's slug and accepts, in a stable order. */
    public Uni<List<RouteDefinition>> loadEnabled() {
        return select(pool, "r.enabled AND m.status = 'active'", "r.created_at, r.id", Tuple.tuple())
                .map(rows -> rows.stream().map(RouteRow::definition).toList());
    }

    /** A route as the API shows it: its definition and who manages it. */
    public record RouteRow(RouteDefinition definition, String source, boolean enabled, OffsetDateTime createdAt,
            OffsetDateTime updatedAt) {
        /** Whether the route is written from configuration at every start (read-only in the API). */
        public boolean configured() {
            return "configuration".equals(source);
        }
    }

    /** What another merchant's live route claims, for the overlap check of a write. */
    public record RouteKey(UUID merchantId, String merchantSlug, String name, String method, String host,
            String pathPattern) {
    }

    /** What became of a write through the API. */
    public sealed interface Write {
    }

    /** Stored; {@code created} tells a new route from a replaced one. */
    public record Written(RouteRow row, boolean created) implements Write {
    }

    /** Deleted: no longer served. */
    public record Removed() implements Write {
    }

    /** No live route of that name for this merchant. */
    public record Missing() implements Write {
    }

    /** The route comes from configuration: only the configuration changes it. */
    public record Configured() implements Write {
    }

    /** The merchant has a live route of that name. */
    public record NameTaken() implements Write {
    }

    /** Another enabled route claims the same requests; the message says which. */
    public record Clash(String message) implements Write {
    }

    /** The checks a write's transaction runs against other merchants' enabled routes. */
    @FunctionalInterface
    public interface OverlapCheck {
        /** A description of the clash, or empty when the route may be stored enabled. */
        Optional<String> clash(List<RouteKey> othersEnabled);
    }

    /** A merchant's live (not deleted) routes, by name. */
    public Uni<List<RouteRow>> listLive(UUID merchantId) {
        return select(pool, "r.merchant_id = $1 AND r.deleted_at IS NULL", "r.name", Tuple.of(merchantId));
    }

    /** One live route of a merchant. */
    public Uni<Optional<RouteRow>> findLive(UUID merchantId, String name) {
        return findLive(pool, merchantId, name);
    }

    private static Uni<Optional<RouteRow>> findLive(SqlClient client, UUID merchantId, String name) {
        return select(client, "r.merchant_id = $1 AND r.name = $2 AND r.deleted_at IS NULL", "r.name",
                Tuple.of(merchantId, name)).map(rows -> rows.stream().findFirst());
    }

    /**
     * Creates a route managed by the API, unless the merchant already has {@code maxLive} routes.
     * Writes are serialised cluster-wide (an advisory lock held to commit) so two merchants can't
     * claim overlapping routes at the same instant on two pods.
     */
    public Uni<Write> create(UUID merchantId, RouteDefinition def, boolean enabled, int maxLive, OverlapCheck check) {
        return pool.withTransaction(conn -> lockWrites(conn)
                .chain(() -> conn.preparedQuery("SELECT count(*) FROM route WHERE merchant_id = $1 AND deleted_at IS NULL")
                        .execute(Tuple.of(merchantId)).map(rows -> rows.iterator().next().getLong(0)))
                .chain(live -> live >= maxLive
                        ? Uni.createFrom().item(Optional.of("the merchant has " + live + " routes, the most allowed"))
                        : clash(conn, merchantId, enabled, check))
                .chain(clash -> {
                    if (clash.isPresent()) {
                        return Uni.createFrom().item((Write) new Clash(clash.get()));
                    }
                    return conn.preparedQuery("""
                            INSERT INTO route (merchant_id, name, method, host, path_pattern, upstream_url, price,
                                               description, mime_type, max_timeout_seconds, settle_before_serve,
                                               enabled, source)
                            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'api') RETURNING id""")
                            .execute(values(merchantId, def).addBoolean(enabled))
                            .map(rows -> rows.iterator().next().getUUID("id"))
                            .call(id -> replaceAccepts(conn, id, def.accepts()))
                            .chain(id -> findLive(conn, merchantId, def.name()))
                            .map(row -> (Write) new Written(row.orElseThrow(), true));
                }))
                .onFailure(PgException.class).recoverWithItem(RouteRepository::refusal);
    }

    /** Replaces a route managed by the API with a new definition (same name). */
    public Uni<Write> replace(UUID merchantId, RouteDefinition def, boolean enabled, OverlapCheck check) {
        return pool.withTransaction(conn -> lockWrites(conn)
                .chain(() -> lockLive(conn, merchantId, def.name()))
                .chain(found -> {
                    if (found.isEmpty()) {
                        return Uni.createFrom().item((Write) new Missing());
                    }
                    if (found.get().configured()) {
                        return Uni.createFrom().item((Write) new Configured());
                    }
                    UUID id = found.get().id();
                    return clash(conn, merchantId, enabled, check).chain(clash -> clash.isPresent()
                            ? Uni.createFrom().item((Write) new Clash(clash.get()))
                            : conn.preparedQuery("""
                                    UPDATE route SET method = $3, host = $4, path_pattern = $5, upstream_url = $6,
                                           price = $7, description = $8, mime_type = $9, max_timeout_seconds = $10,
                                           settle_before_serve = $11, enabled = $12, updated_at = now()
                                     WHERE merchant_id = $1 AND name = $2 AND deleted_at IS NULL""")
                                    .execute(values(merchantId, def).addBoolean(enabled))
                                    .call(() -> replaceAccepts(conn, id, def.accepts()))
                                    .chain(() -> findLive(conn, merchantId, def.name()))
                                    .map(row -> (Write) new Written(row.orElseThrow(), false)));
                }))
                .onFailure(PgException.class).recoverWithItem(RouteRepository::refusal);
    }

    /** Deletes a route managed by the API: it stops being served, its row stays for its payments. */
    public Uni<Write> delete(UUID merchantId, String name) {
        return pool.withTransaction(conn -> lockLive(conn, merchantId, name).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().item((Write) new Missing());
            }
            if (found.get().configured()) {
                return Uni.createFrom().item((Write) new Configured());
            }
            return conn.preparedQuery("""
                    UPDATE route SET enabled = false, deleted_at = now(), updated_at = now() WHERE id = $1""")
                    .execute(Tuple.of(found.get().id()))
                    .replaceWith((Write) new Removed());
        }));
    }

    private record Locked(UUID id, String source) {
        boolean configured() {
            return "configuration".equals(source);
        }
    }

    private static Uni<Optional<Locked>> lockLive(SqlConnection conn, UUID merchantId, String name) {
        return conn.preparedQuery("""
                SELECT id, source FROM route WHERE merchant_id = $1 AND name = $2 AND deleted_at IS NULL FOR UPDATE""")
                .execute(Tuple.of(merchantId, name))
                .map(rows -> rows.size() == 0 ? Optional.<Locked>empty()
                        : Optional.of(new Locked(rows.iterator().next().getUUID("id"),
                                rows.iterator().next().getString("source"))));
    }

    private static Uni<Void> lockWrites(SqlConnection conn) {
        return conn.query("SELECT pg_advisory_xact_lock(hashtext('sippar_route_writes'))").execute().replaceWithVoid();
    }

    private static Uni<Optional<String>> clash(SqlConnection conn, UUID merchantId, boolean enabled,
            OverlapCheck check) {
        if (!enabled) {
            // a disabled route claims nothing; the check runs when it is enabled
            return Uni.createFrom().item(Optional.empty());
        }
        return conn.preparedQuery("""
                SELECT r.merchant_id, m.slug, r.name, r.method, r.host, r.path_pattern
                  FROM route r JOIN merchant m ON m.id = r.merchant_id
                 WHERE r.enabled AND r.merchant_id <> $1""")
                .execute(Tuple.of(merchantId))
                .map(rows -> {
                    List<RouteKey> keys = new ArrayList<>();
                    rows.forEach(r -> keys.add(new RouteKey(r.getUUID("merchant_id"), r.getString("slug"),
                            r.getString("name"), r.getString("method"), r.getString("host"),
                            r.getString("path_pattern"))));
                    return check.clash(keys);
                });
    }

    private static Write refusal(Throwable t) {
        PgException e = (PgException) t;
        String constraint = e.getConstraint() == null ? "" : e.getConstraint();
        if ("23505".equals(e.getSqlState()) && constraint.equals("route_live_name")) {
            return new NameTaken();
        }
        if ("23505".equals(e.getSqlState()) && constraint.equals("route_unique_match")) {
            return new Clash("another enabled route has the same method, path pattern and host");
        }
        throw e;
    }

    private static Uni<List<RouteRow>> select(SqlClient client, String where, String order, Tuple args) {
        return client.preparedQuery("""
                SELECT r.id, r.merchant_id, m.slug, r.name, r.method, r.host, r.path_pattern, r.upstream_url, r.price,
                       r.description, r.mime_type, r.max_timeout_seconds, r.settle_before_serve, r.source, r.enabled,
                       r.created_at, r.updated_at, a.scheme, a.network, a.asset, a.pay_to
                  FROM route r
                  JOIN merchant m ON m.id = r.merchant_id
                  LEFT JOIN route_accept a ON a.route_id = r.id
                 WHERE\s""" + where + " ORDER BY " + order + ", a.position")
                .execute(args)
                .map(rows -> {
                    Map<UUID, RouteRow> routes = new LinkedHashMap<>();
                    Map<UUID, List<RouteDefinition.Accept>> accepts = new LinkedHashMap<>();
                    for (Row row : rows) {
                        UUID id = row.getUUID("id");
                        List<RouteDefinition.Accept> list = accepts.computeIfAbsent(id, k -> new ArrayList<>());
                        routes.computeIfAbsent(id, k -> new RouteRow(toDefinition(row, list), row.getString("source"),
                                row.getBoolean("enabled"), row.getOffsetDateTime("created_at"),
                                row.getOffsetDateTime("updated_at")));
                        if (row.getString("network") != null) {
                            String asset = row.getString("asset");
                            list.add(new RouteDefinition.Accept(row.getString("scheme"), row.getString("network"),
                                    asset.isEmpty() ? null : asset, row.getString("pay_to")));
                        }
                    }
                    return List.copyOf(routes.values());
                });
    }

    private static RouteDefinition toDefinition(Row row, List<RouteDefinition.Accept> accepts) {
        return new RouteDefinition(row.getUUID("id"), row.getUUID("merchant_id"), row.getString("slug"),
                row.getString("name"), row.getString("method"), row.getString("host"), row.getString("path_pattern"),
                row.getString("upstream_url"), row.getString("price"), row.getString("description"),
                row.getString("mime_type"), row.getInteger("max_timeout_seconds"),
                row.getBoolean("settle_before_serve"), accepts);
    }
}
