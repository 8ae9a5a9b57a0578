package io.sippar.billing;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Operator analytics over ranges only this test's merchants lived in (the test database is shared; the
 * seeds' fee schedule is in force from 2025):
 * MRR/ARR from their subscriptions, fee revenue by band, network and plan, retention and top merchants.
 */
@QuarkusTest
class AnalyticsTest {

    static final String ADMIN = StatementTotalsTest.ADMIN;

    @Inject
    StatementFixture fixture;

    private static OffsetDateTime at(String iso) {
        return OffsetDateTime.parse(iso);
    }

    @Test
    void figuresForARangeComeFromTheSubscriptionsAndTheSettlementsInIt() {
        UUID a = fixture.merchant("an-a", "professional", at("2024-06-01T00:00:00Z"));
        fixture.history(a, new StatementFixture.Segment("professional", null, at("2024-06-01T00:00:00Z"), at("2025-06-01T00:00:00Z")),
                new StatementFixture.Segment("developer", null, at("2025-06-01T00:00:00Z"), null));
        UUID b = fixture.merchant("an-b", "business", at("2024-06-01T00:00:00Z"));
        fixture.history(b, new StatementFixture.Segment("business", null, at("2024-06-01T00:00:00Z"), at("2025-03-01T00:00:00Z")),
                new StatementFixture.Segment("developer", null, at("2025-03-01T00:00:00Z"), null));
        UUID c = fixture.merchant("an-c", "developer", at("2025-03-10T00:00:00Z"));
        // the base window, [2025-01-29, 2025-03-01)
        fixture.paid(a, StatementFixture.BASE, BigInteger.valueOf(50_000_000), at("2025-02-10T10:00:00Z"));
        fixture.paid(a, StatementFixture.BASE, BigInteger.valueOf(50_000_000), at("2025-02-11T10:00:00Z"));
        fixture.paid(b, StatementFixture.BASE, BigInteger.valueOf(5_000_000), at("2025-02-12T10:00:00Z"));
        // the range, March 2025
        for (int i = 0; i < 3; i++) {
            fixture.paid(a, StatementFixture.BASE, BigInteger.valueOf(200_000_000), at("2025-03-05T10:00:00Z").plusHours(i));
        }
        fixture.paid(a, StatementFixture.ANVIL, BigInteger.valueOf(20_000_000_000L), at("2025-03-06T10:00:00Z"));
        fixture.paid(c, StatementFixture.BASE, BigInteger.valueOf(500_000), at("2025-03-15T10:00:00Z"));

        JsonPath r = given().header("Authorization", ADMIN).get("/admin/analytics?from=2025-03&to=2025-04").then()
                .statusCode(200).extract().jsonPath();
        assertEquals("500.00", r.getString("mrrUsd"), r.prettify());
        assertEquals("6000.00", r.getString("arrUsd"));
        assertEquals("500.00", r.getString("mrrAtStartUsd"), "B was already on the free plan on March 1");
        assertEquals(5, r.getInt("transactions"));
        assertEquals("10.61", r.getString("feeRevenueUsd"));
        assertEquals("20600.50", r.getString("volumeUsd"));
        assertEquals(List.of("micro", "medium", "large"), r.getList("feeRevenueByBand.key"));
        assertEquals(List.of("0.01", "0.60", "10.00"), r.getList("feeRevenueByBand.feesUsd"));
        assertEquals(List.of("eip155:31337", "eip155:8453"), r.getList("feeRevenueByNetwork.key"));
        assertEquals(List.of("10.00", "0.61"), r.getList("feeRevenueByNetwork.feesUsd"));
        assertEquals(List.of("professional", "developer"), r.getList("feeRevenueByPlan.key"));
        assertEquals(List.of("10.60", "0.01"), r.getList("feeRevenueByPlan.feesUsd"));
        assertEquals(List.of(a.toString(), c.toString()), r.getList("topMerchantsByFees.merchantId"));
        assertEquals(List.of("20600.00", "0.50"), r.getList("topMerchantsByVolume.volumeUsd"));

        // retention: A and B had revenue in the base window; B churned to the free plan, C is new (not counted)
        BigDecimal threeOf31 = BigDecimal.valueOf(3).divide(BigDecimal.valueOf(31), 30, RoundingMode.HALF_UP);
        BigDecimal baseA = new BigDecimal("0.10").add(new BigDecimal(500).multiply(threeOf31)).add(new BigDecimal(500));
        BigDecimal baseB = new BigDecimal("0.05").add(new BigDecimal(2500).multiply(threeOf31)).add(new BigDecimal(2500));
        BigDecimal current = new BigDecimal("10.60").add(new BigDecimal(500));
        assertEquals(2, r.getInt("netRevenueRetention.cohortMerchants"));
        assertEquals("2025-01-29T00:00:00Z", r.getString("netRevenueRetention.baseFrom"));
        assertEquals(0, baseA.add(baseB).setScale(2, RoundingMode.HALF_UP)
                .compareTo(new BigDecimal(r.getString("netRevenueRetention.baseRevenueUsd")).setScale(2, RoundingMode.HALF_UP)));
        assertEquals(current.divide(baseA.add(baseB), 6, RoundingMode.HALF_UP).toPlainString(),
                r.getString("netRevenueRetention.ratio"));

        String csv = given().header("Authorization", ADMIN).queryParam("format", "csv")
                .get("/admin/analytics?from=2025-03&to=2025-04").then().statusCode(200).extract().asString();
        List<List<String>> rows = StatementApiTest.csv(csv);
        assertTrue(rows.contains(List.of("summary", "mrr_usd", "", "", "", "", "500.00")), csv);
        assertTrue(rows.contains(List.of("band", "large", "", "1", "20000.00", "10.00", "")), csv);
    }

    @Test
    void anAnnualContractCountsAsATwelfthOfItsDiscountedPriceInMrr() {
        UUID m = fixture.merchant("an-annual", "enterprise-growth", at("2025-07-10T00:00:00Z"));
        fixture.history(m, new StatementFixture.Segment("enterprise-growth", 5, at("2025-07-10T00:00:00Z"), null));
        JsonPath r = given().header("Authorization", ADMIN).get("/admin/analytics?from=2025-08-01&to=2025-08-02").then()
                .statusCode(200).extract().jsonPath();
        // $1M / 12 = 83,333.333333 a month, 25% off for five years
        BigDecimal mrr = new BigDecimal("83333.333333").multiply(new BigDecimal("0.75"));
        assertEquals(Money.usd(mrr), r.getString("mrrUsd"));
        assertEquals(Money.usd(mrr.multiply(BigDecimal.valueOf(12))), r.getString("arrUsd"));
    }
}
