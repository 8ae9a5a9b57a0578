package io.sippar.billing;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;

/** Merchants, keys and usage counters for the billing tests, made through the real API and database. */
final class BillingFixtures {

    static final String ADMIN = "Bearer sk_test_operator_0123456789abcdefghij";
    static final Duration DB = Duration.ofSeconds(30);

    private BillingFixtures() {
    }

    /** A merchant created through the admin API, with an API key of its own. */
    record Merchant(UUID id, String slug, String bearer) {
    }

    static Merchant merchant(String plan) {
        String slug = "b-" + UUID.randomUUID().toString().substring(0, 12);
        String id = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Billing test\",\"plan\":\"" + plan + "\"}")
                .post("/admin/merchants").then().statusCode(201).extract().path("id");
        String secret = given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{}")
                .post("/admin/merchants/" + id + "/api-keys").then().statusCode(201).extract().path("secret");
        return new Merchant(UUID.fromString(id), slug, "Bearer " + secret);
    }

    /** Sets the merchant's counter for the current UTC month (as if that many settlements had been counted). */
    static void setUsage(Pool pool, UUID merchant, long transactions, int notifiedThreshold) {
        LocalDate month = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);
        pool.preparedQuery("""
                INSERT INTO merchant_usage (merchant_id, period_start, transactions, notified_threshold)
                VALUES ($1, $2, $3, $4)
                ON CONFLICT (merchant_id, period_start) DO UPDATE
                   SET transactions = EXCLUDED.transactions, notified_threshold = EXCLUDED.notified_threshold""")
                .execute(Tuple.of(merchant, month, transactions, (short) notifiedThreshold)).await().atMost(DB);
    }
}
