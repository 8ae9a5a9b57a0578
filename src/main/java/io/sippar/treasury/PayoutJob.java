package io.sippar.treasury;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sippar.ledger.TreasuryRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * Schedules payout runs: every pod ticks, and the one that takes the job's lease in Postgres runs (the
 * lease is renewed while the run lasts and given back when it ends, so one pod pays out at a time).
 * Payouts stay safe without the lease: a payout is stored before it is sent and a network has at most
 * one unfinished payout, so a second run can only finish the first one's payout, never sign another.
 * Every tick also refreshes the mismatch gauges from the database on every pod.
 */
@ApplicationScoped
public class PayoutJob {

    private static final Logger LOG = Logger.getLogger(PayoutJob.class);

    private final TreasuryConfig config;
    private final TreasuryRepository repository;
    private final Payouts payouts;
    private final Treasuries treasuries;
    private final TreasuryMetrics metrics;
    private final Vertx vertx;
    private final String owner;
    private volatile boolean stopped;
    private volatile long timer = -1;

    public PayoutJob(TreasuryConfig config, TreasuryRepository repository, Payouts payouts, Treasuries treasuries,
            TreasuryMetrics metrics, Vertx vertx) {
        this.config = config;
        this.repository = repository;
        this.payouts = payouts;
        this.treasuries = treasuries;
        this.metrics = metrics;
        this.vertx = vertx;
        this.owner = Optional.ofNullable(System.getenv("HOSTNAME")).filter(h -> !h.isBlank()).orElse("local") + "/"
                + ProcessHandle.current().pid() + "/" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    void onStart(@Observes StartupEvent event) {
        if (config.interval().isNegative() || config.interval().isZero() || config.lease().compareTo(
                config.confirmationTimeout().multipliedBy(2)) < 0 || config.maxPayoutsPerRun() < 1) {
            throw new IllegalStateException("sippar.treasury: interval must be positive, lease at least twice "
                    + "confirmation-timeout, max-payouts-per-run at least 1");
        }
        if (config.enabled() && !treasuries.all().isEmpty()) {
            LOG.infof("payout job %s: every %s, period %s", owner, config.interval(), config.period());
            schedule(config.interval());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
        vertx.cancelTimer(timer);
    }

    private void schedule(Duration delay) {
        if (stopped) {
            return;
        }
        timer = vertx.setTimer(Math.max(1, delay.toMillis()), id -> repository.checks()
                .invoke(metrics::refresh).replaceWithVoid()
                .onFailure().recoverWithNull()
                .chain(this::runOnce)
                .subscribe().with(ran -> schedule(config.interval()), failure -> {
                    LOG.warnf("payout run failed (next in %s): %s", config.interval(), failure.getMessage());
                    schedule(config.interval());
                }));
    }

    /** This process's name as lease owner and payout creator. */
    public String owner() {
        return owner;
    }

    /**
     * One run if this process gets the lease; empty when another pod holds it. The lease is renewed at a
     * third of its length while the run lasts.
     */
    public Uni<Optional<List<Payouts.Event>>> runOnce() {
        return repository.lease(owner, config.lease()).chain(leased -> {
            if (!leased) {
                return Uni.createFrom().item(Optional.<List<Payouts.Event>>empty());
            }
            long renew = vertx.setPeriodic(Math.max(1000, config.lease().dividedBy(3).toMillis()), id ->
                    repository.lease(owner, config.lease()).subscribe().with(ok -> {
                        if (!ok) {
                            LOG.warnf("payout job %s lost its lease mid-run", owner);
                        }
                    }, e -> LOG.debugf("lease renewal failed: %s", e.getMessage())));
            return payouts.run(owner)
                    .eventually(() -> {
                        vertx.cancelTimer(renew);
                        return repository.release(owner).onFailure().recoverWithNull();
                    })
                    .map(Optional::of);
        });
    }
}
