package io.sippar.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sippar.ledger.SettlementKeyLeaseRepository;
import io.sippar.scheme.KeyLease;
import io.sippar.scheme.LeasedKeys;
import io.sippar.scheme.PaymentScheme;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Holds at most one settlement key per network for this process, leased in Postgres
 * ({@code settlement_key_lease}), so rolling deploys and scaled-out pods never sign two
 * transactions with one nonce. At start every network takes a free (or expired) key; a timer renews
 * held leases well before they end and retries networks that got none; the scheme is told at once
 * when a lease is lost (renewal refused: someone else has the key) and stops broadcasting from it.
 * A renewal that merely fails (database down) keeps the lease until its deadline runs out, then
 * broadcasting stops by itself. On a graceful shutdown, after the HTTP server has drained, the
 * settlements still in flight are awaited and the keys given back, so a new pod takes them over
 * without waiting for the ttl.
 */
@ApplicationScoped
public class SettlementKeyLeases {

    private static final Logger LOG = Logger.getLogger(SettlementKeyLeases.class);
    private static final Duration DB_CALL_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration START_WAIT = Duration.ofSeconds(20);

    /** The leasing state of one network, as the readiness check and the metrics read it. */
    public static final class NetworkLeases {
        private final LeasedKeys scheme;
        private final String network;
        private final List<String> keys;
        private volatile KeyLease current;
        private volatile String problem = "no settlement key leased yet";
        private volatile boolean registered;
        private volatile boolean warnedNone;

        NetworkLeases(LeasedKeys scheme, String network, List<String> keys) {
            this.scheme = scheme;
            this.network = network;
            this.keys = List.copyOf(keys);
        }

        /** CAIP-2 network. */
        public String network() {
            return network;
        }

        /** How many keys are configured for it. */
        public int keyCount() {
            return keys.size();
        }

        /** The key held now, if its lease is still good for a broadcast. */
        public Optional<KeyLease> held() {
            KeyLease l = current;
            return l != null && l.validFor(scheme.broadcastMargin(network)) ? Optional.of(l) : Optional.empty();
        }

        /** Why no key is usable, when none is. */
        public String problem() {
            KeyLease l = current;
            if (l != null && !l.validFor(scheme.broadcastMargin(network))) {
                return "the lease of " + l.signer() + " has lapsed (renewals failing: " + problem + ")";
            }
            return problem;
        }
    }

    private final KeyLeaseConfig config;
    private final SettlementKeyLeaseRepository repository;
    private final Vertx vertx;
    private final MeterRegistry metrics;
    private final List<NetworkLeases> networks;
    private final String holder;
    private final AtomicBoolean ticking = new AtomicBoolean();
    private volatile long timer = -1;
    private volatile boolean stopped;

    public SettlementKeyLeases(KeyLeaseConfig config, SettlementKeyLeaseRepository repository,
            @Any Instance<PaymentScheme> schemes, Vertx vertx, MeterRegistry metrics) {
        this.config = config;
        this.repository = repository;
        this.vertx = vertx;
        this.metrics = metrics;
        List<NetworkLeases> list = new ArrayList<>();
        schemes.stream().filter(LeasedKeys.class::isInstance).map(LeasedKeys.class::cast).forEach(s ->
                s.settlementKeys().forEach((network, keys) -> list.add(new NetworkLeases(s, network, keys))));
        this.networks = List.copyOf(list);
        this.holder = holderId();
        for (NetworkLeases n : networks) {
            Gauge.builder("sippar.settlement.key.leased", n, x -> x.held().isPresent() ? 1 : 0)
                    .description("1 while this process holds a usable settlement key lease on the network")
                    .tag("network", n.network()).register(metrics);
        }
    }

    /** Every network with settlement keys, and what this process holds there. */
    public List<NetworkLeases> networks() {
        return networks;
    }

    /** This process in settlement_key_lease.holder: host name and a uuid drawn at start. */
    public String holder() {
        return holder;
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            for (NetworkLeases n : networks) {
                if (n.keyCount() > 1) {
                    LOG.warnf("sippar.key-leases.enabled=false: %s settles from its first key only, %d others unused",
                            n.network(), n.keyCount() - 1);
                }
                KeyLease lease = KeyLease.unbounded(n.network(), n.keys.get(0));
                n.scheme.use(lease);
                n.current = lease;
                n.problem = null;
            }
            return;
        }
        validate();
        LOG.infof("settlement key leases as %s: ttl %s, renewed every %s", holder, config.ttl(), config.renewInterval());
        try {
            tick().await().atMost(START_WAIT);
        } catch (RuntimeException e) {
            LOG.warnf("settlement keys not leased at start (%s); retrying every %s", e.getMessage(),
                    config.renewInterval());
        }
        timer = vertx.setPeriodic(config.renewInterval().toMillis(), id -> tick().subscribe().with(
                ignored -> { }, failure -> LOG.warnf("settlement key lease round failed: %s", failure.getMessage())));
    }

    private void validate() {
        Duration ttl = config.ttl();
        Duration every = config.renewInterval();
        if (every.isZero() || every.isNegative() || every.multipliedBy(2).compareTo(ttl) > 0) {
            throw new IllegalStateException("sippar.key-leases.renew-interval (" + every
                    + ") must be positive and at most half of sippar.key-leases.ttl (" + ttl + ")");
        }
        for (NetworkLeases n : networks) {
            Duration margin = n.scheme.broadcastMargin(n.network());
            if (ttl.minus(every).compareTo(margin) <= 0) {
                throw new IllegalStateException("sippar.key-leases.ttl (" + ttl + ") minus renew-interval (" + every
                        + ") must exceed the rpc-timeout of " + n.network() + " (" + margin
                        + "): a lease would lapse between renewals");
            }
        }
    }

    /** One round: renew what is held, try to take a key where none is; rounds never overlap. */
    Uni<Void> tick() {
        if (stopped || !ticking.compareAndSet(false, true)) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(networks)
                .onItem().transformToUniAndConcatenate(this::step)
                .collect().last()
                .onTermination().invoke(() -> ticking.set(false))
                .replaceWithVoid();
    }

    private Uni<Void> step(NetworkLeases n) {
        if (stopped) {
            // shutting down: the keys are being given back, never taken again
            return Uni.createFrom().voidItem();
        }
        KeyLease held = n.current;
        if (held == null) {
            return acquire(n);
        }
        long sent = System.nanoTime();
        return repository.renew(n.network(), held.signer(), holder, held.epoch(), config.ttl())
                .ifNoItem().after(DB_CALL_TIMEOUT).fail()
                .onItem().transformToUni(grant -> {
                    if (stopped) {
                        return Uni.createFrom().voidItem();
                    }
                    if (grant.isPresent()) {
                        held.extendTo(sent + config.ttl().toNanos());
                        n.problem = null;
                        return Uni.createFrom().voidItem();
                    }
                    lost(n, held);
                    return acquire(n);
                })
                .onFailure().recoverWithItem(e -> {
                    n.problem = "renewal failed: " + e.getMessage();
                    LOG.warnf("settlement key lease of %s on %s not renewed (%s); settling stops in %s unless a "
                            + "renewal succeeds", held.signer(), n.network(), e.getMessage(), held.remaining());
                    return null;
                });
    }

    private Uni<Void> acquire(NetworkLeases n) {
        long sent = System.nanoTime();
        Uni<Void> register = n.registered ? Uni.createFrom().voidItem()
                : repository.register(n.network(), n.keys).invoke(() -> n.registered = true);
        return register.chain(() -> repository.acquire(n.network(), n.keys, holder, config.ttl()))
                .ifNoItem().after(DB_CALL_TIMEOUT).fail()
                .invoke(grant -> {
                    if (grant.isEmpty()) {
                        n.problem = "all " + n.keyCount() + " settlement keys of " + n.network()
                                + " are leased to other gateways";
                        if (!n.warnedNone) {
                            n.warnedNone = true;
                            LOG.warnf("%s: not settling there until one is free (keys must be at least replicas + "
                                    + "maxSurge)", n.problem);
                        }
                        return;
                    }
                    SettlementKeyLeaseRepository.Grant g = grant.get();
                    KeyLease lease = new KeyLease(n.network(), g.signer(), g.epoch(), sent + config.ttl().toNanos());
                    n.scheme.use(lease);
                    n.current = lease;
                    n.problem = null;
                    n.warnedNone = false;
                    event(n, "acquired");
                    LOG.infof("leased settlement key %s on %s (epoch %d)", g.signer(), n.network(), g.epoch());
                })
                .onFailure().recoverWithItem(e -> {
                    n.problem = "could not lease a settlement key: " + e.getMessage();
                    LOG.warnf("settlement key lease on %s: %s", n.network(), n.problem);
                    return null;
                })
                .replaceWithVoid();
    }

    private void lost(NetworkLeases n, KeyLease held) {
        held.revoke();
        n.scheme.stopUsing(n.network());
        n.current = null;
        n.problem = "the lease of " + held.signer() + " was taken over by another gateway";
        event(n, "lost");
        LOG.warnf("settlement key %s on %s is no longer ours (epoch %d moved on); stopped broadcasting from it",
                held.signer(), n.network(), held.epoch());
    }

    private void event(NetworkLeases n, String event) {
        Counter.builder("sippar.settlement.key.lease.events").tag("network", n.network()).tag("event", event)
                .description("Settlement key leases acquired, lost and released by this process")
                .register(metrics).increment();
    }

    /**
     * After the HTTP server has stopped taking requests: waits (bounded) for settlements in flight,
     * then stops broadcasting and gives every key back.
     */
    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        // a round already running finishes first, so it cannot renew or take a key after it is given back
        long roundEnd = System.nanoTime() + DB_CALL_TIMEOUT.multipliedBy(2).toNanos();
        while (ticking.get() && System.nanoTime() < roundEnd) {
            sleep();
        }
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        for (NetworkLeases n : networks) {
            KeyLease held = n.current;
            if (held == null) {
                continue;
            }
            while (n.scheme.settlementsInFlight(n.network()) > 0 && System.nanoTime() < deadline) {
                sleep();
            }
            int left = n.scheme.settlementsInFlight(n.network());
            held.revoke();
            n.scheme.stopUsing(n.network());
            n.current = null;
            if (!held.bounded()) {
                continue;
            }
            if (left > 0) {
                LOG.warnf("%d settlements on %s still in flight after %s; giving the key back anyway (the "
                        + "reconciler finishes them)", left, n.network(), config.drainTimeout());
            }
            try {
                boolean released = repository.release(n.network(), held.signer(), holder, held.epoch())
                        .await().atMost(DB_CALL_TIMEOUT);
                event(n, "released");
                LOG.infof("gave back settlement key %s on %s%s", held.signer(), n.network(),
                        released ? "" : " (it had already moved on)");
            } catch (RuntimeException e) {
                LOG.warnf("settlement key %s on %s not given back (%s); it is free again after %s",
                        held.signer(), n.network(), e.getMessage(), config.ttl());
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String holderId() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = Files.readString(Path.of("/etc/hostname")).trim();
            } catch (java.io.IOException | RuntimeException e) {
                host = "";
            }
        }
        return (host.isBlank() ? "gateway" : host) + "/" + UUID.randomUUID();
    }
}
