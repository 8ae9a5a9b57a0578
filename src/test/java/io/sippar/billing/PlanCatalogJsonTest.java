package io.sippar.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plan file format: the seeds' catalog as shipped, and a precise error for every kind of mistake. */
class PlanCatalogJsonTest {

    private static final String ONE_PLAN = """
            {"format": "sippar-plans/1", "defaultPlan": "free", "commitmentDiscounts": {"1": "0"},
             "plans": [%s]}""";
    private static final String FREE = """
            {"id": "free", "name": "Free", "priceUsd": "0", "billingCycle": "month",
             "includedTransactionsPerMonth": 10, "hardStop": true}""";

    private static String message(String json) {
        return assertThrows(InvalidPlanCatalogException.class, () -> PlanCatalogJson.parse(json, "test.json"))
                .getMessage();
    }

    private static String plan(String fields) {
        return ONE_PLAN.formatted(FREE + ", " + fields);
    }

    @Test
    void theBuiltInCatalogHasTheSeedsPlansAndPrices() {
        PlanCatalog c = PlanCatalogLoader.loadDefault();
        assertEquals(List.of("developer", "professional", "business", "enterprise", "enterprise-foundation",
                "enterprise-growth", "enterprise-unlimited"), c.plans().stream().map(Plan::id).toList());
        assertEquals("developer", c.defaultPlan().id());
        Plan dev = c.require("developer");
        assertEquals(new BigDecimal("0.00"), dev.priceUsd());
        assertEquals(1000L, dev.includedPerMonth());
        assertTrue(dev.hardStop());
        assertTrue(dev.overage().isEmpty());
        assertEquals(new BigDecimal("500.00"), c.require("professional").priceUsd());
        assertEquals(100_000L, c.require("professional").includedPerMonth());
        assertEquals(new BigDecimal("0.010000"), c.require("professional").overageUsd());
        assertEquals(new BigDecimal("2500.00"), c.require("business").priceUsd());
        assertEquals(1_000_000L, c.require("business").includedPerMonth());
        assertEquals(new BigDecimal("0.005000"), c.require("business").overageUsd());
        assertTrue(c.require("enterprise").unlimited());
        assertEquals(new BigDecimal("10000.00"), c.require("enterprise").priceUsd());
        Plan foundation = c.require("enterprise-foundation");
        assertEquals(BillingCycle.YEAR, foundation.cycle());
        assertEquals(new BigDecimal("500000.00"), foundation.priceUsd());
        assertEquals(100_000L, foundation.includedPerMonth());
        assertEquals(List.of(1, 3, 5), foundation.commitmentYears());
        assertEquals(500_000L, c.require("enterprise-growth").includedPerMonth());
        assertEquals(new BigDecimal("1000000.00"), c.require("enterprise-growth").priceUsd());
        assertTrue(c.require("enterprise-unlimited").unlimited());
        assertEquals(new BigDecimal("2000000.00"), c.require("enterprise-unlimited").priceUsd());
        assertEquals(0, BigDecimal.ZERO.compareTo(c.commitmentDiscount(1)));
        assertEquals(new BigDecimal("0.15"), c.commitmentDiscount(3));
        assertEquals(new BigDecimal("0.25"), c.commitmentDiscount(5));
        assertEquals(0, BigDecimal.ZERO.compareTo(c.commitmentDiscount(null)));
        assertEquals(new BigDecimal("41666.666667"), foundation.monthlyEquivalentUsd());
    }

    @Test
    void plansRankByIncludedTransactionsThenMonthlyEquivalentPrice() {
        PlanCatalog c = PlanCatalogLoader.loadDefault();
        List<String> ranked = c.plans().stream().sorted(Plan.RANK).map(Plan::id).toList();
        assertEquals(List.of("developer", "professional", "enterprise-foundation", "enterprise-growth", "business",
                "enterprise", "enterprise-unlimited"), ranked);
    }

    @Test
    void notJsonNamesTheLineAndColumn() {
        assertTrue(message("{\"format\": ").startsWith("test.json: not valid JSON"), message("{\"format\": "));
        assertTrue(message("{\n  \"format\": x}").contains("line 2"));
        assertEquals("test.json: empty document", message(""));
    }

    @Test
    void wrongFormatMarkerIsRefused() {
        assertEquals("test.json: $.format: expected \"sippar-plans/1\", got \"sippar-plans/2\"",
                message(ONE_PLAN.formatted(FREE).replace("sippar-plans/1", "sippar-plans/2")));
    }

    @Test
    void unknownFieldsAreRefusedWithTheirPath() {
        String m = message(plan("""
                {"id": "pro", "name": "Pro", "priceUsd": "10", "billingCycle": "month",
                 "includedTransactionsPerMonth": 100, "overageUsd": "0.01", "hardStop": false}"""));
        assertTrue(m.startsWith("test.json: $.plans[1].overageUsd: unknown field"), m);
        assertTrue(message(ONE_PLAN.formatted(FREE).replace("\"plans\"", "\"plan\": 1, \"plans\""))
                .startsWith("test.json: $.plan: unknown field"));
    }

    @Test
    void duplicateKeysAreRefused() {
        assertTrue(message(ONE_PLAN.formatted(FREE).replace("\"defaultPlan\": \"free\"",
                "\"defaultPlan\": \"free\", \"defaultPlan\": \"free\"")).contains("Duplicate field"));
    }

    @Test
    void missingRequiredFieldsAreNamed() {
        assertEquals("test.json: $.plans[0].hardStop: required", message(ONE_PLAN.formatted(
                FREE.replace(", \"hardStop\": true", ""))));
        assertEquals("test.json: $.defaultPlan: required",
                message(ONE_PLAN.formatted(FREE).replace("\"defaultPlan\": \"free\",", "")));
    }

    @Test
    void pricesAreExactDecimalsInCents() {
        assertEquals("test.json: $.plans[0].priceUsd: expected a decimal string like \"500.00\"",
                message(ONE_PLAN.formatted(FREE.replace("\"priceUsd\": \"0\"", "\"priceUsd\": true"))));
        // a JSON number is read exactly, never through a double
        assertEquals(new BigDecimal("12.50"), PlanCatalogJson.parse(ONE_PLAN.formatted(
                FREE.replace("\"priceUsd\": \"0\"", "\"priceUsd\": 12.5")), "t").require("free").priceUsd());
        assertTrue(message(ONE_PLAN.formatted(FREE.replace("\"priceUsd\": \"0\"", "\"priceUsd\": \"0.001\"")))
                .contains("$.plans[0] (free): priceUsd must be a non-negative amount in whole cents"));
        assertTrue(message(ONE_PLAN.formatted(FREE.replace("\"priceUsd\": \"0\"", "\"priceUsd\": \"-1\"")))
                .contains("$.plans[0].priceUsd: expected a non-negative decimal"));
    }

    @Test
    void aHardStopPlanHasNoOverageAndALimitedPlanWithoutOneNeedsIt() {
        assertTrue(message(ONE_PLAN.formatted(FREE.replace("\"hardStop\": true",
                "\"hardStop\": true, \"overageUsdPerTransaction\": \"0.01\""))).contains("never bills overage"));
        assertTrue(message(ONE_PLAN.formatted(FREE.replace("\"hardStop\": true", "\"hardStop\": false")))
                .contains("needs overageUsdPerTransaction"));
        assertTrue(message(ONE_PLAN.formatted(FREE.replace("10", "\"unlimited\""))).contains(
                "an unlimited plan has neither a hard stop nor an overage price"));
        assertTrue(message(ONE_PLAN.formatted(FREE.replace("10", "0"))).contains("at least 1"));
        assertTrue(message(ONE_PLAN.formatted(FREE.replace("10", "\"many\""))).contains(
                "$.plans[0].includedTransactionsPerMonth: expected a whole number or \"unlimited\""));
    }

    @Test
    void commitmentTermsBelongToAnnualPlansAndMustBePriced() {
        String annual = """
                {"id": "big", "name": "Big", "priceUsd": "1200", "billingCycle": "year",
                 "includedTransactionsPerMonth": "unlimited", "hardStop": false, "commitmentYears": [1, 3]}""";
        assertTrue(message(plan(annual)).contains("plan big offers a 3-year commitment that commitmentDiscounts does not price"));
        assertTrue(message(plan(annual.replace(", \"commitmentYears\": [1, 3]", ""))).contains("needs commitmentYears"));
        assertTrue(message(ONE_PLAN.formatted(FREE.replace("\"hardStop\": true", "\"hardStop\": true, \"commitmentYears\": [1]")))
                .contains("applies to annual plans only"));
        assertTrue(message(plan(annual).replace("{\"1\": \"0\"}", "{\"1\": \"0\", \"3\": \"1\"}"))
                .contains("discount for 3 years must be at least 0 and below 1"));
        assertTrue(message(ONE_PLAN.formatted(FREE).replace("{\"1\": \"0\"}", "{\"3\": \"0.1\"}"))
                .contains("commitmentDiscounts must give 1 year a discount of 0"));
        assertTrue(message(plan(annual.replace("[1, 3]", "[1, 1]"))).contains("$.plans[1].commitmentYears[1]: 1 appears twice"));
        assertEquals(List.of(1, 3), PlanCatalogJson.parse(plan(annual).replace("{\"1\": \"0\"}",
                "{\"1\": \"0\", \"3\": \"0.2\"}"), "t").require("big").commitmentYears());
    }

    @Test
    void idsAreUniqueAndTheDefaultPlanMustBeOffered() {
        assertTrue(message(plan(FREE)).contains("plan id free appears twice"));
        assertTrue(message(ONE_PLAN.formatted(FREE).replace("\"defaultPlan\": \"free\"", "\"defaultPlan\": \"gold\""))
                .contains("defaultPlan gold is not one of the plans [free]"));
        assertTrue(message(ONE_PLAN.formatted(FREE.replace("\"hardStop\": true", "\"hardStop\": true, \"offered\": false")))
                .contains("defaultPlan free is not offered"));
        assertTrue(message(ONE_PLAN.formatted(FREE.replace("\"free\", \"name\"", "\"Free Plan\", \"name\"")))
                .contains("must match"));
        assertTrue(message(ONE_PLAN.formatted(FREE.replace("\"month\"", "\"week\"")))
                .contains("$.plans[0].billingCycle: expected \"month\" or \"year\", got \"week\""));
    }

    @Test
    void anOperatorFileReplacesTheCatalogAndAMissingFileIsNamed(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("plans.json");
        Files.writeString(file, ONE_PLAN.formatted(FREE));
        PlanCatalog c = PlanCatalogLoader.load(file);
        assertEquals(List.of("free"), c.plans().stream().map(Plan::id).toList());
        assertFalse(c.find("developer").isPresent());
        Path missing = dir.resolve("nope.json");
        assertEquals(missing + ": no such file (sippar.billing.plan-file)",
                assertThrows(InvalidPlanCatalogException.class, () -> PlanCatalogLoader.load(missing)).getMessage());
    }
}
