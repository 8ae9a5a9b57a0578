package io.sippar.ledger;

import io.sippar.pricing.RouteDefinition;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** SQL for merchants' routes and what they accept. */
@ApplicationScoped
public class RouteRepository {

    private final Pool pool;

    public RouteRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Creates or replaces a merchant's route (by merchant + name) with its accepted networks, in one
     * transaction so that no pod ever loads a route without its accepts.
     */
    public Uni<UUID> upsert(UUID merchantId, RouteDefinition r) {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                INSERT INTO route (merchant_id, name, method, host, path_pattern, upstream_url, price, description,
                                   mime_type, max_timeout_seconds, settle_before_serve, enabled)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, true)
                ON CONFLICT (merchant_id, name) DO UPDATE SET method = EXCLUDED.method, host = EXCLUDED.host,
                    path_pattern = EXCLUDED.path_pattern, upstream_url = EXCLUDED.upstream_url,
                    price = EXCLUDED.price, description = EXCLUDED.description, mime_type = EXCLUDED.mime_type,
                    max_timeout_seconds = EXCLUDED.max_timeout_seconds,
                    settle_before_serve = EXCLUDED.settle_before_serve, enabled = true, updated_at = now()
                RETURNING id""")
                .execute(Tuple.from(new Object[] {merchantId, r.name(), r.method(), r.host(), r.pathPattern(),
                        r.upstream(), r.price(), r.description(), r.mimeType(), r.maxTimeoutSeconds(),
                        r.settleBeforeServe()}))
                .map(rows -> rows.iterator().next().getUUID("id"))
                .call(id -> replaceAccepts(conn, id, r.accepts())));
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

    /** Every enabled route with its merchant's slug and accepts, in a stable order. */
    public Uni<List<RouteDefinition>> loadEnabled() {
        return pool.query("""
                SELECT r.id, r.merchant_id, m.slug, r.name, r.method, r.host, r.path_pattern, r.upstream_url, r.price,
                       r.description, r.mime_type, r.max_timeout_seconds, r.settle_before_serve,
                       a.scheme, a.network, a.asset, a.pay_to
                  FROM route r
                  JOIN merchant m ON m.id = r.merchant_id AND m.status = 'active'
                  LEFT JOIN route_accept a ON a.route_id = r.id
                 WHERE r.enabled
                 ORDER BY r.created_at, r.id, a.position""")
                .execute()
                .map(rows -> {
                    Map<UUID, RouteDefinition> routes = new LinkedHashMap<>();
                    Map<UUID, List<RouteDefinition.Accept>> accepts = new LinkedHashMap<>();
                    for (Row row : rows) {
                        UUID id = row.getUUID("id");
                        List<RouteDefinition.Accept> list = accepts.computeIfAbsent(id, k -> new ArrayList<>());
                        routes.computeIfAbsent(id, k -> toDefinition(row, list));
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
