package io.sippar.billing;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The scheduled close: every pod checks periodically and closes each ended month (up to a year back)
 * once its grace has passed. Every pod may try; the close is idempotent and locked per merchant and
 * month, so exactly one close of each statement wins and the others find it closed.
 */
@ApplicationScoped
public class PeriodCloser {

    private static final Logger LOG = Logger.getLogger(PeriodCloser.class);
    /** How far back a pod catches up on months nobody closed (e.g. after an outage). */
    static final int CATCH_UP_MONTHS = 12;

    private final Statements statements;
    private final StatementsConfig config;
    private final Vertx vertx;
    private final AtomicBoolean running = new AtomicBoolean();
    private long timer = -1;

    public PeriodCloser(Statements statements, StatementsConfig config, Vertx vertx) {
        this.statements = statements;
        this.config = config;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent e) {
        if (!config.autoClose()) {
            LOG.info("scheduled statement close is off (sippar.statements.auto-close=false)");
            return;
        }
        timer = vertx.setPeriodic(Math.max(1000, config.closeCheckInterval().toMillis()), id -> tick());
    }

    void stop(@Observes ShutdownEvent e) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private void tick() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        closeDue(Instant.now()).onTermination().invoke(() -> running.set(false))
                .subscribe().with(closed -> {
                    if (!closed.isEmpty()) {
                        LOG.infof("scheduled close: %s", closed);
                    }
                }, t -> LOG.warnf("scheduled close failed, retried at the next check: %s", t.getMessage()));
    }

    /** Months that are due at {@code now}: ended at least the grace ago, oldest first. */
    List<StatementPeriod> due(Instant now) {
        List<StatementPeriod> out = new ArrayList<>();
        StatementPeriod current = StatementPeriod.containing(now);
        for (int back = CATCH_UP_MONTHS; back >= 1; back--) {
            StatementPeriod p = new StatementPeriod(current.month().minusMonths(back));
            if (!p.end().toInstant().plus(config.closeGrace()).isAfter(now)) {
                out.add(p);
            }
        }
        return out;
    }

    /** Closes every due month for every merchant, oldest month first; returns what was closed. */
    Uni<List<Statements.ClosedAll>> closeDue(Instant now) {
        return Multi.createFrom().iterable(due(now))
                .onItem().transformToUniAndConcatenate(p -> statements.closeAll(p, "scheduler"))
                .select().where(r -> r.closedNow() > 0 || !r.failed().isEmpty())
                .collect().asList();
    }
}
