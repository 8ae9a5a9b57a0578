package io.sippar.billing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The statement API: each merchant sees only its own, exports as CSV, and bad requests are clear 400s. */
@QuarkusTest
class StatementApiTest {

    static final String ADMIN = StatementTotalsTest.ADMIN;

    @Inject
    StatementFixture fixture;

    StatementPeriod last = StatementFixture.monthsAgo(1);
    UUID alice;
    UUID bob;
    String aliceKey;
    UUID alicePayment;
    UUID bobPayment;

    private static String key(UUID merchant) {
        return "Bearer " + given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{}")
                .post("/admin/merchants/" + merchant + "/api-keys").then().statusCode(201).extract().path("secret");
    }

    @BeforeEach
    void twoMerchants() {
        alice = fixture.merchant("alice", "developer", last.start().minusDays(40));
        bob = fixture.merchant("bob", "developer", last.start().minusDays(40));
        aliceKey = key(alice);
        alicePayment = fixture.paid(alice, StatementFixture.BASE, BigInteger.valueOf(12_000_000), StatementFixture.in(last, 3, 0));
        bobPayment = fixture.paid(bob, StatementFixture.BASE, BigInteger.valueOf(34_000_000), StatementFixture.in(last, 3, 0));
    }

    private static ValidatableResponse problem(ValidatableResponse r, int status, String reason) {
        return r.statusCode(status).contentType("application/problem+json").body("reason", equalTo(reason))
                .body("status", equalTo(status));
    }

    @Test
    void aMerchantSeesItsOwnStatementAndPaymentsOnly() {
        given().header("Authorization", aliceKey).get("/merchant/statements/" + last).then().statusCode(200)
                .body("merchantId", equalTo(alice.toString())).body("transactions", equalTo(1))
                .body("volume[0].amountAtomic", equalTo("12000000"))
                .body("payments", equalTo("/merchant/statements/" + last + "/lines"));
        given().header("Authorization", aliceKey).get("/merchant/statements/" + last + "/lines").then().statusCode(200)
                .body("payments.paymentId", hasItem(alicePayment.toString()))
                .body("payments.paymentId", not(hasItem(bobPayment.toString())));
        String csv = given().header("Authorization", aliceKey).queryParam("format", "csv")
                .get("/merchant/statements/" + last + "/lines").then().statusCode(200).extract().asString();
        assertTrue(csv.contains(alicePayment.toString()));
        assertFalse(csv.contains(bobPayment.toString()));
        // the admin paths are closed to a merchant key, for its own merchant as for others
        problem(given().header("Authorization", aliceKey).get("/admin/merchants/" + bob + "/statements/" + last).then(),
                403, "forbidden");
        problem(given().header("Authorization", aliceKey).get("/admin/merchants/" + alice + "/statements").then(),
                403, "forbidden");
        problem(given().header("Authorization", aliceKey).post("/admin/merchants/" + bob + "/statements/" + last
                + "/close").then(), 403, "forbidden");
        problem(given().header("Authorization", aliceKey).post("/admin/statements/" + last + "/close").then(), 403,
                "forbidden");
        problem(given().header("Authorization", aliceKey).get("/admin/analytics?from=2026-01&to=2026-02").then(), 403,
                "forbidden");
        problem(given().get("/merchant/statements/" + last).then(), 401, "unauthorized");
        problem(given().header("Authorization", ADMIN).get("/merchant/statements").then(), 403, "forbidden");
    }

    @Test
    void theListHasEveryMonthSinceTheMerchantExistedClosedOnesWithTotals() {
        given().header("Authorization", ADMIN).post("/admin/merchants/" + alice + "/statements/" + last + "/close").then()
                .statusCode(200);
        List<String> periods = given().header("Authorization", aliceKey).get("/merchant/statements").then()
                .statusCode(200).body("[0].period", equalTo(last.next().toString())).body("[0].status", equalTo("open"))
                .body("[1].period", equalTo(last.toString())).body("[1].status", equalTo("closed"))
                .body("[1].transactions", equalTo(1)).body("[1].totalDueUsd", notNullValue())
                .body("[1].href", equalTo("/merchant/statements/" + last)).extract().path("period");
        assertEquals(List.of(last.next().toString(), last.toString(), last.previous().toString(),
                last.previous().previous().toString()), periods);
    }

    @Test
    void statementsExportAsCsvByQueryOrAcceptHeader() {
        String byQuery = given().header("Authorization", aliceKey).queryParam("format", "csv")
                .get("/merchant/statements/" + last).then().statusCode(200).contentType(startsWith("text/csv"))
                .header("Content-Disposition", containsString("statement-" + alice + "-" + last + ".csv"))
                .extract().asString();
        String byAccept = given().header("Authorization", aliceKey).accept("text/csv")
                .get("/merchant/statements/" + last).then().statusCode(200).contentType(startsWith("text/csv"))
                .extract().asString();
        assertEquals(byQuery, byAccept);
        List<List<String>> rows = csv(byQuery);
        assertEquals(Arrays.asList(StatementCsv.STATEMENT_HEADER.trim().split(",")), rows.get(0));
        int columns = rows.get(0).size();
        assertTrue(rows.stream().allMatch(r -> r.size() == columns), byQuery);
        List<String> band = rows.stream().filter(r -> r.get(3).equals("fees_by_band")).findFirst().orElseThrow();
        assertEquals("Fees, small payments in 0x833589fcd6edb6e08f4c7c32d4f71b54bda02913 on eip155:8453", band.get(5),
                "a field with a comma is quoted");
        assertEquals("50000", band.get(13));
        List<String> total = rows.get(rows.size() - 1);
        assertEquals(List.of("total", "total_due_usd"), total.subList(3, 5));
        assertEquals("0.05", total.get(16), "$12 is a small payment: $0.05");

        String lines = given().header("Authorization", aliceKey).accept("text/csv")
                .get("/merchant/statements/" + last + "/lines").then().statusCode(200)
                .contentType(startsWith("text/csv")).extract().asString();
        List<List<String>> paymentRows = csv(lines);
        assertEquals(Arrays.asList(StatementCsv.PAYMENTS_HEADER.trim().split(",")), paymentRows.get(0));
        assertEquals(2, paymentRows.size());
        assertEquals(List.of(alicePayment.toString(), last.toString()), paymentRows.get(1).subList(0, 2));
        assertEquals("12000000", paymentRows.get(1).get(8));
        assertTrue(paymentRows.get(1).get(14).startsWith("0x"), "tx hash");
        assertTrue(paymentRows.get(1).get(15).matches("[0-9]+"), "journal entry id");
        given().header("Authorization", ADMIN).queryParam("format", "csv")
                .get("/admin/merchants/" + alice + "/statements/" + last + "/lines").then().statusCode(200)
                .body(containsString(alicePayment.toString()));
    }

    /** RFC 4180 parsing: quoted fields may hold commas, doubled quotes and line breaks. */
    static List<List<String>> csv(String text) {
        List<List<String>> rows = new java.util.ArrayList<>();
        List<String> row = new java.util.ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new java.util.ArrayList<>();
                i++;
            } else {
                field.append(c);
            }
        }
        assertEquals(0, field.length() + row.size(), "a CSV export ends with CRLF");
        return rows;
    }

    @Test
    void malformedPeriodsLimitsCursorsAndFormatsAre400() {
        for (String bad : List.of("2026-13", "2026-1", "202611", "abc", "2026-00", "1999-12")) {
            problem(given().header("Authorization", aliceKey).get("/merchant/statements/" + bad).then(), 400,
                    "invalid_request");
        }
        StatementPeriod future = StatementFixture.monthsAgo(-1);
        problem(given().header("Authorization", aliceKey).get("/merchant/statements/" + future).then(), 400,
                "invalid_request").body("detail", containsString("has not started"));
        problem(given().header("Authorization", aliceKey).get("/merchant/statements/" + last + "/lines?limit=0").then(),
                400, "invalid_request");
        problem(given().header("Authorization", aliceKey).get("/merchant/statements/" + last + "/lines?limit=1000000")
                .then(), 400, "invalid_request");
        problem(given().header("Authorization", aliceKey).get("/merchant/statements/" + last + "/lines?after=nope").then(),
                400, "invalid_request");
        problem(given().header("Authorization", aliceKey).get("/merchant/statements/" + last + "?format=xml").then(),
                400, "invalid_request");
        problem(given().header("Authorization", ADMIN).post("/admin/statements/2026-13/close").then(), 400,
                "invalid_request");
        for (String range : List.of("from=2026-01", "to=2026-02", "from=2026-02&to=2026-01", "from=2026-01&to=2026-01",
                "from=2026-02-30&to=2026-03", "from=yesterday&to=2026-03", "from=2010-01&to=2026-01",
                "from=2026-01&to=2026-02&top=0", "from=2026-01&to=2026-02&top=101")) {
            problem(given().header("Authorization", ADMIN).get("/admin/analytics?" + range).then(), 400,
                    "invalid_request");
        }
    }

    @Test
    void openApiDocumentsTheStatementAndAnalyticsEndpoints() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.'/merchant/statements'.get.security", notNullValue())
                .body("paths.'/merchant/statements/{period}'.get.summary", notNullValue())
                .body("paths.'/merchant/statements/{period}/lines'.get", notNullValue())
                .body("paths.'/admin/merchants/{merchantId}/statements/{period}'.get", notNullValue())
                .body("paths.'/admin/merchants/{merchantId}/statements/{period}/close'.post", notNullValue())
                .body("paths.'/admin/statements/{period}/close'.post", notNullValue())
                .body("paths.'/admin/analytics'.get.parameters.name", hasItem("from"));
    }
}
