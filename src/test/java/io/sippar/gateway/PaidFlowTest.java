package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sippar.evm.TestPayments;
import io.sippar.interop.NodeScript;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.testsupport.TokenReader;
import io.sippar.x402.HeaderCodec;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Paid calls end to end through the reverse proxy, on real anvil chains: the official clients pay,
 * the gateway verifies, serves, settles on chain and records; replays and duplicates are refused.
 */
@QuarkusTest
class PaidFlowTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String TOKEN = AnvilFixture.TOKEN_ADDRESS;

    @TestHTTPResource("/demo/weather")
    URL demo;
    @TestHTTPResource("/paid/v1/weather")
    URL paidV1;
    @TestHTTPResource("/paid/broken")
    URL broken;

    @TestHTTPResource("/paid/slow")
    URL slow;

    @Inject
    Pool pool;

    private static JsonNode offered(URL url) {
        return HeaderCodec.decodeJson(given().get(url).getHeader("PAYMENT-REQUIRED")).at("/accepts/0");
    }

    private Row paymentByTx(String tx) {
        return pool.preparedQuery("SELECT * FROM payment WHERE tx_hash = $1").execute(Tuple.of(tx))
                .await().atMost(Duration.ofSeconds(10)).iterator().next();
    }

    private long journalEntries(Object paymentId) {
        return pool.preparedQuery("SELECT count(*) FROM journal_entry WHERE payment_id = $1")
                .execute(Tuple.of(paymentId)).await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }

    @Test
    void officialV2ClientPaysAndTheTransferIsOnChainAndInTheLedger() {
        AnvilFixture chain = ChainsTestResource.devnet();
        try (TokenReader token = new TokenReader(chain)) {
            BigInteger payerBefore = token.balance(chain.payer().address());
            BigInteger merchantBefore = token.balance(chain.merchant().address());
            JsonNode out = NodeScript.run("client.mjs", TIMEOUT, "--client", "v2", "--url", demo + "?city=Ur",
                    "--evm-key", chain.payer().privateKey(), "--allow-asset", TOKEN + "@eip155:31337");
            assertEquals(200, out.get("finalStatus").asInt(), out.toString());
            assertTrue(out.get("finalBody").asText().contains("\"city\":\"Ur\""), out.toString());
            JsonNode settlement = out.at("/decoded/paymentResponse");
            assertTrue(settlement.get("success").asBoolean(), settlement.toString());
            assertEquals("eip155:31337", settlement.get("network").asText());
            String tx = settlement.get("transaction").asText();
            assertEquals(1, token.receipt(tx).getStatus().equals("0x1") ? 1 : 0, "receipt status");
            assertEquals(payerBefore.subtract(BigInteger.valueOf(1000)), token.balance(chain.payer().address()));
            assertEquals(merchantBefore.add(BigInteger.valueOf(1000)), token.balance(chain.merchant().address()));
            Row row = paymentByTx(tx);
            assertEquals("settled", row.getString("state"));
            assertEquals(1L, journalEntries(row.getUUID("id")));
            // $0.001 is a micro payment: the $0.01 flat fee, capped at 5% of the payment = 50 units
            assertEquals(50L, row.getBigDecimal("fee_atomic").longValue());
            assertEquals("micro", row.getString("fee_band"));
            assertEquals("2025-01-seed", row.getString("fee_schedule_version"));
            Row revenue = pool.preparedQuery("""
                    SELECT sum(p.amount) FILTER (WHERE p.account = 'gateway:fee_revenue') AS fee,
                           sum(p.amount) AS total
                      FROM posting p JOIN journal_entry e ON e.id = p.entry_id WHERE e.payment_id = $1""")
                    .execute(Tuple.of(row.getUUID("id"))).await().atMost(Duration.ofSeconds(10)).iterator().next();
            assertEquals(50L, revenue.getBigDecimal("fee").longValue());
            assertEquals(0L, revenue.getBigDecimal("total").longValue());
        }
    }

    @Test
    void legacyV1ClientPaysWithXPayment() {
        AnvilFixture chain = ChainsTestResource.baseSepolia();
        try (TokenReader token = new TokenReader(chain)) {
            BigInteger merchantBefore = token.balance(chain.merchant().address());
            JsonNode out = NodeScript.run("client.mjs", TIMEOUT, "--client", "v1", "--url", paidV1.toString(),
                    "--evm-key", chain.payer().privateKey());
            assertEquals(200, out.get("finalStatus").asInt(), out.toString());
            JsonNode settlement = out.at("/decoded/paymentResponse");
            assertTrue(settlement.get("success").asBoolean(), settlement.toString());
            assertNotNull(token.receipt(settlement.get("transaction").asText()));
            assertEquals(merchantBefore.add(BigInteger.valueOf(2000)), token.balance(chain.merchant().address()));
        }
    }

    @Test
    void replayAfterSuccessIsRefusedWithoutASecondTransfer() {
        AnvilFixture chain = ChainsTestResource.devnet();
        try (TokenReader token = new TokenReader(chain)) {
            String header = TestPayments.v2Header(offered(demo), chain.account(4).privateKey());
            BigInteger before = token.balance(chain.account(4).address());
            given().header("PAYMENT-SIGNATURE", header).get(demo).then().statusCode(200)
                    .header("PAYMENT-RESPONSE", org.hamcrest.Matchers.notNullValue());
            Response replay = given().header("PAYMENT-SIGNATURE", header).get(demo);
            assertEquals(402, replay.statusCode());
            assertEquals("payment_already_used",
                    HeaderCodec.decodeJson(replay.getHeader("PAYMENT-REQUIRED")).get("error").asText());
            assertEquals(before.subtract(BigInteger.valueOf(1000)), token.balance(chain.account(4).address()));
        }
    }

    @Test
    void fiftyConcurrentCopiesOfOnePaymentSettleOnce() throws Exception {
        AnvilFixture chain = ChainsTestResource.devnet();
        try (TokenReader token = new TokenReader(chain)) {
            String header = TestPayments.v2Header(offered(demo), chain.account(5).privateKey());
            BigInteger before = token.balance(chain.account(5).address());
            int ok = 0;
            int refused = 0;
            for (HttpResponse<String> r : PaidRequests.copies(demo, header, 50)) {
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertEquals(402, r.statusCode(), r.body());
                    String error = HeaderCodec.decodeJson(r.headers().firstValue("PAYMENT-REQUIRED").orElseThrow())
                            .get("error").asText();
                    assertTrue(error.equals("payment_in_progress") || error.equals("payment_already_used"), error);
                    refused++;
                }
            }
            assertEquals(1, ok);
            assertEquals(49, refused);
            assertEquals(before.subtract(BigInteger.valueOf(1000)), token.balance(chain.account(5).address()));
        }
    }

    @Test
    void failingUpstreamIsNotChargedAndTheAuthorizationStaysUsable() {
        AnvilFixture chain = ChainsTestResource.devnet();
        try (TokenReader token = new TokenReader(chain)) {
            // the broken route asks exactly what the demo route asks, so one authorization fits both
            assertEquals(offered(demo), offered(broken));
            String header = TestPayments.v2Header(offered(broken), chain.account(6).privateKey());
            BigInteger before = token.balance(chain.account(6).address());
            given().header("PAYMENT-SIGNATURE", header).get(broken).then().statusCode(503)
                    .header("PAYMENT-RESPONSE", org.hamcrest.Matchers.nullValue());
            assertEquals(before, token.balance(chain.account(6).address()));
            given().header("PAYMENT-SIGNATURE", header).get(demo).then().statusCode(200);
            assertEquals(before.subtract(BigInteger.valueOf(1000)), token.balance(chain.account(6).address()));
        }
    }

    @Test
    void settlementRefusedOnChainGives402WithTheFailureAndNoResource() throws Exception {
        AnvilFixture chain = ChainsTestResource.devnet();
        AnvilFixture.Account payer = chain.account(8);
        try (TokenReader token = new TokenReader(chain)) {
            String header = TestPayments.v2Header(offered(slow), payer.privateKey());
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            CompletableFuture<HttpResponse<String>> call = http.sendAsync(
                    HttpRequest.newBuilder(URI.create(slow + "?ms=3000")).header("PAYMENT-SIGNATURE", header)
                            .timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            // verified and being served: now the payer empties its balance before settlement
            Thread.sleep(1500);
            BigInteger all = token.balance(payer.address());
            String drain = token.transfer(payer.privateKey(), chain.account(0).address(), all);
            assertNotNull(token.receipt(drain));
            HttpResponse<String> answer = call.get();
            assertEquals(402, answer.statusCode(), answer.body());
            assertTrue(!answer.body().contains("sleptMs"), "the resource must not be served");
            JsonNode failure = HeaderCodec.decodeJson(answer.headers().firstValue("PAYMENT-RESPONSE").orElseThrow());
            assertEquals(false, failure.get("success").asBoolean());
            assertEquals("invalid_exact_evm_insufficient_balance", failure.get("errorReason").asText(),
                    failure.toString());
            assertEquals(BigInteger.ZERO, token.balance(payer.address()));
        }
    }
}
