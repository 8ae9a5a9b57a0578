package io.sippar.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/** SQL for merchants. */
@ApplicationScoped
public class MerchantRepository {

    private final Pool pool;

    public MerchantRepository(Pool pool) {
        this.pool = pool;
    }

    /** Creates the merchant or updates its name and plan; returns its id. */
    public Uni<UUID> upsert(String slug, String name, String plan) {
        return pool.preparedQuery("""
                INSERT INTO merchant (slug, name, plan) VALUES ($1, $2, $3)
                ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, plan = EXCLUDED.plan
                RETURNING id""")
                .execute(Tuple.of(slug, name, plan))
                .map(rows -> rows.iterator().next().getUUID("id"));
    }
}
