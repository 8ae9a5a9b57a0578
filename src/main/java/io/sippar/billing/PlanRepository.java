package io.sippar.billing;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** SQL that keeps the {@code plan} table equal to the catalog and every merchant on a plan. */
@ApplicationScoped
public class PlanRepository {

    private final Pool pool;

    public PlanRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Writes the catalog into {@code plan} (plans no longer in it are marked not offered), then gives
     * every merchant without a plan history one from its {@code merchant.plan}, effective since its
     * creation. Serialised across pods by an advisory lock; returns the plan ids that subscriptions or
     * merchants use but the catalog lacks (the caller refuses to start on any).
     */
    public Uni<Set<String>> sync(PlanCatalog catalog) {
        return pool.withTransaction(conn -> conn.query("SELECT pg_advisory_xact_lock(hashtext('sippar.billing.plans'))")
                .execute()
                .chain(() -> upsert(conn, catalog))
                .chain(() -> conn.preparedQuery("UPDATE plan SET offered = false, updated_at = now() "
                        + "WHERE NOT (id = ANY($1)) AND offered")
                        .execute(Tuple.of(catalog.plans().stream().map(Plan::id).toArray(String[]::new))))
                .chain(() -> conn.preparedQuery("""
                        SELECT DISTINCT plan_id AS id FROM merchant_subscription WHERE NOT (plan_id = ANY($1))
                        UNION SELECT DISTINCT plan FROM merchant WHERE NOT (plan = ANY($1))""")
                        .execute(Tuple.of(catalog.plans().stream().map(Plan::id).toArray(String[]::new))))
                .chain(rows -> {
                    Set<String> missing = new TreeSet<>();
                    rows.forEach(r -> missing.add(r.getString("id")));
                    if (!missing.isEmpty()) {
                        return Uni.createFrom().item(missing);
                    }
                    return conn.query("""
                            INSERT INTO merchant_subscription (merchant_id, plan_id, commitment_years, effective_from,
                                                               source, requested_by)
                            SELECT m.id, p.id, CASE WHEN p.billing_cycle = 'year'
                                                    THEN (SELECT min(y) FROM unnest(p.commitment_years) y) END,
                                   m.created_at, 'migration', 'gateway start'
                              FROM merchant m JOIN plan p ON p.id = m.plan
                             WHERE NOT EXISTS (SELECT 1 FROM merchant_subscription s WHERE s.merchant_id = m.id)""")
                            .execute().replaceWith(missing);
                }));
    }

    private static Uni<Void> upsert(SqlConnection conn, PlanCatalog catalog) {
        List<Tuple> batch = new ArrayList<>();
        for (Plan p : catalog.plans()) {
            batch.add(Tuple.from(new Object[] {p.id(), p.name(), p.priceUsd(), p.cycle().wire(), p.includedPerMonth(),
                    p.overageUsd(), p.hardStop(), p.commitmentYears().stream().map(Integer::shortValue)
                            .toArray(Short[]::new), p.offered()}));
        }
        return conn.preparedQuery("""
                INSERT INTO plan (id, name, price_usd, billing_cycle, included_per_month, overage_usd, hard_stop,
                                  commitment_years, offered)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, price_usd = EXCLUDED.price_usd,
                       billing_cycle = EXCLUDED.billing_cycle, included_per_month = EXCLUDED.included_per_month,
                       overage_usd = EXCLUDED.overage_usd, hard_stop = EXCLUDED.hard_stop,
                       commitment_years = EXCLUDED.commitment_years, offered = EXCLUDED.offered, updated_at = now()
                 WHERE (plan.name, plan.price_usd, plan.billing_cycle, plan.included_per_month, plan.overage_usd,
                        plan.hard_stop, plan.commitment_years, plan.offered)
                       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.price_usd, EXCLUDED.billing_cycle,
                        EXCLUDED.included_per_month, EXCLUDED.overage_usd, EXCLUDED.hard_stop,
                        EXCLUDED.commitment_years, EXCLUDED.offered)""")
                .executeBatch(batch).replaceWithVoid();
    }

    /** Copies the plan in force now into {@code merchant.plan} where a scheduled change has come due. */
    public Uni<Integer> mirrorCurrentPlans() {
        return pool.query("""
                UPDATE merchant m SET plan = s.plan_id
                  FROM merchant_subscription s
                 WHERE s.merchant_id = m.id AND s.effective_from <= now()
                   AND (s.effective_to IS NULL OR s.effective_to > now()) AND m.plan <> s.plan_id""")
                .execute().map(rows -> rows.rowCount());
    }
}
