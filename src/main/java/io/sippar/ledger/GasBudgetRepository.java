package io.sippar.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * SQL of the gas ceilings (V50): per-period counters of held and spent network fees, one hold per
 * settling payment. A hold is taken in the same transaction that moves the payment to settling, so
 * a payment is never broadcast without its hold and never holds without being settling.
 */
@ApplicationScoped
public class GasBudgetRepository {

    private final Pool pool;

    public GasBudgetRepository(Pool pool) {
        this.pool = pool;
    }

    /** Why a hold was refused: the scope whose ceiling it would cross. */
    public record Refusal(String scope, BigInteger committed, BigInteger ceiling) {
    }

    /**
     * In one transaction: adds {@code amount} to the held fees of every scope in {@code ceilings}
     * (scope → ceiling) for the period, records the hold and moves the payment from verified to
     * settling. Rolled back entirely, returning the refusal, when any scope would go over its ceiling;
     * fails with {@link IllegalStateException} when the payment is no longer verified.
     */
    public Uni<Optional<Refusal>> holdAndStartSettling(UUID paymentId, String network, OffsetDateTime periodStart,
            Map<String, BigInteger> ceilings, BigInteger amount) {
        return pool.withTransaction(conn -> addToScopes(conn, network, periodStart, ceilings, amount, 0)
                .chain(refusal -> {
                    if (refusal.isPresent()) {
                        return Uni.createFrom().failure(new Refused(refusal.get()));
                    }
                    return conn.preparedQuery("""
                            INSERT INTO gas_hold (payment_id, network, period_start, scopes, held)
                            VALUES ($1, $2, $3, $4, $5)""")
                            .execute(Tuple.of(paymentId, network, periodStart,
                                    ceilings.keySet().toArray(new String[0]), new BigDecimal(amount)))
                            .chain(() -> conn.preparedQuery(
                                    "UPDATE payment SET state = 'settling' WHERE id = $1 AND state = 'verified'")
                                    .execute(Tuple.of(paymentId)))
                            .map(rows -> {
                                if (rows.rowCount() != 1) {
                                    throw new IllegalStateException("payment " + paymentId + " is no longer verified");
                                }
                                return Optional.<Refusal>empty();
                            });
                }))
                .onFailure(Refused.class).recoverWithItem(e -> Optional.of(((Refused) e).refusal));
    }

    /**
     * Raises a held payment's hold to {@code newAmount} (a replacement at a higher fee), within the
     * ceilings; false, changing nothing, when that would cross one or the hold is no longer open.
     */
    public Uni<Boolean> raiseHold(UUID paymentId, Map<String, BigInteger> ceilings, BigInteger newAmount) {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                SELECT network, period_start, held FROM gas_hold WHERE payment_id = $1 AND state = 'held' FOR UPDATE""")
                .execute(Tuple.of(paymentId))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    Row hold = rows.iterator().next();
                    BigInteger delta = newAmount.subtract(hold.getBigDecimal("held").toBigIntegerExact());
                    if (delta.signum() <= 0) {
                        return Uni.createFrom().item(true);
                    }
                    return addToScopes(conn, hold.getString("network"), hold.getOffsetDateTime("period_start"),
                            ceilings, delta, 0)
                            .chain(refusal -> refusal.isPresent()
                                    ? Uni.createFrom().<Boolean>failure(new Refused(refusal.get()))
                                    : conn.preparedQuery("UPDATE gas_hold SET held = $2, updated_at = now() WHERE payment_id = $1")
                                            .execute(Tuple.of(paymentId, new BigDecimal(newAmount))).replaceWith(true));
                }))
                .onFailure(Refused.class).recoverWithItem(false);
    }

    /** Turns an open hold into the fee paid (idempotent: a closed hold is left as it is). */
    public Uni<Boolean> charge(UUID paymentId, BigInteger spent) {
        return close(paymentId, "charged", spent);
    }

    /**
     * Turns an open hold into a charge of exactly what it holds: the fee was fixed before the
     * broadcast, or the chain does not show it and the worst case counts (idempotent).
     */
    public Uni<Boolean> chargeAsHeld(UUID paymentId) {
        return close(paymentId, "charged", null);
    }

    /** Gives an open hold back: nothing was broadcast (idempotent). */
    public Uni<Boolean> release(UUID paymentId) {
        return close(paymentId, "released", BigInteger.ZERO);
    }

    /** Closes the open hold; a null {@code spent} for a charge means what it holds. */
    private Uni<Boolean> close(UUID paymentId, String state, BigInteger spent) {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                UPDATE gas_hold SET state = $2::text,
                       spent = CASE WHEN $2::text = 'charged' THEN coalesce($3::numeric, held) ELSE NULL END,
                       updated_at = now()
                 WHERE payment_id = $1 AND state = 'held'
                RETURNING network, period_start, scopes, held, coalesce(spent, 0) AS spent""")
                .execute(Tuple.of(paymentId, state, spent == null ? null : new BigDecimal(spent)))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    Row hold = rows.iterator().next();
                    return conn.preparedQuery("""
                            UPDATE gas_spend SET held = held - $4, spent = spent + $5, updated_at = now()
                             WHERE scope = ANY($1) AND network = $2 AND period_start = $3""")
                            .execute(Tuple.of(hold.getArrayOfStrings("scopes"), hold.getString("network"),
                                    hold.getOffsetDateTime("period_start"), hold.getBigDecimal("held"),
                                    hold.getBigDecimal("spent")))
                            .replaceWith(true);
                }));
    }

    /** Held and spent fees of one scope in one period: {@code [held, spent]}, zeros when none. */
    public Uni<List<BigInteger>> totals(String scope, String network, OffsetDateTime periodStart) {
        return pool.preparedQuery("SELECT held, spent FROM gas_spend WHERE scope = $1 AND network = $2 AND period_start = $3")
                .execute(Tuple.of(scope, network, periodStart))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return List.of(BigInteger.ZERO, BigInteger.ZERO);
                    }
                    Row r = rows.iterator().next();
                    return List.of(r.getBigDecimal("held").toBigIntegerExact(), r.getBigDecimal("spent").toBigIntegerExact());
                });
    }

    /**
     * Adds {@code amount} to each scope's held fees, one upsert per scope (the row lock serialises
     * concurrent holders), and reports the first scope that would then exceed its ceiling.
     */
    private static Uni<Optional<Refusal>> addToScopes(SqlConnection conn, String network, OffsetDateTime periodStart,
            Map<String, BigInteger> ceilings, BigInteger amount, int index) {
        List<Map.Entry<String, BigInteger>> scopes = new ArrayList<>(ceilings.entrySet());
        if (index >= scopes.size()) {
            return Uni.createFrom().item(Optional.empty());
        }
        Map.Entry<String, BigInteger> scope = scopes.get(index);
        return conn.preparedQuery("""
                INSERT INTO gas_spend (scope, network, period_start, held) VALUES ($1, $2, $3, $4)
                ON CONFLICT (scope, network, period_start)
                DO UPDATE SET held = gas_spend.held + EXCLUDED.held, updated_at = now()
                RETURNING held + spent AS committed""")
                .execute(Tuple.of(scope.getKey(), network, periodStart, new BigDecimal(amount)))
                .chain(rows -> {
                    BigInteger committed = rows.iterator().next().getBigDecimal("committed").toBigIntegerExact();
                    if (committed.compareTo(scope.getValue()) > 0) {
                        return Uni.createFrom().item(Optional.of(new Refusal(scope.getKey(), committed.subtract(amount),
                                scope.getValue())));
                    }
                    return addToScopes(conn, network, periodStart, ceilings, amount, index + 1);
                });
    }

    /** Carries a refusal out of a transaction so that it rolls back. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Refusal refusal;

        Refused(Refusal refusal) {
            super("gas ceiling of " + refusal.scope() + " reached", null, false, false);
            this.refusal = refusal;
        }
    }
}
