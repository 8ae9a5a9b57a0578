package io.sippar.ops;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sippar.scheme.ChainNodes;
import io.sippar.scheme.PaymentScheme;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Background probes of the database and of every configured chain node, so {@code /q/health/ready}
 * only reads memory and never waits on anything. Each round starts one probe per target; a target
 * still without an answer after the timeout is reported down, and is not probed again until that
 * probe has finished (a hung database never collects a queue of probe queries).
 */
@ApplicationScoped
public class HealthProbes {

    private static final Logger LOG = Logger.getLogger(HealthProbes.class);

    /** The last finished (or timed-out) probe of one target. */
    public record Result(boolean up, String detail, Instant checkedAt) {
    }

    /** One thing probed: the database, or one node of one network. */
    public static final class Target {
        private final String network;
        private final String name;
        private final Supplier<Uni<Void>> ping;
        private volatile Result last;
        private volatile long pendingSince;

        Target(String network, String name, Supplier<Uni<Void>> ping) {
            this.network = network;
            this.name = name;
            this.ping = ping;
        }

        /** CAIP-2 network of a chain node; null for the database. */
        public String network() {
            return network;
        }

        /** The node's label (scheme, host, port: never a path) or "database". */
        public String name() {
            return name;
        }
    }

    private final HealthConfig config;
    private final Vertx vertx;
    private final Target database;
    private final List<Target> nodes;
    private volatile long timer = -1;

    public HealthProbes(HealthConfig config, Pool pool, @Any Instance<PaymentScheme> schemes, Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
        this.database = new Target(null, "database",
                () -> pool.query("SELECT 1").execute().replaceWithVoid());
        List<Target> list = new ArrayList<>();
        schemes.stream().filter(ChainNodes.class::isInstance).map(ChainNodes.class::cast)
                .forEach(s -> s.nodes().forEach(n -> list.add(new Target(n.network(), n.label(), n.ping()))));
        this.nodes = List.copyOf(list);
    }

    void onStart(@Observes StartupEvent event) {
        round();
        // readiness is right from the first request: wait (bounded) for the first answers
        long deadline = System.nanoTime() + config.timeout().plusMillis(500).toNanos();
        while (System.nanoTime() < deadline && targets().stream().anyMatch(t -> t.last == null)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        timer = vertx.setPeriodic(config.interval().toMillis(), id -> round());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private List<Target> targets() {
        List<Target> all = new ArrayList<>(nodes.size() + 1);
        all.add(database);
        all.addAll(nodes);
        return all;
    }

    /** Starts one probe per target that has none running, and marks the slow ones down after the timeout. */
    void round() {
        for (Target t : targets()) {
            if (t.pendingSince != 0) {
                continue;
            }
            long started = System.nanoTime();
            t.pendingSince = started;
            Uni<Void> ping;
            try {
                ping = t.ping.get();
            } catch (RuntimeException e) {
                finish(t, started, e);
                continue;
            }
            ping.subscribe().with(ok -> finish(t, started, null), failure -> finish(t, started, failure));
        }
        vertx.setTimer(Math.max(1, config.timeout().toMillis()), id -> {
            long now = System.nanoTime();
            for (Target t : targets()) {
                long since = t.pendingSince;
                if (since != 0 && now - since >= config.timeout().toNanos()) {
                    Duration waited = Duration.ofNanos(now - since);
                    record(t, new Result(false, "no answer within " + seconds(waited), Instant.now()));
                }
            }
        });
    }

    private void finish(Target t, long started, Throwable failure) {
        if (t.pendingSince != started) {
            return;
        }
        t.pendingSince = 0;
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        if (failure == null && took.compareTo(config.timeout()) <= 0) {
            record(t, new Result(true, "answered in " + took.toMillis() + " ms", Instant.now()));
        } else if (failure == null) {
            record(t, new Result(false, "answered only after " + seconds(took), Instant.now()));
        } else {
            record(t, new Result(false, describe(failure), Instant.now()));
        }
    }

    private static void record(Target t, Result r) {
        Result before = t.last;
        t.last = r;
        if (before != null && before.up() != r.up()) {
            String what = t.network == null ? t.name : t.network + " " + t.name;
            if (r.up()) {
                LOG.infof("%s is back: %s", what, r.detail());
            } else {
                LOG.warnf("%s is down: %s", what, r.detail());
            }
        }
    }

    /** The database's last result (down when none is recent). */
    public Result database() {
        return current(database);
    }

    /** Every chain node's last result, grouped by network in configuration order. */
    public Map<String, Map<String, Result>> chains() {
        Map<String, Map<String, Result>> out = new LinkedHashMap<>();
        for (Target t : nodes) {
            out.computeIfAbsent(t.network, k -> new LinkedHashMap<>()).put(t.name, current(t));
        }
        return out;
    }

    /** Whether chain outages make the pod not ready. */
    public boolean chainsRequired() {
        return config.chainsRequired();
    }

    private Result current(Target t) {
        Result r = t.last;
        if (r == null) {
            return new Result(false, "not probed yet", Instant.now());
        }
        Duration age = Duration.between(r.checkedAt(), Instant.now());
        // the probes themselves stopped (a stuck event loop): what we know is too old to trust
        if (age.compareTo(config.interval().multipliedBy(3).plus(config.timeout())) > 0) {
            return new Result(false, "no probe result for " + seconds(age) + " (last: " + r.detail() + ")",
                    r.checkedAt());
        }
        return r;
    }

    private static String describe(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && (t instanceof java.util.concurrent.CompletionException
                || t.getMessage() == null)) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
