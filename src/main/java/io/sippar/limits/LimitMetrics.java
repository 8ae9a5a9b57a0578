package io.sippar.limits;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@code sippar_limit_exceeded_total{limit, network}}: one count per refused request or settlement. */
@ApplicationScoped
public class LimitMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public LimitMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Counts one refusal by {@code limit} ({@code network} = "all" for per-IP limits). */
    public void exceeded(String limit, String network) {
        counters.computeIfAbsent(limit + "|" + network, k -> Counter.builder("sippar.limit.exceeded")
                .description("Requests and settlements refused by an abuse limit")
                .tag("limit", limit).tag("network", network).register(registry)).increment();
    }
}
