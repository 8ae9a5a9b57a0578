package io.sippar.billing;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** SQL for merchants' webhook endpoints; secrets only ever pass through here sealed. */
@ApplicationScoped
public class WebhookRepository {

    /** A merchant's endpoint as stored. */
    public record Endpoint(UUID merchantId, String url, WebhookSecrets.Sealed secret, String secretPrefix,
            Instant createdAt, Instant updatedAt, Instant secretRotatedAt) {
        @Override
        public String toString() {
            return "Endpoint[merchant=" + merchantId + ", url=" + url + ", secret=" + secretPrefix + "...]";
        }
    }

    private final Pool pool;

    public WebhookRepository(Pool pool) {
        this.pool = pool;
    }

    /** The merchant's endpoint, if it has one. */
    public Uni<Optional<Endpoint>> find(UUID merchantId) {
        return pool.preparedQuery("SELECT * FROM merchant_webhook WHERE merchant_id = $1").execute(Tuple.of(merchantId))
                .map(rows -> rows.size() == 0 ? Optional.<Endpoint>empty() : Optional.of(map(rows.iterator().next())));
    }

    /** Creates the endpoint with its first secret; empty when the merchant already has one. */
    public Uni<Optional<Endpoint>> create(UUID merchantId, String url, WebhookSecrets.Sealed secret, String prefix) {
        return pool.preparedQuery("""
                INSERT INTO merchant_webhook (merchant_id, url, secret_ciphertext, secret_nonce, key_id, secret_prefix)
                VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (merchant_id) DO NOTHING RETURNING *""")
                .execute(Tuple.of(merchantId, url, Buffer.buffer(secret.ciphertext()), Buffer.buffer(secret.nonce()),
                        secret.keyId(), prefix))
                .map(rows -> rows.size() == 0 ? Optional.<Endpoint>empty() : Optional.of(map(rows.iterator().next())));
    }

    /** Points an existing endpoint at another URL, keeping its secret. */
    public Uni<Optional<Endpoint>> updateUrl(UUID merchantId, String url) {
        return pool.preparedQuery("UPDATE merchant_webhook SET url = $2, updated_at = now() WHERE merchant_id = $1 "
                        + "RETURNING *")
                .execute(Tuple.of(merchantId, url))
                .map(rows -> rows.size() == 0 ? Optional.<Endpoint>empty() : Optional.of(map(rows.iterator().next())));
    }

    /** Replaces the secret; false when the merchant has no endpoint. */
    public Uni<Boolean> rotate(UUID merchantId, WebhookSecrets.Sealed secret, String prefix) {
        return pool.preparedQuery("""
                UPDATE merchant_webhook SET secret_ciphertext = $2, secret_nonce = $3, key_id = $4, secret_prefix = $5,
                       secret_rotated_at = now(), updated_at = now()
                 WHERE merchant_id = $1""")
                .execute(Tuple.of(merchantId, Buffer.buffer(secret.ciphertext()), Buffer.buffer(secret.nonce()),
                        secret.keyId(), prefix))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Removes the endpoint; false when there was none. */
    public Uni<Boolean> delete(UUID merchantId) {
        return pool.preparedQuery("DELETE FROM merchant_webhook WHERE merchant_id = $1").execute(Tuple.of(merchantId))
                .map(rows -> rows.rowCount() == 1);
    }

    private static Endpoint map(Row r) {
        return new Endpoint(r.getUUID("merchant_id"), r.getString("url"),
                new WebhookSecrets.Sealed(r.getBuffer("secret_ciphertext").getBytes(),
                        r.getBuffer("secret_nonce").getBytes(), r.getString("key_id")),
                r.getString("secret_prefix"), r.getOffsetDateTime("created_at").toInstant(),
                r.getOffsetDateTime("updated_at").toInstant(), r.getOffsetDateTime("secret_rotated_at").toInstant());
    }
}
