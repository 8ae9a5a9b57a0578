package io.sippar.ledger;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Keeps every pod's copies of database-held configuration (routes, fee schedules) current without a
 * restart. Triggers in the database {@code NOTIFY} a channel at commit, whoever wrote; each pod holds
 * one {@code LISTEN} connection (a reconnecting {@link PgSubscriber}) and reloads on a notification,
 * on every (re)subscription (a notification may have been missed while disconnected) and
 * periodically, so a lost notification only delays a change by the interval.
 */
@ApplicationScoped
public class ChangeNotifications {

    private static final Logger LOG = Logger.getLogger(ChangeNotifications.class);
    private static final long MAX_RECONNECT_DELAY_MS = 30_000;

    /** How configuration kept in the database reaches every pod. */
    @ConfigMapping(prefix = "sippar.reload")
    public interface ReloadConfig {
        /** Periodic reload of routes and fee schedules, the fallback for a missed notification; default 30s. */
        @WithDefault("30s")
        Duration interval();

        /** Whether to LISTEN for change notifications (false = periodic reload only); default true. */
        @WithDefault("true")
        boolean listen();

        /** Deadline of one reload and of opening the LISTEN connection; default 10s. */
        @WithDefault("10s")
        Duration timeout();
    }

    private final Vertx vertx;
    private final ReloadConfig config;
    private final String url;
    private final Optional<String> user;
    private final Optional<String> password;
    private final List<Long> timers = new CopyOnWriteArrayList<>();
    /** Every registered reload by channel, for {@link #reloadNow}. */
    private final java.util.Map<String, List<Supplier<Uni<?>>>> direct = new java.util.concurrent.ConcurrentHashMap<>();
    private PgSubscriber subscriber;
    private volatile boolean stopped;

    public ChangeNotifications(Vertx vertx, ReloadConfig config,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.vertx = vertx;
        this.config = config;
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /**
     * Runs {@code reload} whenever {@code channel} is notified, on (re)subscription and every
     * {@link ReloadConfig#interval()}. Reloads of one registration never overlap: a trigger during a
     * reload runs one more afterwards, so a burst of changes costs two reloads, not one per change.
     */
    public synchronized void register(String channel, String what, Supplier<Uni<?>> reload) {
        direct.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(reload);
        Reloader reloader = new Reloader(what, reload);
        long interval = Math.max(1, config.interval().toMillis());
        timers.add(vertx.setPeriodic(interval, interval, id -> reloader.trigger()));
        if (!config.listen()) {
            return;
        }
        if (subscriber == null) {
            subscriber = PgSubscriber.subscriber(vertx, connectOptions())
                    // never give up: without the connection changes arrive only by the periodic reload
                    .reconnectPolicy(attempt -> Math.min(MAX_RECONNECT_DELAY_MS, 500L << Math.min(attempt, 6)));
            connect(0);
        }
        subscriber.channel(channel)
                .subscribeHandler(() -> {
                    LOG.debugf("listening on %s for %s", channel, what);
                    reloader.trigger();
                })
                .handler(payload -> reloader.trigger());
    }

    /**
     * Runs this pod's reloads of {@code channel} now and completes when they are done: a write that
     * changes what a channel covers (made by this pod) is served here before its answer goes out; the
     * other pods follow by the notification.
     */
    public Uni<Void> reloadNow(String channel) {
        List<Supplier<Uni<?>>> reloads = direct.getOrDefault(channel, List.of());
        Uni<Void> all = Uni.createFrom().voidItem();
        for (Supplier<Uni<?>> r : reloads) {
            all = all.call(r::get);
        }
        return all;
    }

    private PgConnectOptions connectOptions() {
        String uri = url.startsWith("vertx-reactive:") ? url.substring("vertx-reactive:".length()) : url;
        PgConnectOptions options = PgConnectOptions.fromUri(uri)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()));
        user.ifPresent(options::setUser);
        password.ifPresent(options::setPassword);
        return options;
    }

    /** The first connection is retried here; PgSubscriber's own policy only covers a dropped one. */
    private void connect(int attempt) {
        PgSubscriber s = subscriber;
        s.connect().subscribe().with(ok -> LOG.debug("change notifications connected"), failure -> {
            if (stopped) {
                return;
            }
            long delay = Math.min(MAX_RECONNECT_DELAY_MS, 500L << Math.min(attempt, 6));
            LOG.warnf("cannot LISTEN for configuration changes (%s); retrying in %d ms, reloading every %s meanwhile",
                    failure.getMessage(), delay, config.interval());
            // a failed connect leaves the subscriber half-open: close it so connect() starts afresh
            s.close().subscribe().with(v -> vertx.setTimer(delay, id -> {
                if (!stopped) {
                    connect(attempt + 1);
                }
            }), e -> LOG.debug("closing the failed LISTEN connection", e));
        });
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        timers.forEach(vertx::cancelTimer);
        PgSubscriber s;
        synchronized (this) {
            s = subscriber;
        }
        if (s != null) {
            s.close().await().atMost(config.timeout());
        }
    }

    /** One registration's reload, never running twice at once. */
    private final class Reloader {
        private final String what;
        private final Supplier<Uni<?>> reload;
        private final AtomicBoolean running = new AtomicBoolean();
        private final AtomicBoolean again = new AtomicBoolean();

        Reloader(String what, Supplier<Uni<?>> reload) {
            this.what = what;
            this.reload = reload;
        }

        void trigger() {
            if (stopped) {
                return;
            }
            if (!running.compareAndSet(false, true)) {
                again.set(true);
                return;
            }
            run();
        }

        private void run() {
            again.set(false);
            Uni<?> next;
            try {
                next = reload.get();
            } catch (RuntimeException e) {
                next = Uni.createFrom().failure(e);
            }
            next.ifNoItem().after(config.timeout()).fail()
                    .subscribe().with(ok -> done(), failure -> {
                        // the copy in memory stays as it was; the next trigger tries again
                        LOG.warnf("reloading %s failed: %s", what, failure.toString());
                        done();
                    });
        }

        private void done() {
            running.set(false);
            if (again.get() && !stopped && running.compareAndSet(false, true)) {
                run();
            }
        }
    }
}
