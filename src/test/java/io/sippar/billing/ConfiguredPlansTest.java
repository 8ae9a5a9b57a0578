package io.sippar.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.sippar.ledger.MerchantRepository;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** sippar.pricing.merchants.SLUG.plan: a changed configured plan is a plan change, an unchanged one leaves API changes alone. */
@QuarkusTest
class ConfiguredPlansTest {

    private static final Duration DB = Duration.ofSeconds(30);

    @Inject
    ConfiguredPlans configured;
    @Inject
    MerchantRepository merchants;
    @Inject
    Subscriptions subscriptions;

    private String planNow(UUID m) {
        return subscriptions.planAt(m, Instant.now()).await().atMost(DB).orElseThrow().id();
    }

    @Test
    void aChangedConfiguredPlanIsAppliedAndAnApiChangeSurvivesARestartWithTheSameConfiguration() {
        String slug = "cfg-" + UUID.randomUUID().toString().substring(0, 8);
        UUID m = merchants.upsert(slug, "Configured", "developer").await().atMost(DB);
        // the start that created it: nothing to do
        configured.apply(Map.of(slug, "developer")).await().atMost(DB);
        assertEquals(1, subscriptions.history(m).await().atMost(DB).size());
        // the operator raised it in the configuration: an upgrade, now
        configured.apply(Map.of(slug, "professional")).await().atMost(DB);
        assertEquals("professional", planNow(m));
        List<Subscription> h = subscriptions.history(m).await().atMost(DB);
        assertEquals("config", h.get(h.size() - 1).source());
        // an operator changes it through the API; restarts with the same configuration keep that
        subscriptions.change(m, "business", null, PlanChangeRule.Timing.RULE, "api", "test").await().atMost(DB);
        configured.apply(Map.of(slug, "professional")).await().atMost(DB);
        assertEquals("business", planNow(m));
        // a merchant the configuration names but nobody created yet is left alone
        configured.apply(Map.of("cfg-absent-" + UUID.randomUUID().toString().substring(0, 4), "business"))
                .await().atMost(DB);
        // re-running the upsert of a start does not touch the plan
        merchants.upsert(slug, "Configured again", "developer").await().atMost(DB);
        assertEquals("business", planNow(m));
    }

    @Test
    void aConfiguredPlanThatIsNotInTheCatalogIsAPreciseStartupError() {
        PlanCatalog catalog = PlanCatalogLoader.loadDefault();
        assertEquals(List.of("sippar.pricing.merchants.acme.plan=gold is not a plan of classpath:billing/plans.json "
                + "(plans: [developer, professional, business, enterprise, enterprise-foundation, enterprise-growth, "
                + "enterprise-unlimited])"), Plans.configurationProblems(catalog, Map.of("acme", "gold", "b", "business")));
    }
}
