package io.sippar.billing;

import io.sippar.ledger.MerchantRepository;
import io.sippar.merchant.ApiError;
import io.sippar.pricing.Asset;
import io.sippar.pricing.AssetRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Statements per merchant and month: computed from the ledger while the month is open, frozen by
 * {@link #close}, read back exactly as frozen afterwards.
 */
@ApplicationScoped
public class Statements {

    private static final Logger LOG = Logger.getLogger(Statements.class);

    /** A statement as listed: closed ones with their totals, open ones without (computed on demand). */
    public record Listed(StatementPeriod period, boolean closed, OffsetDateTime closedAt, Long transactions,
            java.math.BigDecimal totalDueUsd) {
    }

    /** What one close did. */
    public record Closed(Statement statement, boolean closedNow) {
    }

    /** What a close of every merchant's month did. */
    public record ClosedAll(StatementPeriod period, int closedNow, List<UUID> failed) {
    }

    private final StatementRepository repo;
    private final StatementPlans plans;
    private final AssetRegistry assets;
    private final MerchantRepository merchants;
    private final StatementsConfig config;
    private final Clock clock;

    public Statements(StatementRepository repo, StatementPlans plans, AssetRegistry assets,
            MerchantRepository merchants, StatementsConfig config) {
        this.repo = repo;
        this.plans = plans;
        this.assets = assets;
        this.merchants = merchants;
        this.config = config;
        this.clock = Clock.systemUTC();
    }

    /** The merchant's statement for the month: the frozen one once closed, else computed now. */
    public Uni<Statement> statement(UUID merchantId, StatementPeriod period) {
        return billable(merchantId, period).chain(() -> timed(repo.inTransaction(conn -> repo.closed(conn, merchantId, period)
                .chain(frozen -> frozen.isPresent() ? Uni.createFrom().item(frozen.get())
                        : compute(conn, merchantId, period)))));
    }

    /** Every month of the merchant's life up to the current one, newest first. */
    public Uni<List<Listed>> list(UUID merchantId) {
        return merchant(merchantId).chain(m -> repo.closedSummaries(merchantId).map(closed -> {
            Map<StatementPeriod, StatementRepository.ClosedSummary> byPeriod = new HashMap<>();
            closed.forEach(c -> byPeriod.put(c.period(), c));
            List<Listed> out = new ArrayList<>();
            StatementPeriod first = StatementPeriod.containing(m.createdAt().toInstant());
            for (StatementPeriod p = StatementPeriod.containing(clock.instant()); p.compareTo(first) >= 0; p = p.previous()) {
                StatementRepository.ClosedSummary c = byPeriod.get(p);
                out.add(c == null ? new Listed(p, false, null, null, null)
                        : new Listed(p, true, c.closedAt(), c.transactions(), c.totalDueUsd()));
            }
            return out;
        }));
    }

    /** One page of the payments charged on the statement, with their tx hash and journal entry. */
    public Uni<List<StatementRepository.PaymentLine>> payments(UUID merchantId, StatementPeriod period,
            PaymentCursor after, int limit) {
        return billable(merchantId, period).chain(() -> timed(repo.payments(merchantId, period, after, limit)));
    }

    /**
     * Every payment charged on the statement, page by page (each page its own short query, so a slow
     * download never holds a database connection), for CSV export.
     */
    public Multi<List<StatementRepository.PaymentLine>> allPayments(UUID merchantId, StatementPeriod period) {
        int page = config.maxPageSize();
        PaymentCursor[] after = {null};
        boolean[] done = {false};
        return Multi.createBy().repeating()
                .uni(() -> timed(repo.payments(merchantId, period, after[0], page)).invoke(rows -> {
                    done[0] = rows.size() < page;
                    if (!rows.isEmpty()) {
                        StatementRepository.PaymentLine last = rows.get(rows.size() - 1);
                        after[0] = new PaymentCursor(last.settledAt(), last.paymentId());
                    }
                }))
                .whilst(rows -> !done[0])
                .select().where(rows -> !rows.isEmpty());
    }

    /** Checks the merchant and month exist before streaming anything. */
    public Uni<Void> billable(UUID merchantId, StatementPeriod period) {
        return merchant(merchantId).invoke(m -> {
            if (period.start().toInstant().isAfter(clock.instant())) {
                throw ApiError.badRequest("period " + period + " has not started");
            }
            if (!period.end().isAfter(m.createdAt())) {
                throw ApiError.notFound("merchant " + merchantId + " did not exist in " + period);
            }
        }).replaceWithVoid();
    }

    /**
     * Freezes the merchant's statement for an ended month. Idempotent: a statement already closed (by
     * this or another pod) is returned as it was frozen. Under the month's lock, so a settlement
     * being recorded for it either lands before (and is in the statement) or after (and is charged
     * on the next open month as an adjustment).
     */
    public Uni<Closed> close(UUID merchantId, StatementPeriod period, String closedBy) {
        if (!period.endedBy(clock.instant())) {
            throw ApiError.conflict("period " + period + " has not ended; it can be closed from " + period.end());
        }
        return billable(merchantId, period).chain(() -> timed(repo.inTransaction(conn -> repo.lockForClose(conn,
                        merchantId, period)
                .chain(() -> repo.closed(conn, merchantId, period))
                .chain(existing -> existing.isPresent() ? Uni.createFrom().item(new Closed(existing.get(), false))
                        : compute(conn, merchantId, period).chain(s -> repo.insertClosed(conn, s, closedBy))
                                .map(s -> new Closed(s, true))))))
                .invoke(c -> {
                    if (c.closedNow()) {
                        LOG.infof("closed statement %s of merchant %s by %s: %d transactions, total due %s USD",
                                period, merchantId, closedBy, c.statement().transactions(),
                                c.statement().totalDueUsd().toPlainString());
                    }
                });
    }

    /** Closes the month for every merchant that existed in it; merchants already closed are skipped. */
    public Uni<ClosedAll> closeAll(StatementPeriod period, String closedBy) {
        if (!period.endedBy(clock.instant())) {
            throw ApiError.conflict("period " + period + " has not ended; it can be closed from " + period.end());
        }
        return timed(repo.merchantsToClose(period)).onItem().transformToMulti(ids -> Multi.createFrom().iterable(ids))
                .onItem().transformToUni(id -> close(id, period, closedBy)
                        .map(c -> Optional.of(c.closedNow() ? 1 : 0))
                        .onFailure().recoverWithItem(t -> {
                            LOG.warnf("closing %s for merchant %s failed (it will be retried): %s", period, id,
                                    t.getMessage());
                            return Optional.of(-1);
                        })
                        .map(o -> Map.entry(id, o.get())))
                .merge(Math.max(1, config.closeConcurrency()))
                .collect().asList()
                .map(results -> new ClosedAll(period,
                        (int) results.stream().filter(e -> e.getValue() == 1).count(),
                        results.stream().filter(e -> e.getValue() < 0).map(Map.Entry::getKey).sorted().toList()));
    }

    Uni<Statement> compute(SqlClient c, UUID merchantId, StatementPeriod period) {
        return repo.cells(c, merchantId, period).chain(cells -> {
            Set<StatementPeriod> late = cells.stream().map(StatementCalculator.Cell::latePeriod)
                    .filter(Objects::nonNull).collect(Collectors.toSet());
            return repo.lateContexts(c, merchantId, period, late)
                    .chain(contexts -> plans.month(merchantId, period)
                            .map(terms -> StatementCalculator.compute(merchantId, period, cells, terms, contexts,
                                    this::asset)));
        });
    }

    private Optional<Asset> asset(StatementCalculator.Cell cell) {
        return assets.find(cell.network(), Optional.of(cell.asset()));
    }

    private Uni<MerchantRepository.MerchantRow> merchant(UUID merchantId) {
        return timed(merchants.find(merchantId))
                .map(m -> m.orElseThrow(() -> ApiError.notFound("no merchant " + merchantId)));
    }

    /**
     * Bounds a database call: past the query timeout (plus a margin for the pool) the caller gets a
     * 503 with Retry-After instead of waiting; a query the server cancelled ends the same way.
     */
    <T> Uni<T> timed(Uni<T> call) {
        return call.ifNoItem().after(config.queryTimeout().plusSeconds(5))
                .failWith(() -> ApiError.unavailable("the statement database did not answer in time",
                        config.retryAfterSeconds()))
                .onFailure(StatementsDatabase::unavailable)
                .transform(t -> ApiError.unavailable("the statement database is unavailable: " + StatementsDatabase.brief(t),
                        config.retryAfterSeconds()));
    }
}
