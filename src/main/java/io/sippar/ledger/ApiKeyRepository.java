package io.sippar.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL for API keys, which exist here only as SHA-256 hashes. */
@ApplicationScoped
public class ApiKeyRepository {

    /** An unrevoked key as the database knows it: never the key itself. */
    public record KeyOwner(UUID keyId, String role, UUID merchantId) {
    }

    /** A key's public description for listings. */
    public record KeyInfo(UUID id, String role, UUID merchantId, String prefix, String label, OffsetDateTime createdAt,
            OffsetDateTime revokedAt) {
    }

    private final Pool pool;

    public ApiKeyRepository(Pool pool) {
        this.pool = pool;
    }

    /** Stores a merchant key's hash (idempotent for the same hash); returns the key's id. */
    public Uni<UUID> storeMerchantKey(UUID merchantId, String prefix, byte[] sha256, String label) {
        return store(merchantId, "merchant", prefix, sha256, label);
    }

    /** Stores an operator (admin) key's hash (idempotent for the same hash); returns the key's id. */
    public Uni<UUID> storeAdminKey(String prefix, byte[] sha256, String label) {
        return store(null, "admin", prefix, sha256, label);
    }

    private Uni<UUID> store(UUID merchantId, String role, String prefix, byte[] sha256, String label) {
        // the no-op update makes RETURNING answer for an already stored hash too
        return pool.preparedQuery("""
                INSERT INTO api_key (merchant_id, role, prefix, key_hash, label) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (key_hash) DO UPDATE SET key_hash = EXCLUDED.key_hash
                RETURNING id""")
                .execute(Tuple.of(merchantId, role, prefix, Buffer.buffer(sha256), label))
                .map(rows -> rows.iterator().next().getUUID("id"));
    }

    /** The owner of an unrevoked key with this hash (a merchant key only while its merchant is active). */
    public Uni<Optional<KeyOwner>> ownerOf(byte[] sha256) {
        return pool.preparedQuery("""
                SELECT k.id, k.role, k.merchant_id FROM api_key k LEFT JOIN merchant m ON m.id = k.merchant_id
                 WHERE k.key_hash = $1 AND k.revoked_at IS NULL
                   AND (k.role = 'admin' OR m.status = 'active')""")
                .execute(Tuple.of(Buffer.buffer(sha256)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.<KeyOwner>empty();
                    }
                    Row r = rows.iterator().next();
                    return Optional.of(new KeyOwner(r.getUUID("id"), r.getString("role"), r.getUUID("merchant_id")));
                });
    }

    /** Revokes a key; with {@code merchantId} only if the key is that merchant's. True when it was revoked now. */
    public Uni<Boolean> revoke(UUID keyId, Optional<UUID> merchantId) {
        return pool.preparedQuery("""
                UPDATE api_key SET revoked_at = now()
                 WHERE id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR merchant_id = $2)""")
                .execute(Tuple.of(keyId, merchantId.orElse(null)))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Keys of a merchant (or the admin keys when {@code merchantId} is empty), newest first. */
    public Uni<List<KeyInfo>> list(Optional<UUID> merchantId) {
        return pool.preparedQuery("""
                SELECT id, role, merchant_id, prefix, label, created_at, revoked_at FROM api_key
                 WHERE ($1::uuid IS NULL AND role = 'admin') OR merchant_id = $1
                 ORDER BY created_at DESC, id""")
                .execute(Tuple.of(merchantId.orElse(null)))
                .map(rows -> {
                    List<KeyInfo> out = new ArrayList<>();
                    rows.forEach(r -> out.add(new KeyInfo(r.getUUID("id"), r.getString("role"),
                            r.getUUID("merchant_id"), r.getString("prefix"), r.getString("label"),
                            r.getOffsetDateTime("created_at"), r.getOffsetDateTime("revoked_at"))));
                    return out;
                });
    }
}
