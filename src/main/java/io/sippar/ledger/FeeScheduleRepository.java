package io.sippar.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** SQL for fee schedule versions; the documents are validated by {@code fees} before they get here. */
@ApplicationScoped
public class FeeScheduleRepository {

    /** One stored version: its document is a one-version file in the fees/FEES.md format. */
    public record ScheduleRow(String version, Instant effectiveFrom, String document, OffsetDateTime createdAt,
            String createdBy) {
    }

    /** What became of an attempt to add a version through the API. */
    public sealed interface Added {
    }

    /** Stored. */
    public record Stored(ScheduleRow row) implements Added {
    }

    /** Refused: takes effect sooner than the required lead time after the database's clock. */
    public record TooEarly(Instant databaseNow) implements Added {
    }

    /** Refused: a version with this id exists. */
    public record VersionTaken() implements Added {
    }

    /** Refused: another version takes effect at the same instant. */
    public record EffectiveFromTaken() implements Added {
    }

    /** Refused by the database's guard (it would re-price settled payments); the message says which. */
    public record WouldReprice(String message) implements Added {
    }

    /** What became of a delete. */
    public enum Deleted {
        DELETED, NOT_FOUND, ALREADY_EFFECTIVE
    }

    private static final String COLUMNS = "version, effective_from, document, created_at, created_by";

    private final Pool pool;

    public FeeScheduleRepository(Pool pool) {
        this.pool = pool;
    }

    /** Every version, oldest first. */
    public Uni<List<ScheduleRow>> all() {
        return pool.query("SELECT " + COLUMNS + " FROM fee_schedule ORDER BY effective_from").execute().map(rows -> {
            List<ScheduleRow> out = new ArrayList<>();
            rows.forEach(r -> out.add(map(r)));
            return out;
        });
    }

    /** One version by id. */
    public Uni<Optional<ScheduleRow>> find(String version) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM fee_schedule WHERE version = $1")
                .execute(Tuple.of(version))
                .map(rows -> rows.size() == 0 ? Optional.<ScheduleRow>empty() : Optional.of(map(rows.iterator().next())));
    }

    /**
     * Adds a version that takes effect at least {@code minLead} after the database's clock, so no
     * settlement in flight on any pod can straddle its start.
     */
    public Uni<Added> addFuture(String version, Instant effectiveFrom, String document, String createdBy,
            Duration minLead) {
        return pool.preparedQuery("""
                INSERT INTO fee_schedule (version, effective_from, document, created_by)
                SELECT $1, $2, $3, $4 WHERE $2 >= now() + $5 * interval '1 millisecond'
                RETURNING\s""" + COLUMNS)
                .execute(Tuple.of(version, effectiveFrom.atOffset(ZoneOffset.UTC), document, createdBy,
                        minLead.toMillis()))
                .chain(rows -> rows.size() == 1
                        ? Uni.createFrom().item((Added) new Stored(map(rows.iterator().next())))
                        : databaseNow().map(TooEarly::new))
                .onFailure(PgException.class).recoverWithItem(FeeScheduleRepository::refusal);
    }

    private static Added refusal(Throwable t) {
        PgException e = (PgException) t;
        String constraint = e.getConstraint() == null ? "" : e.getConstraint();
        if ("23505".equals(e.getSqlState())) {
            return constraint.contains("effective_from") ? new EffectiveFromTaken() : new VersionTaken();
        }
        if ("23514".equals(e.getSqlState())) {
            return new WouldReprice(e.getErrorMessage());
        }
        throw e;
    }

    /**
     * The start-up import of a configured version: inserted unless its id or instant is taken (the
     * caller compares with what is stored). The database refuses a version that would re-price
     * payments already settled.
     */
    public Uni<Boolean> addIfAbsent(String version, Instant effectiveFrom, String document, String createdBy) {
        return pool.preparedQuery("""
                INSERT INTO fee_schedule (version, effective_from, document, created_by) VALUES ($1, $2, $3, $4)
                ON CONFLICT DO NOTHING""")
                .execute(Tuple.of(version, effectiveFrom.atOffset(ZoneOffset.UTC), document, createdBy))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Withdraws a version that takes effect more than {@code minLead} from now. */
    public Uni<Deleted> deleteFuture(String version, Duration minLead) {
        return pool.preparedQuery("""
                DELETE FROM fee_schedule WHERE version = $1 AND effective_from > now() + $2 * interval '1 millisecond'""")
                .execute(Tuple.of(version, minLead.toMillis()))
                .chain(rows -> rows.rowCount() == 1 ? Uni.createFrom().item(Deleted.DELETED)
                        : find(version).map(f -> f.isPresent() ? Deleted.ALREADY_EFFECTIVE : Deleted.NOT_FOUND));
    }

    /** Cross-chain tiers merchants with a home network are on: every new version must price them. */
    public Uni<Set<String>> crossChainTiersInUse() {
        return pool.query("SELECT DISTINCT cross_chain_tier FROM merchant WHERE home_network IS NOT NULL").execute()
                .map(rows -> {
                    Set<String> out = new TreeSet<>();
                    rows.forEach(r -> out.add(r.getString(0)));
                    return out;
                });
    }

    /** The database's clock, which every effective-from is compared with. */
    public Uni<Instant> databaseNow() {
        return pool.query("SELECT now()").execute()
                .map(rows -> rows.iterator().next().getOffsetDateTime(0).toInstant());
    }

    private static ScheduleRow map(Row r) {
        return new ScheduleRow(r.getString("version"), r.getOffsetDateTime("effective_from").toInstant(),
                r.getString("document"), r.getOffsetDateTime("created_at"), r.getString("created_by"));
    }
}
