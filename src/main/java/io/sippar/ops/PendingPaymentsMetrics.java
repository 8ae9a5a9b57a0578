package io.sippar.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sippar.ledger.OpenPayments;
import io.sippar.ledger.PaymentState;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * {@code sippar_payments_pending{state}} and {@code sippar_payments_pending_oldest_age_seconds{state}}
 * for reserved, verified and settling payments of every pod (one query per health interval, the
 * gauges read the cached answer; a scrape never touches the database).
 */
@ApplicationScoped
public class PendingPaymentsMetrics {

    private static final Logger LOG = Logger.getLogger(PendingPaymentsMetrics.class);
    private static final PaymentState[] OPEN = {PaymentState.RESERVED, PaymentState.VERIFIED, PaymentState.SETTLING};

    private final OpenPayments open;
    private final HealthConfig config;
    private final Vertx vertx;
    private final AtomicReference<Map<PaymentState, OpenPayments.Open>> last = new AtomicReference<>(Map.of());
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long timer = -1;

    public PendingPaymentsMetrics(OpenPayments open, HealthConfig config, Vertx vertx, MeterRegistry registry) {
        this.open = open;
        this.config = config;
        this.vertx = vertx;
        for (PaymentState s : OPEN) {
            Gauge.builder("sippar.payments.pending", last, m -> value(m.get(), s).count())
                    .description("Payments not finished yet, across all pods").tag("state", s.db()).register(registry);
            Gauge.builder("sippar.payments.pending.oldest.age", last, m -> value(m.get(), s).oldestAgeSeconds())
                    .description("Seconds since the oldest payment in this state entered it").baseUnit("seconds")
                    .tag("state", s.db()).register(registry);
        }
    }

    private static OpenPayments.Open value(Map<PaymentState, OpenPayments.Open> m, PaymentState s) {
        return m.getOrDefault(s, new OpenPayments.Open(0, 0));
    }

    void onStart(@Observes StartupEvent event) {
        refresh();
        timer = vertx.setPeriodic(config.interval().toMillis(), id -> refresh());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /**
     * One query, never two at once (a hung database never collects a queue of them); on failure the
     * gauges keep the last answer.
     */
    void refresh() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        open.byState()
                .onTermination().invoke(() -> running.set(false))
                .subscribe().with(last::set, e -> LOG.debugf("pending payments not counted: %s", e.getMessage()));
    }
}
