package io.sippar.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumMap;
import java.util.Map;

/** Payments not finished yet (reserved, verified, settling), counted per state with the age of the oldest. */
@ApplicationScoped
public class OpenPayments {

    /** One open state: how many payments are in it, and how long the oldest has been there (seconds). */
    public record Open(long count, double oldestAgeSeconds) {
    }

    private final Pool pool;

    public OpenPayments(Pool pool) {
        this.pool = pool;
    }

    /**
     * Every open state, zero when empty; reads only the open rows (the reconciler's queue index). The
     * age counts from when the row entered its state (state_changed_at, V40): updated_at also moves
     * when the reconciler claims a row, which would hide a stuck one.
     */
    public Uni<Map<PaymentState, Open>> byState() {
        return pool.query("""
                SELECT state, count(*) AS n, extract(epoch FROM now() - min(state_changed_at))::float8 AS oldest
                  FROM payment WHERE state IN ('reserved', 'verified', 'settling') GROUP BY state""")
                .execute()
                .map(rows -> {
                    Map<PaymentState, Open> out = new EnumMap<>(PaymentState.class);
                    for (PaymentState s : new PaymentState[] {PaymentState.RESERVED, PaymentState.VERIFIED,
                            PaymentState.SETTLING}) {
                        out.put(s, new Open(0, 0));
                    }
                    rows.forEach(r -> out.put(PaymentState.fromDb(r.getString("state")),
                            new Open(r.getLong("n"), Math.max(0, r.getDouble("oldest")))));
                    return out;
                });
    }
}
