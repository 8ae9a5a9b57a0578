package io.sippar.billing;

import io.quarkus.runtime.StartupEvent;
import io.sippar.pricing.PricingConfig;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Applies {@code sippar.pricing.merchants.<slug>.plan} after the configured merchants are written:
 * a configured plan that differs from the one configuration (or creation) last gave the merchant is a
 * plan change under the usual rule; an unchanged configuration leaves plan changes made through the
 * admin API in place across restarts.
 */
@ApplicationScoped
public class ConfiguredPlans {

    private static final Logger LOG = Logger.getLogger(ConfiguredPlans.class);
    private static final Duration STARTUP_DB_TIMEOUT = Duration.ofSeconds(30);

    private final PricingConfig pricing;
    private final SubscriptionRepository repository;
    private final Subscriptions subscriptions;

    public ConfiguredPlans(PricingConfig pricing, SubscriptionRepository repository, Subscriptions subscriptions) {
        this.pricing = pricing;
        this.repository = repository;
        this.subscriptions = subscriptions;
    }

    // after RouteCatalog (default priority) has created or updated the configured merchants
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 900) StartupEvent event) {
        Map<String, String> configured = new java.util.TreeMap<>();
        pricing.merchants().forEach((slug, m) -> configured.put(slug, m.plan()));
        apply(configured).await().atMost(STARTUP_DB_TIMEOUT);
    }

    /** Applies configured plans (merchant slug to plan id) that changed since configuration last gave them. */
    Uni<Void> apply(Map<String, String> configured) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (Map.Entry<String, String> e : configured.entrySet()) {
            String slug = e.getKey();
            String plan = e.getValue();
            all = all.call(() -> repository.merchantBySlug(slug).chain(id -> id.isEmpty()
                    ? Uni.createFrom().voidItem()
                    : repository.lastConfiguredPlan(id.get()).chain(last -> {
                        if (last.equals(Optional.of(plan))) {
                            return Uni.createFrom().voidItem();
                        }
                        return subscriptions.change(id.get(), plan, null, PlanChangeRule.Timing.RULE, "config",
                                "sippar.pricing.merchants." + slug + ".plan")
                                .invoke(c -> c.ifPresent(change -> LOG.infof("merchant %s: configured plan %s (%s, from %s)",
                                        slug, plan, change.direction().name().toLowerCase(java.util.Locale.ROOT),
                                        change.effectiveFrom())))
                                .replaceWithVoid();
                    })));
        }
        return all;
    }
}
