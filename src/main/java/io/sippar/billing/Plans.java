package io.sippar.billing;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sippar.pricing.PricingConfig;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * The plan catalog of this deployment (the built-in one or {@code sippar.billing.plan-file}), loaded
 * once at start. Before merchants are written from configuration it copies the catalog into the
 * database, checks every plan in use and every configured merchant's plan exists, and gives merchants
 * without a plan history one; afterwards it keeps {@code merchant.plan} mirroring the plan in force.
 */
@ApplicationScoped
public class Plans {

    private static final Logger LOG = Logger.getLogger(Plans.class);
    private static final Duration STARTUP_DB_TIMEOUT = Duration.ofSeconds(30);

    private final PlanCatalog catalog;
    private final PlanRepository repository;
    private final PricingConfig pricing;
    private final BillingConfig config;
    private final Vertx vertx;
    private long mirrorTimer = -1;

    public Plans(BillingConfig config, PlanRepository repository, PricingConfig pricing, Vertx vertx) {
        this.config = config;
        this.repository = repository;
        this.pricing = pricing;
        this.vertx = vertx;
        this.catalog = config.planFile().map(PlanCatalogLoader::load).orElseGet(PlanCatalogLoader::loadDefault);
    }

    /** The catalog in force. */
    public PlanCatalog catalog() {
        return catalog;
    }

    // before RouteCatalog (default priority) writes the configured merchants, whose first subscription needs the plan rows
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION) StartupEvent event) {
        Map<String, String> configured = new TreeMap<>();
        pricing.merchants().forEach((slug, m) -> configured.put(slug, m.plan()));
        List<String> problems = configurationProblems(catalog, configured);
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", problems));
        }
        Set<String> missing = repository.sync(catalog).await().atMost(STARTUP_DB_TIMEOUT);
        if (!missing.isEmpty()) {
            throw new IllegalStateException("plans " + missing + " are used by merchants but missing from "
                    + catalog.source() + "; keep them in the file with \"offered\": false to retire them");
        }
        LOG.infof("plan catalog %s: %d plans, new merchants get %s", catalog.source(), catalog.plans().size(),
                catalog.defaultPlanId());
        long every = Math.max(1000, config.planMirrorInterval().toMillis());
        mirrorTimer = vertx.setPeriodic(every, id -> repository.mirrorCurrentPlans().subscribe().with(
                n -> {
                    if (n > 0) {
                        LOG.infof("%d merchant(s) moved to a scheduled plan", n);
                    }
                },
                failure -> LOG.warnf("could not apply scheduled plan changes to merchant.plan: %s", failure.getMessage())));
    }

    /** Configured merchant plans (slug to plan id) that the catalog does not have, as startup errors. */
    static List<String> configurationProblems(PlanCatalog catalog, Map<String, String> configured) {
        List<String> problems = new ArrayList<>();
        configured.forEach((slug, plan) -> {
            if (catalog.find(plan).isEmpty()) {
                problems.add("sippar.pricing.merchants." + slug + ".plan=" + plan + " is not a plan of "
                        + catalog.source() + " (plans: " + catalog.plans().stream().map(Plan::id).toList() + ")");
            }
        });
        return problems;
    }

    void onStop(@Observes ShutdownEvent event) {
        if (mirrorTimer >= 0) {
            vertx.cancelTimer(mirrorTimer);
        }
    }
}
