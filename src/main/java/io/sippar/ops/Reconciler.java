package io.sippar.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sippar.gateway.GatewayConfig;
import io.sippar.gateway.PaymentFlow;
import io.sippar.ledger.PaymentRepository;
import io.sippar.ledger.PaymentState;
import io.sippar.ledger.StalePayment;
import io.sippar.ledger.StalePayments;
import io.sippar.limits.GasBudget;
import io.sippar.scheme.ChainStatus;
import io.sippar.scheme.NetworkFee;
import io.sippar.scheme.RoundWindow;
import io.sippar.scheme.SchemeRegistry;
import io.sippar.scheme.UnfinishedPayment;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * Finishes payments that a crash, an outage or a lost broadcast left open, from the chain's truth
 * (README, "Crash safety"). Each run claims the rows past their deadline under a lease, asks the
 * payment's scheme what the chain says ({@link io.sippar.scheme.PaymentScheme#status}) and decides:
 *
 * <ul>
 *   <li>settling, executed on chain: settled, recorded by {@link PaymentFlow#recordSettled} exactly as the
 *       live path records it (fee, journal entry, usage);</li>
 *   <li>settling, failed on chain (reverted, canceled, used by another transfer, or expired unused):
 *       failed; an unused authorization past its validBefore fails as {@code settlement_lost};</li>
 *   <li>settling, still open or unknown: left as it is and looked at again later; the gateway never
 *       re-broadcasts, since a lost transaction may still be in some mempool;</li>
 *   <li>reserved or verified: nothing was broadcast (settling is written before any broadcast), so the
 *       reservation is released and the authorization usable again, unless the chain shows the
 *       authorization used or dead, which fails it.</li>
 * </ul>
 *
 * Every change is a compare-and-set on the row's state, and a settlement's journal entry is unique, so
 * a reconciler racing the live path or another pod can never record a payment twice. A settling
 * payment the chain decided also gets its gas hold closed as the live path would have: charged with
 * the fee the chain shows (or as held when the scheme fixed it before the broadcast), released when
 * nothing of the gateway's was executed; so a dead pod's holds do not count against the ceilings
 * until their period ends.
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    /** Rows looked up at the same time within one run. */
    private static final int CONCURRENCY = 4;

    /** What a run did with one payment. */
    public enum Outcome {
        /** settling to settled, recorded with fee and journal entry. */
        SETTLED,
        /** to failed, with the chain's reason. */
        FAILED,
        /** reserved or verified to released: the authorization may be used again. */
        RELEASED,
        /** undecided: looked at again after the retry delay. */
        LEFT,
        /** finished meanwhile by the live path or another pod; nothing written. */
        ALREADY_FINISHED
    }

    /** One decision, with the chain's evidence behind it. */
    public record Decision(UUID paymentId, PaymentState from, Outcome outcome, String reason, String evidence) {
    }

    private final ReconcilerConfig config;
    private final StalePayments queue;
    private final PaymentRepository payments;
    private final PaymentFlow flow;
    private final SchemeRegistry schemes;
    private final MeterRegistry metrics;
    private final Vertx vertx;
    private final GatewayConfig gateway;
    private final GasBudget gas;
    private final String owner;
    private volatile boolean stopped;
    private volatile long timer = -1;

    public Reconciler(ReconcilerConfig config, StalePayments queue, PaymentRepository payments, PaymentFlow flow,
            SchemeRegistry schemes, MeterRegistry metrics, Vertx vertx, GatewayConfig gateway, GasBudget gas) {
        this.config = config;
        this.queue = queue;
        this.payments = payments;
        this.flow = flow;
        this.schemes = schemes;
        this.metrics = metrics;
        this.vertx = vertx;
        this.gateway = gateway;
        this.gas = gas;
        this.owner = Optional.ofNullable(System.getenv("HOSTNAME")).filter(h -> !h.isBlank()).orElse("local")
                + "/" + ProcessHandle.current().pid() + "/"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    void onStart(@Observes StartupEvent event) {
        validate(config, gateway);
        if (config.enabled()) {
            LOG.infof("reconciler %s: every %s, settling deadline %s, reserved deadline %s", owner, config.interval(),
                    config.settlingDeadline(), config.reservedDeadline());
            schedule(config.interval());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
        vertx.cancelTimer(timer);
    }

    /** Refuses settings that would take payments away from requests still working on them. */
    static void validate(ReconcilerConfig c, GatewayConfig gateway) {
        if (c.reservedDeadline().compareTo(gateway.upstreamTimeout()) <= 0) {
            throw new IllegalStateException("sippar.reconciler.reserved-deadline (" + c.reservedDeadline()
                    + ") must be longer than sippar.gateway.upstream-timeout (" + gateway.upstreamTimeout()
                    + "): a payment would be released while its request still waits for the upstream");
        }
        if (c.batchSize() < 1 || c.interval().isNegative() || c.interval().isZero() || c.lease().isNegative()
                || c.lease().isZero() || c.retryDelay().isNegative() || c.maxRetryDelay().compareTo(c.retryDelay()) < 0) {
            throw new IllegalStateException("sippar.reconciler: batch-size must be at least 1, interval and lease "
                    + "positive, and max-retry-delay at least retry-delay");
        }
    }

    /** This process's name in reconcile_owner. */
    public String owner() {
        return owner;
    }

    private void schedule(Duration delay) {
        if (stopped) {
            return;
        }
        timer = vertx.setTimer(Math.max(1, delay.toMillis()), id -> runOnce().subscribe().with(
                decisions -> schedule(decisions.size() >= config.batchSize() ? Duration.ZERO : config.interval()),
                failure -> {
                    metrics.counter("sippar.reconciler.runs", "outcome", "error").increment();
                    LOG.warnf("reconciler run failed (retrying in %s): %s", config.interval(), failure.getMessage());
                    schedule(config.interval());
                }));
    }

    /** One run: claims the payments past their deadline and decides each. */
    public Uni<List<Decision>> runOnce() {
        return queue.claim(owner, config.reservedDeadline(), config.settlingDeadline(), config.batchSize(),
                        config.lease())
                .chain(rows -> Multi.createFrom().iterable(rows)
                        .onItem().transformToUni(this::decide).merge(CONCURRENCY)
                        .collect().asList())
                .invoke(() -> metrics.counter("sippar.reconciler.runs", "outcome", "ok").increment());
    }

    private Uni<Decision> decide(StalePayment row) {
        Duration bound = config.lease().dividedBy(2);
        return lookup(row)
                .ifNoItem().after(bound).recoverWithItem(() -> new ChainStatus.Unknown("the chain lookup took longer than "
                        + bound))
                .onFailure().recoverWithItem(t -> new ChainStatus.Unknown("the chain lookup failed: " + t))
                .chain(status -> apply(row, status).call(d -> closeGasHold(row, status, d)))
                .onFailure().recoverWithItem(t -> new Decision(row.id(), row.state(), Outcome.LEFT, null,
                        "could not record the decision: " + t.getMessage()))
                .call(d -> d.outcome() == Outcome.LEFT
                        ? queue.defer(row.id(), owner, retryDelay(row.attempts()), d.evidence())
                        : queue.done(row.id(), owner, d.outcome() + ": " + d.evidence()))
                .onFailure().recoverWithItem(t -> new Decision(row.id(), row.state(), Outcome.LEFT, null,
                        "could not release the lease: " + t.getMessage()))
                .invoke(d -> report(row, d));
    }

    private Uni<ChainStatus> lookup(StalePayment row) {
        return schemes.find(row.scheme(), row.network())
                .map(s -> s.status(new UnfinishedPayment(row.network(), row.asset(), row.payer(), row.payTo(),
                        row.amount(), row.chainRef(), Optional.ofNullable(row.txHash()),
                        Optional.ofNullable(row.validBefore()), rounds(row), row.createdAt())))
                .orElseGet(() -> Uni.createFrom().item(new ChainStatus.Unknown("no " + row.scheme()
                        + " scheme for " + row.network() + " in this deployment")));
    }

    private static Optional<RoundWindow> rounds(StalePayment row) {
        return row.validFromRound() == null || row.validUntilRound() == null ? Optional.empty()
                : Optional.of(new RoundWindow(row.validFromRound(), row.validUntilRound()));
    }

    /**
     * A settling payment the chain has decided: its gas hold (if it has one) becomes the fee the chain
     * shows, or is charged as held, or is released when nothing of the gateway's was executed. Also
     * when the live path finished the row meanwhile: closing is idempotent, and its own close may have
     * failed with the database. A failure here is logged; the hold then ends with its period.
     */
    private Uni<Void> closeGasHold(StalePayment row, ChainStatus status, Decision d) {
        if (row.state() != PaymentState.SETTLING || d.outcome() == Outcome.LEFT) {
            return Uni.createFrom().voidItem();
        }
        Uni<Boolean> closed = switch (status) {
            case ChainStatus.Executed e -> e.networkFee()
                    .map(fee -> gas.charge(row.id(), new NetworkFee(row.network(), fee)))
                    .orElseGet(() -> gas.chargeAsHeld(row.id()));
            case ChainStatus.Failed f -> f.networkFee()
                    .map(fee -> gas.charge(row.id(), new NetworkFee(row.network(), fee)))
                    .orElseGet(() -> gas.release(row.id()));
            case ChainStatus.Open o -> Uni.createFrom().item(false);
            case ChainStatus.Unknown u -> Uni.createFrom().item(false);
        };
        return closed.invoke(done -> {
            if (done) {
                LOG.infof("reconciler: gas hold of payment %s closed from the chain's answer", row.id());
            }
        }).onFailure().recoverWithItem(t -> {
            LOG.warnf("reconciler: gas hold of payment %s could not be closed: %s", row.id(), t.getMessage());
            return false;
        }).replaceWithVoid();
    }

    private Uni<Decision> apply(StalePayment row, ChainStatus status) {
        if (row.state() == PaymentState.SETTLING) {
            return switch (status) {
                case ChainStatus.Executed e -> flow.recordSettled(new PaymentFlow.Settlement(row.id(), row.merchantId(),
                                row.network(), row.asset(), row.payer(), row.amount(), e.transactionId(), e.batchIndex()))
                        .chain(done -> decided(row, done, Outcome.SETTLED, null, e.evidence()));
                case ChainStatus.Failed f -> {
                    // expired unused after a broadcast we cannot find: the settlement was lost, nothing moved
                    String reason = ChainStatus.Failed.EXPIRED.equals(f.reason()) ? "settlement_lost" : f.reason();
                    yield payments.fail(row.id(), PaymentState.SETTLING, reason, f.transactionId())
                            .chain(done -> decided(row, done, Outcome.FAILED, reason, f.evidence()));
                }
                case ChainStatus.Open o -> left(row, o.evidence());
                case ChainStatus.Unknown u -> left(row, u.evidence());
            };
        }
        // reserved or verified: settling is written before any broadcast, so nothing of ours is on chain
        return switch (status) {
            case ChainStatus.Executed e -> payments.fail(row.id(), row.state(), ChainStatus.Failed.USED_ELSEWHERE, null)
                    .chain(done -> decided(row, done, Outcome.FAILED, ChainStatus.Failed.USED_ELSEWHERE,
                            "executed by a transaction the gateway did not send: " + e.evidence()));
            case ChainStatus.Failed f -> payments.fail(row.id(), row.state(), f.reason(), null)
                    .chain(done -> decided(row, done, Outcome.FAILED, f.reason(), f.evidence()));
            case ChainStatus.Open o -> payments.transition(row.id(), row.state(), PaymentState.RELEASED)
                    .chain(done -> decided(row, done, Outcome.RELEASED, null, o.evidence()));
            case ChainStatus.Unknown u -> payments.transition(row.id(), row.state(), PaymentState.RELEASED)
                    .chain(done -> decided(row, done, Outcome.RELEASED, null,
                            "nothing was broadcast; chain not consulted: " + u.evidence()));
        };
    }

    private Uni<Decision> decided(StalePayment row, boolean written, Outcome outcome, String reason, String evidence) {
        if (written) {
            return Uni.createFrom().item(new Decision(row.id(), row.state(), outcome, reason, evidence));
        }
        return payments.state(row.id()).map(now -> new Decision(row.id(), row.state(), Outcome.ALREADY_FINISHED, null,
                "was going to be " + outcome.name().toLowerCase(java.util.Locale.ROOT) + " but is now "
                        + now.map(PaymentState::db).orElse("gone") + "; " + evidence));
    }

    private static Uni<Decision> left(StalePayment row, String evidence) {
        return Uni.createFrom().item(new Decision(row.id(), row.state(), Outcome.LEFT, null, evidence));
    }

    /** retry-delay doubled per earlier attempt, capped at max-retry-delay. */
    Duration retryDelay(int attempts) {
        int doublings = Math.max(0, Math.min(attempts - 1, 20));
        Duration d = config.retryDelay().multipliedBy(1L << doublings);
        return d.compareTo(config.maxRetryDelay()) > 0 ? config.maxRetryDelay() : d;
    }

    private void report(StalePayment row, Decision d) {
        String to = switch (d.outcome()) {
            case SETTLED -> "settled";
            case FAILED -> "failed";
            case RELEASED -> "released";
            case LEFT -> row.state().db();
            case ALREADY_FINISHED -> "unchanged";
        };
        metrics.counter("sippar.reconciler.decisions", "from", row.state().db(), "outcome",
                d.outcome().name().toLowerCase(java.util.Locale.ROOT), "network", row.network()).increment();
        LOG.infof("reconciler: payment %s %s -> %s%s (attempt %d; %s)", row.id(), row.state().db(), to,
                d.reason() == null ? "" : " [" + d.reason() + "]", row.attempts(), d.evidence());
    }
}
