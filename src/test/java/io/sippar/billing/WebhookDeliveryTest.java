package io.sippar.billing;

import static io.restassured.RestAssured.given;
import static io.sippar.billing.BillingFixtures.ADMIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.sippar.testsupport.Settlements;
import io.restassured.http.ContentType;
import io.sippar.ledger.PaymentRepository;
import io.sippar.x402.X402Json;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Usage notices reach the merchant's webhook, signed, retried with backoff, given up after the allowed
 * attempts (4 in the test profile), bounded in time, never redirected; every attempt is visible in the API.
 */
@QuarkusTest
class WebhookDeliveryTest {

    private static final long WAIT_MILLIS = 90_000;

    @Inject
    Pool pool;
    @Inject
    PaymentRepository payments;

    private WebhookReceiver receiver;

    @BeforeEach
    void start() throws Exception {
        receiver = new WebhookReceiver();
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    /** A developer merchant whose webhook is {@code path} of the receiver; returns it and its secret. */
    private record Hooked(BillingFixtures.Merchant merchant, String secret) {
    }

    private Hooked hooked(String path) {
        BillingFixtures.Merchant m = BillingFixtures.merchant("developer");
        String secret = given().header("Authorization", m.bearer()).contentType(ContentType.JSON)
                .body("{\"url\":\"" + receiver.url(path) + "\"}").put("/merchant/webhook").then().statusCode(201)
                .extract().path("secret");
        return new Hooked(m, secret);
    }

    /** Makes the settlement that crosses 80% of the merchant's 1,000 included transactions. */
    private void cross80(BillingFixtures.Merchant m) {
        BillingFixtures.setUsage(pool, m.id(), 799, 0);
        assertEquals(1L, Settlements.settle(payments, m.id(), 1));
    }

    private static JsonNode notice(BillingFixtures.Merchant m, Predicate<JsonNode> until) {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        JsonNode last = null;
        while (System.currentTimeMillis() < deadline) {
            JsonNode list = X402Json.MAPPER.valueToTree(given().header("Authorization", m.bearer())
                    .get("/merchant/notices").then().statusCode(200).extract().as(List.class));
            if (list.size() == 1) {
                last = list.get(0);
                if (until.test(last)) {
                    return last;
                }
            }
            sleep(100);
        }
        return fail("notice not in the expected state within " + WAIT_MILLIS + " ms: " + last);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether a field is null or left out of the JSON (the API omits null fields). */
    private static boolean absent(JsonNode node, String pointer) {
        JsonNode v = node.at(pointer);
        return v.isMissingNode() || v.isNull();
    }

    private static Predicate<JsonNode> status(String s) {
        return n -> n.get("status").asText().equals(s);
    }

    @Test
    void theReceiverGetsTheEventWithASignatureThatVerifies() throws Exception {
        receiver.answer("/ok", n -> 200);
        Hooked h = hooked("/ok");
        cross80(h.merchant());
        JsonNode n = notice(h.merchant(), status("delivered"));
        assertEquals(1, n.get("attempts").asInt());
        assertEquals(200, n.at("/deliveries/0/statusCode").asInt());
        assertFalse(absent(n, "/deliveredAt"));

        List<WebhookReceiver.Received> got = receiver.received("/ok");
        assertEquals(1, got.size());
        WebhookReceiver.Received r = got.get(0);
        assertTrue(WebhookSigner.verify(h.secret(), r.header("Sippar-Signature"), r.body(),
                Instant.now().getEpochSecond(), 300), r.header("Sippar-Signature"));
        assertFalse(WebhookSigner.verify("whsec_not-the-secret", r.header("Sippar-Signature"), r.body(),
                Instant.now().getEpochSecond(), 300));
        assertEquals("application/json", r.header("Content-Type"));
        assertEquals(n.get("id").asText(), r.header("Sippar-Event-Id"));
        assertEquals("usage.threshold_reached", r.header("Sippar-Event-Type"));
        JsonNode event = X402Json.MAPPER.readTree(r.body());
        assertEquals(n.get("id").asText(), event.get("id").asText());
        assertEquals("usage.threshold_reached", event.get("type").asText());
        assertEquals(h.merchant().id().toString(), event.get("merchant").asText());
        assertEquals(YearMonth.now(ZoneOffset.UTC).toString(), event.get("period").asText());
        assertEquals(80, event.get("threshold").asInt());
        assertEquals(800, event.get("used").asInt());
        assertEquals(1000, event.get("included").asInt());
        assertEquals("developer", event.get("plan").asText());
        assertNotNull(Instant.parse(event.get("created").asText()));
    }

    @Test
    void aReceiverFailingTheFirstAttemptsGetsItAfterRetries() {
        receiver.answer("/flaky", n -> n <= 2 ? 500 : 204);
        Hooked h = hooked("/flaky");
        cross80(h.merchant());
        JsonNode n = notice(h.merchant(), status("delivered"));
        assertEquals(3, n.get("attempts").asInt());
        JsonNode d = n.get("deliveries");
        assertEquals(500, d.get(0).get("statusCode").asInt());
        assertEquals("the endpoint answered 500", d.get(0).get("error").asText());
        Instant first = Instant.parse(d.get(0).get("attemptedAt").asText());
        Instant retry = Instant.parse(d.get(0).get("nextAttemptAt").asText());
        assertTrue(retry.isAfter(first), "a retry is scheduled after a failure");
        assertEquals(500, d.get(1).get("statusCode").asInt());
        assertEquals(204, d.get(2).get("statusCode").asInt());
        assertTrue(absent(d.get(2), "/nextAttemptAt"));
        // every attempt carries the same event id
        List<WebhookReceiver.Received> got = receiver.received("/flaky");
        assertEquals(3, got.size());
        assertEquals(1, got.stream().map(r -> r.header("Sippar-Event-Id")).distinct().count());
        assertEquals("3", got.get(2).header("Sippar-Delivery-Attempt"));
    }

    @Test
    void aReceiverThatAlwaysFailsIsGivenUpAfterTheAllowedAttemptsAndCanBeRedelivered() {
        boolean[] healthy = {false};
        receiver.answer("/down", n -> healthy[0] ? 200 : 503);
        Hooked h = hooked("/down");
        cross80(h.merchant());
        JsonNode n = notice(h.merchant(), status("failed"));
        assertEquals(4, n.get("attempts").asInt());
        assertEquals(4, n.get("deliveries").size());
        n.get("deliveries").forEach(d -> assertEquals(503, d.get("statusCode").asInt()));
        assertTrue(absent(n, "/deliveries/3/nextAttemptAt"));
        sleep(1500);
        assertEquals(4, receiver.received("/down").size(), "nothing is sent after giving up");

        // the operator redelivers once the endpoint is fixed
        healthy[0] = true;
        given().header("Authorization", ADMIN).post("/admin/notices/" + n.get("id").asText() + "/redeliver").then()
                .statusCode(202).body("status", org.hamcrest.Matchers.equalTo("pending"))
                .body("attemptLimit", org.hamcrest.Matchers.equalTo(8));
        JsonNode again = notice(h.merchant(), status("delivered"));
        assertEquals(5, again.get("attempts").asInt());
        assertEquals(n.get("id").asText(), receiver.received("/down").get(4).header("Sippar-Event-Id"));
        given().header("Authorization", ADMIN).post("/admin/notices/" + java.util.UUID.randomUUID() + "/redeliver")
                .then().statusCode(404).body("reason", org.hamcrest.Matchers.equalTo("not_found"));
    }

    @Test
    void aSlowReceiverTimesOut() {
        receiver.slow("/slow", 6_000);
        Hooked h = hooked("/slow");
        cross80(h.merchant());
        JsonNode n = notice(h.merchant(), x -> x.get("deliveries").size() >= 1);
        JsonNode first = n.at("/deliveries/0");
        assertTrue(absent(first, "/statusCode"), first.toString());
        assertTrue(first.get("error").asText().startsWith("timeout"), first.toString());
        int ms = first.get("durationMs").asInt();
        assertTrue(ms >= 1_500 && ms < 5_500, "bounded by the 2 s timeout, took " + ms + " ms");
        assertEquals("pending", n.get("status").asText());
    }

    @Test
    void redirectsAreNotFollowed() {
        receiver.answer("/moved", n -> 302).answer("/elsewhere", n -> 200);
        Hooked h = hooked("/moved");
        cross80(h.merchant());
        JsonNode n = notice(h.merchant(), x -> x.get("deliveries").size() >= 1);
        assertEquals(302, n.at("/deliveries/0/statusCode").asInt());
        assertEquals("the endpoint answered 302 (redirects are not followed)", n.at("/deliveries/0/error").asText());
        assertEquals(0, receiver.received("/elsewhere").size());
    }

    @Test
    void aRotatedSecretSignsTheNextAttempt() {
        String[] accepted = {null};
        // the receiver only takes an event signed with the secret it currently holds
        receiver.answerBy("/rotate", r -> accepted[0] != null && WebhookSigner.verify(accepted[0],
                r.header("Sippar-Signature"), r.body(), Instant.now().getEpochSecond(), 300) ? 200 : 401);
        Hooked h = hooked("/rotate");
        cross80(h.merchant());
        notice(h.merchant(), x -> x.get("deliveries").size() >= 1);
        String rotated = given().header("Authorization", h.merchant().bearer()).post("/merchant/webhook/rotate-secret")
                .then().statusCode(200).extract().path("secret");
        accepted[0] = rotated;
        JsonNode n = notice(h.merchant(), status("delivered"));
        List<WebhookReceiver.Received> got = receiver.received("/rotate");
        long now = Instant.now().getEpochSecond();
        assertTrue(WebhookSigner.verify(h.secret(), got.get(0).header("Sippar-Signature"), got.get(0).body(), now, 300));
        WebhookReceiver.Received last = got.get(got.size() - 1);
        assertFalse(WebhookSigner.verify(h.secret(), last.header("Sippar-Signature"), last.body(), now, 300));
        assertEquals(401, n.at("/deliveries/0/statusCode").asInt());
    }

    @Test
    void aMerchantWithoutAWebhookStillSeesItsNotice() {
        BillingFixtures.Merchant m = BillingFixtures.merchant("developer");
        cross80(m);
        JsonNode n = notice(m, status("no_webhook"));
        assertEquals("the merchant has no webhook configured", n.at("/deliveries/0/error").asText());
        assertTrue(absent(n, "/nextAttemptAt"));
        // and the operator sees the same notice
        given().header("Authorization", ADMIN).get("/admin/merchants/" + m.id() + "/notices").then().statusCode(200)
                .body("[0].id", org.hamcrest.Matchers.equalTo(n.get("id").asText()))
                .body("[0].threshold", org.hamcrest.Matchers.equalTo(80));
    }
}
