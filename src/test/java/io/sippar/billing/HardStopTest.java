package io.sippar.billing;

import static io.restassured.RestAssured.given;
import static io.sippar.billing.BillingFixtures.ADMIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.sippar.evm.TestPayments;
import io.sippar.interop.NodeScript;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.testsupport.TokenReader;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.math.BigInteger;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.UUID;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * The Developer plan's hard stop on real chains: once the month's 1,000 included transactions are used,
 * the merchant's routes answer 429 merchant_plan_limit_reached before any payment is reserved, so no
 * money moves (the official client gets the 429 and does not pay); after an upgrade the same
 * authorization pays.
 */
@QuarkusTest
class HardStopTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String TOKEN = AnvilFixture.TOKEN_ADDRESS;
    private static final String FREEBIE_KEY = "Bearer sk_test_freebie_0123456789abcdefghij";

    @TestHTTPResource("/freebie/data")
    URL route;

    @Inject
    Pool pool;

    private UUID freebie() {
        return pool.query("SELECT id FROM merchant WHERE slug = 'freebie'").execute().await().atMost(TIMEOUT)
                .iterator().next().getUUID("id");
    }

    private void plan(UUID merchant, String plan, String effective) {
        given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"plan\":\"" + plan + "\",\"effective\":\"" + effective + "\"}")
                .put("/admin/merchants/" + merchant + "/subscription").then().statusCode(200);
    }

    private long payments(UUID merchant) {
        return pool.preparedQuery("SELECT count(*) FROM payment WHERE merchant_id = $1").execute(Tuple.of(merchant))
                .await().atMost(TIMEOUT).iterator().next().getLong(0);
    }

    /** The unpaid answer once this pod's cache has seen the counter (it refreshes within the 1 s TTL). */
    private Response unpaidUntil(int status) {
        long deadline = System.currentTimeMillis() + 30_000;
        Response r;
        do {
            r = given().get(route);
            if (r.statusCode() == status) {
                return r;
            }
            sleep(200);
        } while (System.currentTimeMillis() < deadline);
        return fail("the route still answers " + r.statusCode() + ", not " + status);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void overTheLimitNothingIsChargedAndAnUpgradeLetsTheSamePaymentThrough() {
        UUID m = freebie();
        plan(m, "developer", "now");
        BillingFixtures.setUsage(pool, m, 10, 0);
        JsonNode offered = HeaderCodec.decodeJson(unpaidUntil(402).getHeader("PAYMENT-REQUIRED")).at("/accepts/0");
        AnvilFixture chain = ChainsTestResource.devnet();
        AnvilFixture.Account payer = chain.account(7);
        String header = TestPayments.v2Header(offered, payer.privateKey());

        BillingFixtures.setUsage(pool, m, 1000, 100);
        try (TokenReader token = new TokenReader(chain)) {
            BigInteger payerBefore = token.balance(payer.address());
            BigInteger merchantBefore = token.balance(chain.merchant().address());
            long rowsBefore = payments(m);

            Response unpaid = unpaidUntil(429);
            assertEquals("application/problem+json", unpaid.getContentType());
            assertEquals("merchant_plan_limit_reached", unpaid.jsonPath().getString("reason"));
            Instant nextMonth = YearMonth.now(ZoneOffset.UTC).plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC)
                    .toInstant();
            long retryAfter = Long.parseLong(unpaid.getHeader("Retry-After"));
            long expected = nextMonth.getEpochSecond() - Instant.now().getEpochSecond();
            assertTrue(Math.abs(retryAfter - expected) < 120, retryAfter + " vs " + expected);
            assertTrue(unpaid.jsonPath().getString("detail").contains(nextMonth.toString()));

            Response paid = given().header("PAYMENT-SIGNATURE", header).get(route);
            assertEquals(429, paid.statusCode(), paid.asString());
            assertEquals("merchant_plan_limit_reached", paid.jsonPath().getString("reason"));

            // the official v2 client hands the 429 back without paying
            JsonNode out = NodeScript.run("client.mjs", TIMEOUT, "--client", "v2", "--url", route.toString(),
                    "--evm-key", payer.privateKey(), "--allow-asset", TOKEN + "@eip155:31337");
            assertEquals(429, out.get("finalStatus").asInt(), out.toString());
            assertEquals(1, out.get("exchanges").size(), "one request, no payment attempt: " + out);

            // the merchant's own server settling through the facilitator API is refused the same way
            ObjectNode settle = X402Json.MAPPER.createObjectNode();
            settle.put("x402Version", 2);
            settle.set("paymentPayload", HeaderCodec.decodeJson(TestPayments.v2Header(offered, payer.privateKey())));
            settle.set("paymentRequirements", offered);
            given().header("Authorization", FREEBIE_KEY).contentType(ContentType.JSON).body(settle.toString())
                    .post("/settle").then().statusCode(200)
                    .body("success", org.hamcrest.Matchers.equalTo(false))
                    .body("errorReason", org.hamcrest.Matchers.equalTo("merchant_plan_limit_reached"));

            assertEquals(payerBefore, token.balance(payer.address()), "no money moved");
            assertEquals(merchantBefore, token.balance(chain.merchant().address()));
            assertEquals(rowsBefore, payments(m), "nothing was even reserved");

            // an upgrade applies at once on this pod: the very same authorization now pays
            plan(m, "professional", "rule");
            Response after = given().header("PAYMENT-SIGNATURE", header).get(route);
            assertEquals(200, after.statusCode(), after.asString());
            assertNotNull(after.getHeader("PAYMENT-RESPONSE"));
            assertEquals(payerBefore.subtract(BigInteger.valueOf(1000)), token.balance(payer.address()));
            assertEquals(merchantBefore.add(BigInteger.valueOf(1000)), token.balance(chain.merchant().address()));
            assertEquals(402, given().get(route).statusCode());
            given().header("Authorization", FREEBIE_KEY).get("/merchant/plan").then().statusCode(200)
                    .body("plan.id", org.hamcrest.Matchers.equalTo("professional"))
                    .body("usage.used", org.hamcrest.Matchers.equalTo(1001))
                    .body("usage.limitReached", org.hamcrest.Matchers.equalTo(false));
        } finally {
            plan(m, "developer", "now");
            BillingFixtures.setUsage(pool, m, 0, 0);
        }
    }

    @Test
    void underTheLimitTheDeveloperPlanServesPaidRequests() {
        UUID m = freebie();
        plan(m, "developer", "now");
        BillingFixtures.setUsage(pool, m, 998, 80);
        AnvilFixture chain = ChainsTestResource.devnet();
        JsonNode offered = HeaderCodec.decodeJson(unpaidUntil(402).getHeader("PAYMENT-REQUIRED")).at("/accepts/0");
        try {
            given().header("PAYMENT-SIGNATURE", TestPayments.v2Header(offered, chain.account(7).privateKey()))
                    .get(route).then().statusCode(200);
            // the 1,000th transaction was served; the 1,001st is refused
            given().header("PAYMENT-SIGNATURE", TestPayments.v2Header(offered, chain.account(7).privateKey()))
                    .get(route).then().statusCode(200);
            given().header("PAYMENT-SIGNATURE", TestPayments.v2Header(offered, chain.account(7).privateKey()))
                    .get(route).then().statusCode(429);
            given().header("Authorization", FREEBIE_KEY).get("/merchant/plan").then().statusCode(200)
                    .body("usage.used", org.hamcrest.Matchers.equalTo(1000))
                    .body("usage.remaining", org.hamcrest.Matchers.equalTo(0))
                    .body("usage.limitReached", org.hamcrest.Matchers.equalTo(true));
        } finally {
            BillingFixtures.setUsage(pool, m, 0, 0);
        }
    }
}
