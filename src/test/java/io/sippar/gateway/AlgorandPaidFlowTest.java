package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sippar.algorand.TestAvmPayments;
import io.sippar.interop.NodeScript;
import io.sippar.interop.NodeServer;
import io.sippar.testsupport.AlgodFixture;
import io.sippar.testsupport.AlgodQueries;
import io.sippar.testsupport.ChainsTestResource;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Algorand through the gateway on the devnet: the official {@code @x402/fetch} + {@code @x402/avm}
 * client pays in reverse-proxy mode with the gateway as fee payer, the official {@code @x402/express}
 * + {@code @x402/avm} server uses the gateway as facilitator, and replays and concurrent duplicates
 * settle once.
 */
@QuarkusTest
class AlgorandPaidFlowTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String MERCHANT_2 = "Y3DLY4QMXXW5AL2ON7VP5TCFOB7UFV4HNNS3K5V6HDENED4HSA2ABY2IJI";

    @TestHTTPResource("/paid/algo/weather")
    URL paidAlgo;
    @TestHTTPResource("/demo/weather")
    URL demo;
    @TestHTTPResource("/")
    URL gateway;

    @Inject
    Pool pool;

    private static AlgodFixture algod() {
        return ChainsTestResource.algorand();
    }

    private static long usdc() {
        return algod().usdcAssetId();
    }

    /** The Algorand entry of a route's 402. */
    private static JsonNode offeredAlgorand(URL url) {
        for (JsonNode a : HeaderCodec.decodeJson(given().get(url).getHeader("PAYMENT-REQUIRED")).get("accepts")) {
            if (a.get("network").asText().startsWith("algorand:")) {
                return a;
            }
        }
        throw new AssertionError("no Algorand offer at " + url);
    }

    private Row paymentByTx(String tx) {
        return pool.preparedQuery("SELECT * FROM payment WHERE tx_hash = $1").execute(Tuple.of(tx))
                .await().atMost(Duration.ofSeconds(10)).iterator().next();
    }

    private long journalEntries(Object paymentId) {
        return pool.preparedQuery("SELECT count(*) FROM journal_entry WHERE payment_id = $1")
                .execute(Tuple.of(paymentId)).await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }

    private static JsonNode payWithOfficialClient(String url, AlgodFixture.Account payer) {
        return NodeScript.run("client.mjs", TIMEOUT, "--client", "v2", "--url", url, "--avm-key", payer.key(),
                "--algod-url", algod().url(), "--algod-token", algod().token());
    }

    @Test
    void routesOfferAlgorandWithTheGatewayAsFeePayerAndTheDemoKeepsEvmFirst() {
        JsonNode demoAccepts = HeaderCodec.decodeJson(given().get(demo).getHeader("PAYMENT-REQUIRED")).get("accepts");
        assertEquals(2, demoAccepts.size());
        assertEquals("eip155:31337", demoAccepts.at("/0/network").asText());
        JsonNode a = demoAccepts.get(1);
        assertEquals(algod().network(), a.get("network").asText());
        assertEquals("10458941", a.get("asset").asText());
        assertEquals("1000", a.get("amount").asText(), "$0.001 of a 6-decimal USDC");
        assertEquals(algod().merchant().address(), a.get("payTo").asText());
        assertEquals(6, a.at("/extra/decimals").asInt());
        assertEquals(algod().feePayer().address(), a.at("/extra/feePayer").asText());
        assertEquals(2, a.get("extra").size());

        JsonNode paid = offeredAlgorand(paidAlgo);
        assertEquals("2000", paid.get("amount").asText());
        assertEquals(MERCHANT_2, paid.get("payTo").asText());
        // byte-for-byte the same offer every time: the v2 client echoes it and it is compared exactly
        assertEquals(given().get(paidAlgo).getHeader("PAYMENT-REQUIRED"), given().get(paidAlgo)
                .getHeader("PAYMENT-REQUIRED"));
    }

    @Test
    void supportedListsTheAlgorandKindWithItsFeePayer() throws Exception {
        JsonNode supported = io.sippar.x402.X402Json.MAPPER.readTree(given().get("/supported").asString());
        String feePayer = algod().feePayer().address();
        boolean found = false;
        for (JsonNode k : supported.get("kinds")) {
            if (k.get("network").asText().equals(algod().network())) {
                assertEquals(2, k.get("x402Version").asInt());
                assertEquals("exact", k.get("scheme").asText());
                assertEquals(feePayer, k.at("/extra/feePayer").asText());
                found = true;
            }
        }
        assertTrue(found, supported.toString());
        assertEquals(feePayer, supported.at("/signers/algorand:*/0").asText());
    }

    @Test
    void officialAvmClientPaysThroughTheReverseProxyAndTheGatewayPaysTheFee() {
        AlgodQueries chain = new AlgodQueries(algod());
        AlgodFixture.Account payer = algod().account("payer-1");
        String feePayer = algod().feePayer().address();
        BigInteger merchantBefore = chain.assetBalance(MERCHANT_2, usdc());
        BigInteger payerBefore = chain.assetBalance(payer.address(), usdc());
        BigInteger payerAlgoBefore = chain.algo(payer.address());
        BigInteger feePayerAlgoBefore = chain.algo(feePayer);

        JsonNode out = payWithOfficialClient(paidAlgo + "?city=Uruk", payer);

        assertEquals(200, out.get("finalStatus").asInt(), out.toString());
        assertTrue(out.get("finalBody").asText().contains("\"city\":\"Uruk\""), out.toString());
        JsonNode sent = out.at("/decoded/paymentSignature");
        assertEquals(algod().network(), sent.at("/accepted/network").asText());
        assertEquals(1, sent.at("/payload/paymentIndex").asInt(), "the official client put the fee payer first");
        JsonNode settlement = out.at("/decoded/paymentResponse");
        assertTrue(settlement.get("success").asBoolean(), settlement.toString());
        assertEquals(algod().network(), settlement.get("network").asText());
        assertEquals(payer.address(), settlement.get("payer").asText());
        String tx = settlement.get("transaction").asText();
        assertEquals(52, tx.length());
        assertTrue(chain.confirmedRound(tx) > 0, "the payment transaction is committed on the devnet");

        assertEquals(merchantBefore.add(BigInteger.valueOf(2000)), chain.assetBalance(MERCHANT_2, usdc()));
        assertEquals(payerBefore.subtract(BigInteger.valueOf(2000)), chain.assetBalance(payer.address(), usdc()));
        assertEquals(payerAlgoBefore, chain.algo(payer.address()), "the payer pays no fee");
        assertEquals(feePayerAlgoBefore.subtract(BigInteger.valueOf(2000)), chain.algo(feePayer),
                "the gateway's fee payer paid the group's 2 x 1000 microAlgo");

        Row row = paymentByTx(tx);
        assertEquals("settled", row.getString("state"));
        assertEquals(tx, row.getString("chain_ref"), "Algorand's replay key is the payment txid");
        assertEquals(payer.address(), row.getString("payer"));
        assertEquals(1L, journalEntries(row.getUUID("id")));
        // $0.002 is micro: the $0.01 flat fee capped at 5% of the payment = 100 units
        assertEquals(100L, row.getBigDecimal("fee_atomic").longValue());
        assertEquals("micro", row.getString("fee_band"));
    }

    @Test
    void demoRouteIsPayableOnAlgorand() {
        AlgodQueries chain = new AlgodQueries(algod());
        String merchant = algod().merchant().address();
        BigInteger before = chain.assetBalance(merchant, usdc());
        // no EVM token allowed for this client, so it takes the demo's second offer
        JsonNode out = payWithOfficialClient(demo.toString(), algod().account("payer-2"));
        assertEquals(200, out.get("finalStatus").asInt(), out.toString());
        assertTrue(out.at("/decoded/paymentResponse/success").asBoolean(), out.toString());
        assertEquals(before.add(BigInteger.valueOf(1000)), chain.assetBalance(merchant, usdc()));
    }

    @Test
    void replayIsRefusedWithoutASecondTransfer() {
        AlgodQueries chain = new AlgodQueries(algod());
        AlgodFixture.Account payer = algod().account("payer-3");
        String header = TestAvmPayments.v2Header(offeredAlgorand(paidAlgo), payer, chain.lastRound());
        BigInteger before = chain.assetBalance(payer.address(), usdc());
        given().header("PAYMENT-SIGNATURE", header).get(paidAlgo).then().statusCode(200)
                .header("PAYMENT-RESPONSE", org.hamcrest.Matchers.notNullValue());
        Response replay = given().header("PAYMENT-SIGNATURE", header).get(paidAlgo);
        assertEquals(402, replay.statusCode());
        assertEquals("payment_already_used",
                HeaderCodec.decodeJson(replay.getHeader("PAYMENT-REQUIRED")).get("error").asText());
        assertEquals(before.subtract(BigInteger.valueOf(2000)), chain.assetBalance(payer.address(), usdc()));
    }

    @Test
    void twentyFiveConcurrentCopiesOfOnePaymentSettleOnce() throws Exception {
        AlgodQueries chain = new AlgodQueries(algod());
        AlgodFixture.Account payer = algod().account("payer-4");
        String header = TestAvmPayments.v2Header(offeredAlgorand(paidAlgo), payer, chain.lastRound());
        BigInteger before = chain.assetBalance(payer.address(), usdc());
        BigInteger merchantBefore = chain.assetBalance(MERCHANT_2, usdc());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(paidAlgo.toString()))
                .header("PAYMENT-SIGNATURE", header).timeout(Duration.ofSeconds(60)).build();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            calls.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0;
        int refused = 0;
        String tx = null;
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> r = call.get();
            if (r.statusCode() == 200) {
                ok++;
                tx = HeaderCodec.decodeJson(r.headers().firstValue("PAYMENT-RESPONSE").orElseThrow())
                        .get("transaction").asText();
            } else {
                assertEquals(402, r.statusCode(), r.body());
                String error = HeaderCodec.decodeJson(r.headers().firstValue("PAYMENT-REQUIRED").orElseThrow())
                        .get("error").asText();
                assertTrue(error.equals("payment_in_progress") || error.equals("payment_already_used"), error);
                refused++;
            }
        }
        assertEquals(1, ok);
        assertEquals(24, refused);
        assertEquals(before.subtract(BigInteger.valueOf(2000)), chain.assetBalance(payer.address(), usdc()));
        assertEquals(merchantBefore.add(BigInteger.valueOf(2000)), chain.assetBalance(MERCHANT_2, usdc()));
        long rows = pool.preparedQuery("SELECT count(*) FROM payment WHERE chain_ref = $1").execute(Tuple.of(tx))
                .await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
        assertEquals(1L, rows);
    }

    @Test
    void settlementNotConfirmedInTimeIs503AndThePaymentStaysSettlingWithItsTxid() {
        AlgodQueries chain = new AlgodQueries(algod());
        AlgodFixture.Account payer = algod().account("payer-6");
        String header = TestAvmPayments.v2Header(offeredAlgorand(paidAlgo), payer, chain.lastRound());
        chain.pause();
        String tx;
        try {
            given().header("PAYMENT-SIGNATURE", header).get(paidAlgo).then().statusCode(503)
                    .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                    .header("PAYMENT-RESPONSE", org.hamcrest.Matchers.nullValue());
            Row row = pool.preparedQuery("SELECT * FROM payment WHERE payer = $1 AND state = 'settling'")
                    .execute(Tuple.of(payer.address())).await().atMost(Duration.ofSeconds(10)).iterator().next();
            tx = row.getString("tx_hash");
            assertEquals(row.getString("chain_ref"), tx, "the row names the group's payment transaction");
            assertEquals(1, chain.pool().size(), "the group waits in the pool");
            // a retry while the outcome is open is neither charged again nor lost
            Response retry = given().header("PAYMENT-SIGNATURE", header).get(paidAlgo);
            assertEquals(402, retry.statusCode());
            assertEquals("payment_in_progress",
                    HeaderCodec.decodeJson(retry.getHeader("PAYMENT-REQUIRED")).get("error").asText());
        } finally {
            chain.resume();
        }
        // the chain decides: committed once; the row is the reconciler's to finish
        assertTrue(chain.confirmedRound(tx) > 0);
    }

    @Test
    void officialExpressServerWithTheAvmSchemeSettlesThroughTheGateway() {
        AlgodQueries chain = new AlgodQueries(algod());
        String base = gateway.toString().replaceAll("/$", "");
        BigInteger before = chain.assetBalance(MERCHANT_2, usdc());
        try (NodeServer merchant = NodeServer.start("server.mjs", Duration.ofSeconds(60),
                "--facilitator", base, "--api-key", "sk_test_acme_0123456789abcdefghijklmn",
                "--network", algod().network(), "--asset", Long.toString(usdc()), "--amount", "3000",
                "--pay-to", MERCHANT_2)) {
            JsonNode out = payWithOfficialClient("http://127.0.0.1:" + merchant.port() + "/weather",
                    algod().account("payer-5"));
            assertEquals(200, out.get("finalStatus").asInt(), out.toString());
            assertTrue(out.get("finalBody").asText().contains("express-merchant"));
            assertEquals(algod().feePayer().address(),
                    out.at("/decoded/paymentRequired/accepts/0/extra/feePayer").asText(),
                    "the express server took the fee payer from the gateway's /supported");
            JsonNode settlement = out.at("/decoded/paymentResponse");
            assertTrue(settlement.get("success").asBoolean(), settlement.toString());
            String tx = settlement.get("transaction").asText();
            assertEquals(before.add(BigInteger.valueOf(3000)), chain.assetBalance(MERCHANT_2, usdc()));
            Row row = pool.preparedQuery("""
                    SELECT p.state, m.slug, p.amount FROM payment p JOIN merchant m ON m.id = p.merchant_id
                     WHERE p.tx_hash = $1""").execute(Tuple.of(tx)).await().atMost(Duration.ofSeconds(10))
                    .iterator().next();
            assertEquals("settled", row.getString("state"));
            assertEquals("acme", row.getString("slug"));
            assertEquals(3000L, row.getBigDecimal("amount").longValue());
        }
    }
}
