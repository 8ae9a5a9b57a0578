package io.sippar.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sippar.interop.NodeScript;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.testsupport.TokenReader;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.web3j.crypto.Keys;

/**
 * Forward auth behind a real nginx running the documented recipe: the official clients pay through
 * nginx, the gateway settles before nginx lets the request through to the merchant's API, and
 * denials reach the client as the x402 402 even though auth_request only passes 401/403.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForwardAuthNginxTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String TOKEN = AnvilFixture.TOKEN_ADDRESS;
    /** payTo of the /fwd routes (anvil account #7). */
    private static final String MERCHANT = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";

    @TestHTTPResource("/")
    URL gateway;

    @Inject
    Pool pool;

    private ForwardAuthNginx.Upstream upstream;
    private ForwardAuthNginx nginx;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void startNginx() {
        upstream = new ForwardAuthNginx.Upstream();
        nginx = ForwardAuthNginx.start(gateway.getPort(), upstream.port());
    }

    @AfterAll
    void stopNginx() {
        if (nginx != null) {
            nginx.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(nginx.url(path))).timeout(TIMEOUT);
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Row paymentByTx(String tx) {
        RowSet<Row> rows = pool.preparedQuery("SELECT * FROM payment WHERE tx_hash = $1").execute(Tuple.of(tx))
                .await().atMost(Duration.ofSeconds(10));
        assertEquals(1, rows.size(), "one payment row for " + tx);
        return rows.iterator().next();
    }

    private long journalEntries(Object paymentId) {
        return pool.preparedQuery("SELECT count(*) FROM journal_entry WHERE payment_id = $1")
                .execute(Tuple.of(paymentId)).await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }

    private long servedWithUri(String uri) {
        return upstream.seen().stream().filter(s -> s.uri().equals(uri)).count();
    }

    @Test
    void officialV2ClientPaysThroughNginxAndGetsTheUpstreamAnswer() throws Exception {
        AnvilFixture chain = ChainsTestResource.devnet();
        AnvilFixture.Account payer = chain.payer();
        try (TokenReader token = new TokenReader(chain)) {
            BigInteger payerBefore = token.balance(payer.address());
            BigInteger merchantBefore = token.balance(MERCHANT);
            JsonNode out = NodeScript.run("client.mjs", TIMEOUT, "--client", "v2", "--url",
                    nginx.url("/fwd/weather?city=Nippur"), "--evm-key", payer.privateKey(), "--allow-asset",
                    TOKEN + "@eip155:31337");
            assertEquals(200, out.get("finalStatus").asInt(), out + "\n" + nginx.errorLog());
            JsonNode body = X402Json.MAPPER.readTree(out.get("finalBody").asText());
            assertEquals("merchant-api", body.get("servedBy").asText());
            assertEquals("/fwd/weather?city=Nippur", body.get("uri").asText());

            JsonNode settlement = out.at("/decoded/paymentResponse");
            assertTrue(settlement.get("success").asBoolean(), settlement.toString());
            String tx = settlement.get("transaction").asText();
            assertEquals("0x1", token.receipt(tx).getStatus());
            assertEquals(payerBefore.subtract(BigInteger.valueOf(1000)), token.balance(payer.address()));
            assertEquals(merchantBefore.add(BigInteger.valueOf(1000)), token.balance(MERCHANT));

            ForwardAuthNginx.Upstream.Seen seen = upstream.seen().stream()
                    .filter(s -> s.uri().equals("/fwd/weather?city=Nippur")).reduce((a, b) -> b).orElseThrow();
            Row row = paymentByTx(tx);
            assertEquals("settled", row.getString("state"));
            assertEquals(1L, journalEntries(row.getUUID("id")));
            assertEquals(row.getUUID("id").toString(), seen.headers().get("x-payment-id"));
            assertEquals(Keys.toChecksumAddress(payer.address()), seen.headers().get("x-payment-payer"));
            assertEquals("1000", seen.headers().get("x-payment-amount"));
            assertEquals(TOKEN, seen.headers().get("x-payment-asset"));
            assertEquals("eip155:31337", seen.headers().get("x-payment-network"));
            assertEquals("exact", seen.headers().get("x-payment-scheme"));
            assertEquals(tx, seen.headers().get("x-payment-transaction"));
            assertFalse(seen.headers().containsKey("payment-signature"), "the payment itself stays at nginx");
        }
    }

    @Test
    void replayThroughNginxIsRefusedWith402AndNotServed() throws Exception {
        AnvilFixture chain = ChainsTestResource.devnet();
        AnvilFixture.Account payer = chain.account(3);
        try (TokenReader token = new TokenReader(chain)) {
            JsonNode out = NodeScript.run("client.mjs", TIMEOUT, "--client", "v2", "--url",
                    nginx.url("/fwd/weather?city=Uruk"), "--evm-key", payer.privateKey(), "--allow-asset",
                    TOKEN + "@eip155:31337");
            assertEquals(200, out.get("finalStatus").asInt(), out + "\n" + nginx.errorLog());
            String signature = null;
            for (JsonNode x : out.get("exchanges")) {
                if (x.at("/request/headers/payment-signature").isTextual()) {
                    signature = x.at("/request/headers/payment-signature").asText();
                }
            }
            assertNotNull(signature, out.toString());
            BigInteger afterFirst = token.balance(payer.address());
            long servedBefore = servedWithUri("/fwd/weather?city=Uruk");

            HttpResponse<String> replay = get("/fwd/weather?city=Uruk", Map.of("PAYMENT-SIGNATURE", signature));
            assertEquals(402, replay.statusCode(), replay.body());
            assertEquals("payment_already_used", HeaderCodec.decodeJson(
                    replay.headers().firstValue("PAYMENT-REQUIRED").orElseThrow()).get("error").asText());
            assertEquals(servedBefore, servedWithUri("/fwd/weather?city=Uruk"), "a replay never reaches the API");
            assertEquals(afterFirst, token.balance(payer.address()), "no second transfer");
        }
    }

    @Test
    void unpaidRequestThroughNginxGets402WithPaymentRequiredAndTheJsonChallenge() throws Exception {
        HttpResponse<String> r = get("/fwd/v1/weather", Map.of());
        assertEquals(402, r.statusCode(), r.body() + "\n" + nginx.errorLog());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
        JsonNode required = HeaderCodec.decodeJson(r.headers().firstValue("PAYMENT-REQUIRED").orElseThrow());
        assertEquals(2, required.get("x402Version").asInt());
        assertEquals("Payment required", required.get("error").asText());
        assertEquals("http://127.0.0.1:" + URI.create(nginx.url("/")).getPort() + "/fwd/v1/weather",
                required.at("/resource/url").asText());
        assertEquals("2000", required.at("/accepts/0/amount").asText());
        JsonNode v1 = X402Json.MAPPER.readTree(r.body());
        assertEquals(1, v1.get("x402Version").asInt());
        assertEquals("X-PAYMENT header is required", v1.get("error").asText());
        assertEquals("base-sepolia", v1.at("/accepts/0/network").asText());
        assertEquals(0, servedWithUri("/fwd/v1/weather"));
    }

    @Test
    void malformedPaymentThroughNginxGets402WithTheReason() throws Exception {
        HttpResponse<String> r = get("/fwd/weather", Map.of("PAYMENT-SIGNATURE", "not base64!"));
        assertEquals(402, r.statusCode(), r.body());
        assertEquals("invalid_payment_header_base64", HeaderCodec.decodeJson(
                r.headers().firstValue("PAYMENT-REQUIRED").orElseThrow()).get("error").asText());
        assertEquals("invalid_payment_header_base64", X402Json.MAPPER.readTree(r.body()).get("error").asText());
    }

    @Test
    void unpricedPathPassesThroughNginxUnpaidWithoutPaymentHeaders() throws Exception {
        HttpResponse<String> r = get("/fwd/free/page", Map.of("X-Payment-Id", "forged-by-client"));
        assertEquals(200, r.statusCode(), r.body());
        ForwardAuthNginx.Upstream.Seen seen = upstream.seen().stream()
                .filter(s -> s.uri().equals("/fwd/free/page")).findFirst().orElseThrow();
        assertFalse(seen.headers().containsKey("x-payment-id"), "clients can't forge the payment headers");
        assertTrue(r.headers().firstValue("PAYMENT-RESPONSE").isEmpty());
    }

    @Test
    void legacyV1ClientPaysThroughNginx() {
        AnvilFixture chain = ChainsTestResource.baseSepolia();
        try (TokenReader token = new TokenReader(chain)) {
            BigInteger merchantBefore = token.balance(MERCHANT);
            JsonNode out = NodeScript.run("client.mjs", TIMEOUT, "--client", "v1", "--url",
                    nginx.url("/fwd/v1/weather"), "--evm-key", chain.account(3).privateKey());
            assertEquals(200, out.get("finalStatus").asInt(), out + "\n" + nginx.errorLog());
            JsonNode settlement = out.at("/decoded/paymentResponse");
            assertTrue(settlement.get("success").asBoolean(), settlement.toString());
            assertEquals("0x1", token.receipt(settlement.get("transaction").asText()).getStatus());
            assertEquals(merchantBefore.add(BigInteger.valueOf(2000)), token.balance(MERCHANT));
            assertEquals(1, servedWithUri("/fwd/v1/weather"));
        }
    }
}
