package io.sippar.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL for merchants. */
@ApplicationScoped
public class MerchantRepository {

    /**
     * A merchant as stored, with the fee terms of its contract.
     *
     * @param homeNetwork CAIP-2 network; payments settled elsewhere pay the cross-chain fee; null = none
     * @param crossChainTier the cross-chain rate tier of the fee schedule that applies
     * @param agentPricing whether its payments are charged as AI-agent transactions
     */
    public record MerchantRow(UUID id, String slug, String name, String plan, String status, OffsetDateTime createdAt,
            String homeNetwork, String crossChainTier, boolean agentPricing) {
    }

    /**
     * A change to a merchant's fee terms; an empty field is left as it is.
     *
     * @param homeNetwork empty = unchanged; present with an empty inner value = cleared
     */
    public record FeeTermsChange(Optional<Optional<String>> homeNetwork, Optional<String> crossChainTier,
            Optional<Boolean> agentPricing) {
    }

    private static final String COLUMNS = "id, slug, name, plan, status, created_at, home_network, cross_chain_tier, "
            + "agent_pricing";

    private final Pool pool;

    public MerchantRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Creates the merchant (on {@code plan}) or updates its name; returns its id. An existing merchant's
     * plan only changes through its subscription history (billing), never here.
     */
    public Uni<UUID> upsert(String slug, String name, String plan) {
        return pool.preparedQuery("""
                INSERT INTO merchant (slug, name, plan) VALUES ($1, $2, $3)
                ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name
                RETURNING id""")
                .execute(Tuple.of(slug, name, plan))
                .map(rows -> rows.iterator().next().getUUID("id"));
    }

    /** Creates a merchant; empty when the slug is taken. */
    public Uni<Optional<MerchantRow>> create(String slug, String name, String plan) {
        return pool.preparedQuery("INSERT INTO merchant (slug, name, plan) VALUES ($1, $2, $3) "
                        + "ON CONFLICT (slug) DO NOTHING RETURNING " + COLUMNS)
                .execute(Tuple.of(slug, name, plan))
                .map(rows -> rows.size() == 0 ? Optional.<MerchantRow>empty() : Optional.of(map(rows.iterator().next())));
    }

    /** One merchant by id. */
    public Uni<Optional<MerchantRow>> find(UUID id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM merchant WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.<MerchantRow>empty() : Optional.of(map(rows.iterator().next())));
    }

    /** Applies a change to a merchant's fee terms; empty when there is no such merchant. */
    public Uni<Optional<MerchantRow>> changeFeeTerms(UUID id, FeeTermsChange change) {
        return pool.preparedQuery("""
                UPDATE merchant SET home_network = CASE WHEN $2 THEN $3 ELSE home_network END,
                       cross_chain_tier = coalesce($4, cross_chain_tier), agent_pricing = coalesce($5, agent_pricing)
                 WHERE id = $1 RETURNING\s""" + COLUMNS)
                .execute(Tuple.of(id, change.homeNetwork().isPresent(),
                        change.homeNetwork().flatMap(h -> h).orElse(null), change.crossChainTier().orElse(null),
                        change.agentPricing().orElse(null)))
                .map(rows -> rows.size() == 0 ? Optional.<MerchantRow>empty() : Optional.of(map(rows.iterator().next())));
    }

    /** Every merchant, by slug. */
    public Uni<List<MerchantRow>> list() {
        return pool.query("SELECT " + COLUMNS + " FROM merchant ORDER BY slug").execute().map(rows -> {
            List<MerchantRow> out = new ArrayList<>();
            rows.forEach(r -> out.add(map(r)));
            return out;
        });
    }

    private static MerchantRow map(Row r) {
        return new MerchantRow(r.getUUID("id"), r.getString("slug"), r.getString("name"), r.getString("plan"),
                r.getString("status"), r.getOffsetDateTime("created_at"), r.getString("home_network"),
                r.getString("cross_chain_tier"), r.getBoolean("agent_pricing"));
    }
}
