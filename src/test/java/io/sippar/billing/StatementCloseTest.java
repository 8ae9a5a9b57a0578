package io.sippar.billing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Closing a month freezes its statement; what arrives later is an adjustment on the next open month. */
@QuarkusTest
class StatementCloseTest {

    static final String ADMIN = StatementTotalsTest.ADMIN;
    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    StatementFixture fixture;
    @Inject
    Statements statements;
    @Inject
    Pool pool;

    private static String path(UUID merchant, StatementPeriod p) {
        return "/admin/merchants/" + merchant + "/statements/" + p;
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private LocalDate billedPeriod(UUID payment) {
        return pool.preparedQuery("SELECT billed_period FROM payment WHERE id = $1").execute(Tuple.of(payment))
                .await().atMost(StatementFixture.WAIT).iterator().next().getLocalDate("billed_period");
    }

    private String fee(UUID payment) {
        return Money.usd(pool.preparedQuery("SELECT fee_usd FROM payment WHERE id = $1").execute(Tuple.of(payment))
                .await().atMost(StatementFixture.WAIT).iterator().next().getBigDecimal("fee_usd"));
    }

    @Test
    void aClosedStatementReadsBackFrozenAndALateSettlementIsAnAdjustmentOnTheNextOpenMonth() {
        StatementPeriod p = StatementFixture.monthsAgo(2);
        StatementPeriod q = p.next();
        StatementPeriod current = q.next();
        UUID merchant = fixture.merchant("close", "developer", p.start().minusDays(1));
        for (int i = 0; i < 5; i++) {
            fixture.paid(merchant, StatementFixture.BASE, BigInteger.valueOf(2_000_000 + i), StatementFixture.in(p, i, 3));
        }
        for (int i = 0; i < 3; i++) {
            fixture.paid(merchant, StatementFixture.ANVIL, BigInteger.valueOf(300_000_000), StatementFixture.in(q, i, 5));
        }

        String closedBody = given().header("Authorization", ADMIN).post(path(merchant, p) + "/close").then()
                .statusCode(200).body("closedNow", equalTo(true)).body("statement.status", equalTo("closed"))
                .body("statement.transactions", equalTo(5)).extract().asString();
        JsonNode frozen = tree(closedBody).get("statement");
        assertTrue(frozen.get("closedBy").asText().startsWith("operator:"));
        assertEquals(tree(given().header("Authorization", ADMIN).get(path(merchant, p)).then().statusCode(200)
                .extract().asString()), frozen);

        // a settlement dated in the closed month, recorded after the close (a reconciler, clock skew)
        UUID late = fixture.paid(merchant, StatementFixture.BASE, BigInteger.valueOf(7_000_000), StatementFixture.in(p, 20, 0));
        assertEquals(q.firstDay(), billedPeriod(late));
        assertEquals(tree(given().header("Authorization", ADMIN).get(path(merchant, p)).then().statusCode(200)
                .extract().asString()), frozen, "a closed statement never changes");
        JsonPath pLines = given().header("Authorization", ADMIN).get(path(merchant, p) + "/lines").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(5, pLines.getList("payments").size());
        assertFalse(pLines.getList("payments.paymentId").contains(late.toString()));

        JsonPath open = given().header("Authorization", ADMIN).get(path(merchant, q)).then().statusCode(200)
                .extract().jsonPath();
        assertEquals("open", open.getString("status"));
        assertEquals(3, open.getInt("transactions"), "a late settlement is not one of the month's own transactions");
        Map<String, Object> adjustment = open.getMap("charges.find { it.kind == 'adjustment_fees' }");
        assertNotNull(adjustment, open.prettify());
        assertEquals(p.toString(), adjustment.get("period"));
        assertEquals(1, adjustment.get("transactions"));
        assertEquals("7000000", adjustment.get("volumeAtomic"));
        assertEquals(fee(late), adjustment.get("amountUsd"));
        assertEquals(fee(late), open.getString("totals.adjustmentsUsd"));
        BigDecimal expected = new BigDecimal(open.getString("totals.feesUsd")).add(new BigDecimal(fee(late)));
        assertEquals(0, expected.compareTo(new BigDecimal(open.getString("totals.totalExactUsd"))));
        JsonPath qLines = given().header("Authorization", ADMIN).get(path(merchant, q) + "/lines").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(4, qLines.getList("payments").size());
        Map<String, Object> lateLine = qLines.getMap("payments.find { it.paymentId == '" + late + "' }");
        assertEquals(true, lateLine.get("late"));
        assertEquals(p.toString(), lateLine.get("settledPeriod"));

        // once the next month is closed too, the following late settlement goes to the first open one
        given().header("Authorization", ADMIN).post(path(merchant, q) + "/close").then().statusCode(200)
                .body("closedNow", equalTo(true)).body("statement.totals.adjustmentsUsd", equalTo(fee(late)));
        UUID later = fixture.paid(merchant, StatementFixture.BASE, BigInteger.valueOf(9_000_000), StatementFixture.in(p, 21, 0));
        assertEquals(current.firstDay(), billedPeriod(later));
        given().header("Authorization", ADMIN).get(path(merchant, current)).then().statusCode(200)
                .body("status", equalTo("open")).body("transactions", equalTo(0))
                .body("charges.find { it.kind == 'adjustment_fees' }.period", equalTo(p.toString()))
                .body("totals.adjustmentsUsd", equalTo(fee(later)));
    }

    @Test
    void closingTwiceIsIdempotentAndOfManyConcurrentClosesExactlyOneWins() {
        StatementPeriod p = StatementFixture.monthsAgo(1);
        UUID merchant = fixture.merchant("twice", "developer", p.start().minusDays(1));
        fixture.paid(merchant, StatementFixture.BASE, BigInteger.valueOf(150_000_000), StatementFixture.in(p, 2, 0));
        List<Uni<Statements.Closed>> closes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            closes.add(statements.close(merchant, p, "pod-" + i));
        }
        List<Statements.Closed> results = Uni.join().all(closes).andFailFast().await().atMost(StatementFixture.WAIT);
        assertEquals(1, results.stream().filter(Statements.Closed::closedNow).count());
        String winner = results.stream().filter(Statements.Closed::closedNow).findFirst().orElseThrow().statement().closedBy();
        for (Statements.Closed r : results) {
            assertEquals(winner, r.statement().closedBy());
            assertEquals(StatementViews.StatementView.of(results.get(0).statement(), "x"),
                    StatementViews.StatementView.of(r.statement(), "x"));
        }
        given().header("Authorization", ADMIN).post(path(merchant, p) + "/close").then().statusCode(200)
                .body("closedNow", equalTo(false)).body("statement.closedBy", equalTo(winner))
                .body("statement.transactions", equalTo(1));
        assertEquals(1L, pool.preparedQuery("SELECT count(*) AS n FROM statement WHERE merchant_id = $1")
                .execute(Tuple.of(merchant)).await().atMost(StatementFixture.WAIT).iterator().next().getLong("n"));
    }

    @Test
    void settlementsRacingACloseAreEachBilledExactlyOnce() throws Exception {
        StatementPeriod p = StatementFixture.monthsAgo(3);
        UUID merchant = fixture.merchant("race", "developer", p.start().minusDays(1));
        int n = 120;
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(fixture.settling(merchant, StatementFixture.BASE, BigInteger.valueOf(1_500_000)).await()
                    .atMost(StatementFixture.WAIT));
        }
        List<CompletableFuture<Boolean>> settling = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            settling.add(fixture.settle(ids.get(i), merchant, StatementFixture.BASE, BigInteger.valueOf(1_500_000),
                    StatementFixture.in(p, i % 27, 1)).subscribeAsCompletionStage());
            if (i == n / 2) {
                settling.add(statements.close(merchant, p, "race").map(c -> c.closedNow()).subscribeAsCompletionStage());
            }
        }
        CompletableFuture.allOf(settling.toArray(CompletableFuture[]::new)).get(120, java.util.concurrent.TimeUnit.SECONDS);

        Statement frozen = statements.statement(merchant, p).await().atMost(StatementFixture.WAIT);
        assertTrue(frozen.closed());
        var counts = pool.preparedQuery("""
                SELECT count(*) FILTER (WHERE billed_period = $2) AS in_p,
                       count(*) FILTER (WHERE billed_period = $3) AS in_next, count(*) AS total
                  FROM payment WHERE merchant_id = $1 AND state = 'settled'""")
                .execute(Tuple.of(merchant, p.firstDay(), p.next().firstDay())).await().atMost(StatementFixture.WAIT)
                .iterator().next();
        assertEquals(n, counts.getLong("total"));
        assertEquals(n, counts.getLong("in_p") + counts.getLong("in_next"));
        assertEquals(counts.getLong("in_p"), frozen.transactions(), "the frozen statement has exactly those billed on it");
        Statement next = statements.statement(merchant, p.next()).await().atMost(StatementFixture.WAIT);
        long adjusted = next.lines().stream().filter(l -> StatementLine.Kind.ADJUSTMENT_FEES.equals(l.kind()))
                .mapToLong(StatementLine::transactions).sum();
        assertEquals(counts.getLong("in_next"), adjusted, "every later one is an adjustment on the next month");
    }

    @Test
    void statementsLinesAndBillingPeriodsCannotBeChangedAfterClose() {
        StatementPeriod p = StatementFixture.monthsAgo(1);
        UUID merchant = fixture.merchant("frozen", "developer", p.start().minusDays(1));
        UUID payment = fixture.paid(merchant, StatementFixture.BASE, BigInteger.valueOf(3_000_000), StatementFixture.in(p, 1, 0));
        statements.close(merchant, p, "test").await().atMost(StatementFixture.WAIT);
        long id = pool.preparedQuery("SELECT id FROM statement WHERE merchant_id = $1").execute(Tuple.of(merchant))
                .await().atMost(StatementFixture.WAIT).iterator().next().getLong("id");
        assertRefused("UPDATE statement SET total_due_usd = 0 WHERE id = $1", Tuple.of(id), "append-only");
        assertRefused("DELETE FROM statement WHERE id = $1", Tuple.of(id), "append-only");
        assertRefused("UPDATE statement_line SET amount_usd = 0 WHERE statement_id = $1", Tuple.of(id), "append-only");
        assertRefused("DELETE FROM statement_line WHERE statement_id = $1", Tuple.of(id), "append-only");
        assertRefused("""
                INSERT INTO statement_line (statement_id, position, section, kind, description, amount_usd)
                VALUES ($1, 999, 'charge', 'adjustment_fees', 'sneaked in', 1)""", Tuple.of(id), "is closed");
        assertRefused("UPDATE payment SET billed_period = $2 WHERE id = $1", Tuple.of(payment, p.next().firstDay()),
                "write-once");
    }

    private void assertRefused(String sql, Tuple args, String message) {
        try {
            pool.preparedQuery(sql).execute(args).await().atMost(StatementFixture.WAIT);
        } catch (RuntimeException e) {
            assertTrue(e.getMessage().contains(message), e.getMessage());
            return;
        }
        throw new AssertionError("the database accepted: " + sql);
    }

    @Test
    void aMonthThatHasNotEndedCannotBeClosedAndUnknownMerchantsAre404() {
        StatementPeriod current = StatementFixture.monthsAgo(0);
        UUID merchant = fixture.merchant("notyet", "developer", current.start().minusMonths(1));
        given().header("Authorization", ADMIN).post(path(merchant, current) + "/close").then().statusCode(409)
                .contentType("application/problem+json").body("reason", equalTo("conflict"));
        given().header("Authorization", ADMIN).post("/admin/statements/" + current + "/close").then().statusCode(409)
                .body("reason", equalTo("conflict"));
        given().header("Authorization", ADMIN).post(path(UUID.randomUUID(), current.previous()) + "/close").then()
                .statusCode(404).body("reason", equalTo("not_found"));
        given().header("Authorization", ADMIN).get(path(UUID.randomUUID(), current.previous())).then()
                .statusCode(404).body("reason", equalTo("not_found"));
        // a month before the merchant existed has no statement
        given().header("Authorization", ADMIN).get(path(merchant, current.previous().previous())).then()
                .statusCode(404).body("reason", equalTo("not_found"));
    }

    @Test
    void closingAMonthForAllMerchantsClosesEachThatExistedThenOnce() {
        // a month in the past that only this test's merchants existed in
        StatementPeriod p = new StatementPeriod(java.time.YearMonth.of(2003, 4));
        UUID a = fixture.merchant("all-a", "developer", p.start().minusDays(10));
        UUID b = fixture.merchant("all-b", "developer", p.start().plusDays(10));
        UUID after = fixture.merchant("all-later", "developer", p.end().plusDays(1));
        fixture.paid(a, StatementFixture.BASE, BigInteger.valueOf(4_000_000), StatementFixture.in(p, 12, 0));
        given().header("Authorization", ADMIN).post("/admin/statements/" + p + "/close").then().statusCode(200)
                .body("closedNow", equalTo(2)).body("period", equalTo(p.toString()));
        given().header("Authorization", ADMIN).post("/admin/statements/" + p + "/close").then().statusCode(200)
                .body("closedNow", equalTo(0));
        given().header("Authorization", ADMIN).get(path(a, p)).then().statusCode(200).body("status", equalTo("closed"))
                .body("transactions", equalTo(1));
        given().header("Authorization", ADMIN).get(path(b, p)).then().statusCode(200).body("status", equalTo("closed"))
                .body("transactions", equalTo(0)).body("totals.totalDueUsd", equalTo("0.00"));
        given().header("Authorization", ADMIN).get(path(after, p)).then().statusCode(404);
    }
}
