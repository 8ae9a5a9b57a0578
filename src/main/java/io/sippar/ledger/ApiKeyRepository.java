package io.sippar.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.UUID;

/** SQL for API keys, which exist here only as SHA-256 hashes. */
@ApplicationScoped
public class ApiKeyRepository {

    private final Pool pool;

    public ApiKeyRepository(Pool pool) {
        this.pool = pool;
    }

    /** Stores a merchant key's hash (idempotent for the same hash). */
    public Uni<Void> storeMerchantKey(UUID merchantId, String prefix, byte[] sha256, String label) {
        return pool.preparedQuery("""
                INSERT INTO api_key (merchant_id, role, prefix, key_hash, label) VALUES ($1, 'merchant', $2, $3, $4)
                ON CONFLICT (key_hash) DO NOTHING""")
                .execute(Tuple.of(merchantId, prefix, Buffer.buffer(sha256), label))
                .replaceWithVoid();
    }

    /** The merchant owning an unrevoked key with this hash. */
    public Uni<Optional<UUID>> merchantForKey(byte[] sha256) {
        return pool.preparedQuery("""
                SELECT k.merchant_id FROM api_key k JOIN merchant m ON m.id = k.merchant_id
                 WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND k.role = 'merchant' AND m.status = 'active'""")
                .execute(Tuple.of(Buffer.buffer(sha256)))
                .map(rows -> rows.size() == 0 ? Optional.<UUID>empty()
                        : Optional.of(rows.iterator().next().getUUID("merchant_id")));
    }
}
