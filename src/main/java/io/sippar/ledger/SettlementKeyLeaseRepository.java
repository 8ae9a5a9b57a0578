package io.sippar.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * SQL for settlement-key leases (V70): which process may broadcast from which key. Every change is a
 * single statement keyed by holder and epoch, and expiry is judged by the database's clock only, so
 * processes with skewed clocks can never both believe they hold a key.
 */
@ApplicationScoped
public class SettlementKeyLeaseRepository {

    /** A key this process now holds, until {@code expiresAt} by the database's clock. */
    public record Grant(String network, String signer, long epoch, OffsetDateTime expiresAt) {
    }

    /** A lease row as it stands, for health and tests. */
    public record LeaseRow(String network, String signer, Optional<String> holder, long epoch,
            Optional<OffsetDateTime> expiresAt, boolean live) {
    }

    private final Pool pool;

    public SettlementKeyLeaseRepository(Pool pool) {
        this.pool = pool;
    }

    /** Makes sure every configured key of {@code network} has its row; existing rows are left alone. */
    public Uni<Void> register(String network, List<String> signers) {
        return pool.preparedQuery("""
                INSERT INTO settlement_key_lease (network, signer_address)
                SELECT $1, s FROM unnest($2::text[]) AS s
                ON CONFLICT (network, signer_address) DO NOTHING""")
                .execute(Tuple.of(network, signers.toArray(String[]::new)))
                .replaceWithVoid();
    }

    /**
     * Takes one of {@code signers} that nobody holds (released first, then expired, then in the
     * given order) for {@code ttl}, with a new epoch. Rows another process is taking at the same
     * moment are skipped, not waited for, so two processes racing get different keys or one gets none.
     */
    public Uni<Optional<Grant>> acquire(String network, List<String> signers, String holder, Duration ttl) {
        return pool.preparedQuery("""
                WITH candidate AS (
                    SELECT network, signer_address FROM settlement_key_lease
                     WHERE network = $1 AND signer_address = ANY($2::text[])
                       AND (holder IS NULL OR expires_at <= now())
                     ORDER BY holder IS NOT NULL, array_position($2::text[], signer_address)
                     LIMIT 1
                       FOR UPDATE SKIP LOCKED)
                UPDATE settlement_key_lease l
                   SET holder = $3, epoch = l.epoch + 1, acquired_at = now(),
                       expires_at = now() + make_interval(secs => $4), released_at = NULL
                  FROM candidate c
                 WHERE l.network = c.network AND l.signer_address = c.signer_address
                RETURNING l.network, l.signer_address, l.epoch, l.expires_at""")
                .execute(Tuple.of(network, signers.toArray(String[]::new), holder, seconds(ttl)))
                .map(rows -> rows.size() == 0 ? Optional.<Grant>empty() : Optional.of(grant(rows.iterator().next())));
    }

    /**
     * Pushes the lease's end to now + {@code ttl}, only while this holder still has this epoch (an
     * expired lease nobody took is still ours: nobody else signed with the key meanwhile).
     */
    public Uni<Optional<Grant>> renew(String network, String signer, String holder, long epoch, Duration ttl) {
        return pool.preparedQuery("""
                UPDATE settlement_key_lease SET expires_at = now() + make_interval(secs => $5)
                 WHERE network = $1 AND signer_address = $2 AND holder = $3 AND epoch = $4
                RETURNING network, signer_address, epoch, expires_at""")
                .execute(Tuple.of(network, signer, holder, epoch, seconds(ttl)))
                .map(rows -> rows.size() == 0 ? Optional.<Grant>empty() : Optional.of(grant(rows.iterator().next())));
    }

    /** Gives the key back at once; false when this holder and epoch no longer have it. */
    public Uni<Boolean> release(String network, String signer, String holder, long epoch) {
        return pool.preparedQuery("""
                UPDATE settlement_key_lease SET holder = NULL, expires_at = NULL, released_at = now()
                 WHERE network = $1 AND signer_address = $2 AND holder = $3 AND epoch = $4""")
                .execute(Tuple.of(network, signer, holder, epoch))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Every lease row of a network, in address order. */
    public Uni<List<LeaseRow>> list(String network) {
        return pool.preparedQuery("""
                SELECT network, signer_address, holder, epoch, expires_at,
                       coalesce(holder IS NOT NULL AND expires_at > now(), false) AS live
                  FROM settlement_key_lease WHERE network = $1 ORDER BY signer_address""")
                .execute(Tuple.of(network))
                .map(rows -> {
                    List<LeaseRow> out = new ArrayList<>();
                    rows.forEach(r -> out.add(new LeaseRow(r.getString("network"), r.getString("signer_address"),
                            Optional.ofNullable(r.getString("holder")), r.getLong("epoch"),
                            Optional.ofNullable(r.getOffsetDateTime("expires_at")), r.getBoolean("live"))));
                    return out;
                });
    }

    private static Grant grant(Row r) {
        return new Grant(r.getString("network"), r.getString("signer_address"), r.getLong("epoch"),
                r.getOffsetDateTime("expires_at"));
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
