package io.sippar.billing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Subscriptions, allowances, overage and commitment discounts on statements, from the real plans. */
@QuarkusTest
class StatementPlansTest {

    static final String ADMIN = StatementTotalsTest.ADMIN;

    @Inject
    StatementFixture fixture;

    private static JsonPath statement(UUID merchant, StatementPeriod p) {
        return given().header("Authorization", ADMIN).get("/admin/merchants/" + merchant + "/statements/" + p).then()
                .statusCode(200).extract().jsonPath();
    }

    private static BigDecimal usd(JsonPath s, String path) {
        return new BigDecimal(s.getString(path));
    }

    private static List<Map<String, Object>> charges(JsonPath s, String kind) {
        return s.getList("charges.findAll { it.kind == '" + kind + "' }");
    }

    @Test
    void anUpgradeOnTheLastDayProratesTheMonthAndPricesTheOverageOnTheDayWeightedAllowance() {
        StatementPeriod p = StatementFixture.monthsAgo(2);
        int days = p.month().lengthOfMonth();
        OffsetDateTime created = p.start().minusDays(10);
        OffsetDateTime upgrade = p.start().plusDays(days - 1);
        UUID merchant = fixture.merchant("prorate", "developer", created);
        fixture.history(merchant, new StatementFixture.Segment("developer", null, created, upgrade),
                new StatementFixture.Segment("professional", null, upgrade, null));
        long included = BigDecimal.valueOf(1000L * (days - 1) + 100_000L)
                .divide(BigDecimal.valueOf(days), 0, RoundingMode.HALF_UP).longValueExact();
        int n = (int) included + 5;
        // $0.50 micro payments: $0.01 each
        fixture.bulk(merchant, StatementFixture.BASE, new long[] {500_000}, n, p.start(), p.end().minusHours(1));

        JsonPath s = statement(merchant, p);
        assertEquals(n, s.getInt("transactions"));
        assertEquals(included, s.getLong("includedTransactions"));
        assertEquals("professional", s.getString("plan.id"), "the plan at the end of the month");
        assertEquals(5, s.getInt("overageTransactions"));
        List<Map<String, Object>> subs = charges(s, "subscription");
        assertEquals(2, subs.size(), s.prettify());
        assertEquals("0.00", subs.get(0).get("amountUsd"));
        BigDecimal professional = new BigDecimal(500).divide(BigDecimal.valueOf(days), 6, RoundingMode.HALF_UP);
        assertEquals(0, professional.compareTo(new BigDecimal((String) subs.get(1).get("amountUsd"))), s.prettify());
        assertEquals(Money.plain(BigDecimal.ONE.divide(BigDecimal.valueOf(days), 18, RoundingMode.HALF_UP)),
                subs.get(1).get("quantity"));
        Map<String, Object> overage = charges(s, "overage").get(0);
        assertEquals("5", overage.get("quantity"));
        assertEquals("0.01", overage.get("unitPriceUsd"));
        assertEquals("0.05", overage.get("amountUsd"));
        BigDecimal fees = new BigDecimal("0.01").multiply(BigDecimal.valueOf(n));
        assertEquals(0, fees.compareTo(usd(s, "totals.feesUsd")));
        BigDecimal exact = fees.add(professional).add(new BigDecimal("0.05"));
        assertEquals(0, exact.compareTo(usd(s, "totals.totalExactUsd")));
        assertEquals(exact.setScale(2, RoundingMode.HALF_UP).toPlainString(), s.getString("totals.totalDueUsd"));

        // closed, then one more settlement of that month arrives: its fee and its overage move to the next month
        given().header("Authorization", ADMIN).post("/admin/merchants/" + merchant + "/statements/" + p + "/close")
                .then().statusCode(200).body("statement.totals.totalExactUsd", equalTo(Money.usd(exact)));
        fixture.paid(merchant, StatementFixture.BASE, BigInteger.valueOf(500_000), p.start().plusDays(3));
        JsonPath next = statement(merchant, p.next());
        assertEquals(0, next.getInt("transactions"));
        assertEquals("Professional, " + p.next(), charges(next, "subscription").get(0).get("description"));
        assertEquals("500.00", charges(next, "subscription").get(0).get("amountUsd"));
        assertEquals("0.01", charges(next, "adjustment_fees").get(0).get("amountUsd"));
        Map<String, Object> lateOverage = charges(next, "adjustment_overage").get(0);
        assertEquals(p.toString(), lateOverage.get("period"));
        assertEquals("1", lateOverage.get("quantity"));
        assertEquals("0.01", lateOverage.get("amountUsd"));
        assertEquals("0.02", next.getString("totals.adjustmentsUsd"));
        assertEquals("500.02", next.getString("totals.totalDueUsd"));
    }

    @Test
    void anAnnualContractIsChargedInTheMonthEachContractYearStartsLessItsCommitmentDiscount() {
        StatementPeriod start = StatementFixture.monthsAgo(13);
        OffsetDateTime signed = start.start().plusDays(14).plusHours(9);
        UUID merchant = fixture.merchant("annual", "enterprise-foundation", signed);
        fixture.history(merchant, new StatementFixture.Segment("enterprise-foundation", 3, signed, null));

        JsonPath first = statement(merchant, start);
        assertEquals("year", first.getString("plan.billing"));
        assertEquals(3, first.getInt("plan.commitmentYears"));
        assertEquals("500000.00", charges(first, "subscription").get(0).get("amountUsd"));
        Map<String, Object> discount = charges(first, "commitment_discount").get(0);
        assertEquals("0.15", discount.get("quantity"));
        assertEquals("-75000.00", discount.get("amountUsd"));
        assertEquals("425000.00", first.getString("totals.totalDueUsd"));
        assertEquals(100_000L, first.getLong("includedTransactions"), "Foundation includes 100,000 a month");

        JsonPath middle = statement(merchant, StatementFixture.monthsAgo(7));
        assertEquals(List.of(), charges(middle, "subscription"), "nothing is charged between anniversaries");
        assertEquals("0.00", middle.getString("totals.totalDueUsd"));

        JsonPath second = statement(merchant, StatementFixture.monthsAgo(1));
        Map<String, Object> year2 = charges(second, "subscription").get(0);
        assertEquals("500000.00", year2.get("amountUsd"));
        assertEquals(true, ((String) year2.get("description")).contains("contract year 2"));
        assertEquals("-75000.00", charges(second, "commitment_discount").get(0).get("amountUsd"));
    }

    @Test
    void anAnnualUpgradeMidYearCreditsTheUnusedPrepaidDaysOfTheOldContract() {
        StatementPeriod signedIn = StatementFixture.monthsAgo(4);
        OffsetDateTime signed = signedIn.start();
        StatementPeriod upgradedIn = StatementFixture.monthsAgo(1);
        OffsetDateTime upgraded = upgradedIn.start().plusDays(10);
        UUID merchant = fixture.merchant("credit", "enterprise-foundation", signed);
        fixture.history(merchant, new StatementFixture.Segment("enterprise-foundation", 1, signed, upgraded),
                new StatementFixture.Segment("enterprise-growth", 1, upgraded, null));

        JsonPath s = statement(merchant, upgradedIn);
        long yearDays = ChronoUnit.DAYS.between(signed.toLocalDate(), signed.toLocalDate().plusYears(1));
        long unused = ChronoUnit.DAYS.between(upgraded.toLocalDate(), signed.toLocalDate().plusYears(1));
        BigDecimal credit = new BigDecimal(500_000).multiply(BigDecimal.valueOf(unused))
                .divide(BigDecimal.valueOf(yearDays), 18, RoundingMode.HALF_UP);
        Map<String, Object> creditLine = charges(s, "subscription_credit").get(0);
        assertEquals(0, credit.negate().compareTo(new BigDecimal((String) creditLine.get("amountUsd"))));
        assertEquals("1000000.00", charges(s, "subscription").get(0).get("amountUsd"));
        assertEquals(List.of(), charges(s, "commitment_discount"), "a 1-year contract has no discount");
        assertEquals(0, new BigDecimal(1_000_000).subtract(credit).compareTo(usd(s, "totals.subscriptionUsd")));
        assertEquals(new BigDecimal(1_000_000).subtract(credit).setScale(2, RoundingMode.HALF_UP).toPlainString(),
                s.getString("totals.totalDueUsd"));
        assertEquals("enterprise-growth", s.getString("plan.id"));
        long included = s.getLong("includedTransactions");
        assertEquals(true, included > 100_000 && included < 500_000, "the day-weighted allowance lies between the "
                + "two plans': " + included);
    }

    @Test
    void anUpgradeTodayShowsBothPlansProratedOnTheOpenStatement() {
        StatementPeriod current = StatementFixture.monthsAgo(0);
        UUID merchant = fixture.merchant("today", "professional", current.start().minusMonths(2));
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{\"plan\":\"business\"}")
                .put("/admin/merchants/" + merchant + "/subscription").then().statusCode(200)
                .body("direction", equalTo("upgrade"));
        JsonPath s = statement(merchant, current);
        List<Map<String, Object>> subs = charges(s, "subscription");
        int days = current.month().lengthOfMonth();
        int before = OffsetDateTime.now(java.time.ZoneOffset.UTC).getDayOfMonth() - 1;
        if (before == 0) {
            // upgraded on the 1st: the old plan has no day this month
            assertEquals(1, subs.size(), s.prettify());
        } else {
            assertEquals(2, subs.size(), s.prettify());
            assertEquals(0, new BigDecimal(500).multiply(BigDecimal.valueOf(before))
                    .divide(BigDecimal.valueOf(days), 6, RoundingMode.HALF_UP)
                    .compareTo(new BigDecimal((String) subs.get(0).get("amountUsd"))));
        }
        Map<String, Object> business = subs.get(subs.size() - 1);
        assertEquals(0, new BigDecimal(2500).multiply(BigDecimal.valueOf(days - before))
                .divide(BigDecimal.valueOf(days), 6, RoundingMode.HALF_UP)
                .compareTo(new BigDecimal((String) business.get("amountUsd"))));
        assertEquals("business", s.getString("plan.id"));
        assertNull(s.get("charges.find { it.kind == 'overage' }"));
    }
}
