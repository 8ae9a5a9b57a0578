package io.sippar.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sippar.billing.PlanChangeRule.Direction;
import io.sippar.billing.PlanChangeRule.Timing;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** When plan changes take effect: upgrades now, everything else at the next period start. */
class PlanChangeRuleTest {

    private static final PlanCatalog CATALOG = PlanCatalogLoader.loadDefault();
    private static final Instant NOW = Instant.parse("2026-03-10T15:00:00Z");
    private static final Instant APRIL = Instant.parse("2026-04-01T00:00:00Z");

    private static Subscription on(String plan, Integer years, String since) {
        return new Subscription(1, UUID.randomUUID(), plan, years, Instant.parse(since), null, "api",
                Instant.parse(since), "test");
    }

    private static PlanChangeRule.Decision decide(Subscription current, String to, Integer years, Timing timing) {
        return PlanChangeRule.decide(current, CATALOG.require(current.planId()), CATALOG.require(to), years, NOW, timing);
    }

    @Test
    void anUpgradeTakesEffectNow() {
        assertEquals(new PlanChangeRule.Decision(Direction.UPGRADE, NOW),
                decide(on("developer", null, "2026-01-05T00:00:00Z"), "professional", null, Timing.RULE));
        assertEquals(new PlanChangeRule.Decision(Direction.UPGRADE, NOW),
                decide(on("business", null, "2025-06-01T00:00:00Z"), "enterprise", null, Timing.RULE));
        // as many transactions for a higher price is an upgrade too (monthly Professional to an annual contract)
        assertEquals(Direction.UPGRADE, decide(on("professional", null, "2025-06-01T00:00:00Z"),
                "enterprise-foundation", 1, Timing.RULE).direction());
    }

    @Test
    void aDowngradeOfAMonthlyPlanWaitsForTheNextMonth() {
        assertEquals(new PlanChangeRule.Decision(Direction.DOWNGRADE, APRIL),
                decide(on("business", null, "2025-06-01T00:00:00Z"), "professional", null, Timing.RULE));
        assertEquals(new PlanChangeRule.Decision(Direction.DOWNGRADE, APRIL),
                decide(on("professional", null, "2026-03-09T10:00:00Z"), "developer", null, Timing.RULE));
    }

    @Test
    void fewerIncludedTransactionsIsADowngradeWhateverThePrice() {
        // Enterprise Growth costs more than Business but includes fewer transactions a month
        assertEquals(Direction.DOWNGRADE, decide(on("business", null, "2025-06-01T00:00:00Z"), "enterprise-growth", 1,
                Timing.RULE).direction());
        assertEquals(Direction.DOWNGRADE, decide(on("enterprise", null, "2025-06-01T00:00:00Z"),
                "enterprise-foundation", 1, Timing.RULE).direction());
    }

    @Test
    void leavingAnAnnualContractWaitsForTheEndOfItsCommittedTerm() {
        Subscription threeYears = on("enterprise-growth", 3, "2025-02-15T00:00:00Z");
        assertEquals(new PlanChangeRule.Decision(Direction.DOWNGRADE, Instant.parse("2028-02-15T00:00:00Z")),
                decide(threeYears, "business", null, Timing.RULE));
        // after the term the contract renews yearly: the next anniversary
        Subscription oneYear = on("enterprise-foundation", 1, "2024-05-20T00:00:00Z");
        assertEquals(new PlanChangeRule.Decision(Direction.DOWNGRADE, Instant.parse("2026-05-20T00:00:00Z")),
                decide(oneYear, "professional", null, Timing.RULE));
        // even to a monthly plan that includes more, or an unlimited one
        assertEquals(new PlanChangeRule.Decision(Direction.DOWNGRADE, Instant.parse("2028-02-15T00:00:00Z")),
                decide(threeYears, "enterprise", null, Timing.RULE));
        // a shorter commitment of the same plan is a downgrade too
        assertEquals(new PlanChangeRule.Decision(Direction.DOWNGRADE, Instant.parse("2028-02-15T00:00:00Z")),
                decide(threeYears, "enterprise-growth", 1, Timing.RULE));
    }

    @Test
    void aLongerCommitmentOrABiggerContractStartsANewTermNow() {
        Subscription oneYear = on("enterprise-foundation", 1, "2026-01-01T00:00:00Z");
        assertEquals(new PlanChangeRule.Decision(Direction.UPGRADE, NOW), decide(oneYear, "enterprise-foundation", 5,
                Timing.RULE));
        assertEquals(new PlanChangeRule.Decision(Direction.UPGRADE, NOW), decide(oneYear, "enterprise-growth", 1,
                Timing.RULE));
    }

    @Test
    void theSamePlanAndTermIsUnchanged() {
        Subscription s = on("professional", null, "2026-01-01T00:00:00Z");
        assertEquals(new PlanChangeRule.Decision(Direction.UNCHANGED, s.effectiveFrom()),
                decide(s, "professional", null, Timing.NOW));
    }

    @Test
    void theOperatorCanOverrideTheTiming() {
        Subscription business = on("business", null, "2025-06-01T00:00:00Z");
        assertEquals(new PlanChangeRule.Decision(Direction.DOWNGRADE, NOW), decide(business, "developer", null, Timing.NOW));
        assertEquals(new PlanChangeRule.Decision(Direction.UPGRADE, APRIL),
                decide(business, "enterprise", null, Timing.NEXT_PERIOD));
    }

    @Test
    void aDecemberChangeWaitsForJanuaryAndALeapDayContractRenewsOnTheLastDayOfFebruary() {
        Subscription s = on("business", null, "2025-06-01T00:00:00Z");
        assertEquals(Instant.parse("2027-01-01T00:00:00Z"), s.nextPeriodStart(CATALOG.require("business"),
                Instant.parse("2026-12-31T23:59:59Z")));
        Subscription leap = on("enterprise-growth", 1, "2024-02-29T00:00:00Z");
        assertEquals(Instant.parse("2025-02-28T00:00:00Z"), leap.termEnd().orElseThrow());
        assertEquals(Instant.parse("2024-02-29T00:00:00Z"), leap.contractYearStart(Instant.parse("2025-02-27T00:00:00Z")));
        assertEquals(Instant.parse("2025-02-28T00:00:00Z"), leap.contractYearStart(Instant.parse("2025-03-01T00:00:00Z")));
    }
}
