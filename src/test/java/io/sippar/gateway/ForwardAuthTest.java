package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.sippar.evm.TestPayments;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.testsupport.TokenReader;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Keys;

/**
 * The forward-auth endpoints under the header conventions of each proxy, called the way the proxy
 * calls them: Traefik ForwardAuth ({@code X-Forwarded-*}, always GET), Envoy ext_authz HTTP (the
 * original path after the path prefix, original method and Host) and nginx auth_request
 * ({@code X-Original-*}, denials as 401/403).
 */
@QuarkusTest
class ForwardAuthTest {

    /** payTo of the /fwd routes (anvil account #7). */
    private static final String MERCHANT = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";

    @Inject
    Pool pool;

    private static RequestSpecification traefik(String method, String host, String uri) {
        return given().header("X-Forwarded-Method", method).header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", host).header("X-Forwarded-Uri", uri);
    }

    private static JsonNode challenge(Response r) {
        return HeaderCodec.decodeJson(r.getHeader("PAYMENT-REQUIRED"));
    }

    @Test
    void traefikUnpaidRequestGets402ForTheOriginalResource() {
        Response r = traefik("GET", "api.example", "/fwd/weather?city=Ur").get("/auth/forward");
        assertEquals(402, r.statusCode(), r.asString());
        assertEquals("no-store", r.getHeader("Cache-Control"));
        JsonNode required = challenge(r);
        assertEquals("Payment required", required.get("error").asText());
        assertEquals("https://api.example/fwd/weather?city=Ur", required.at("/resource/url").asText());
        assertEquals("1000", required.at("/accepts/0/amount").asText());
        assertEquals(1, r.jsonPath().getInt("x402Version"));
    }

    @Test
    void traefikPaidRequestIsSettledBeforeTheAllowAndTheHeadersDescribeIt() {
        AnvilFixture chain = ChainsTestResource.devnet();
        AnvilFixture.Account payer = chain.account(3);
        try (TokenReader token = new TokenReader(chain)) {
            JsonNode offered = challenge(traefik("GET", "api.example", "/fwd/weather").get("/auth/forward"))
                    .at("/accepts/0");
            String header = TestPayments.v2Header(offered, payer.privateKey());
            BigInteger payerBefore = token.balance(payer.address());
            BigInteger merchantBefore = token.balance(MERCHANT);

            Response allowed = traefik("GET", "api.example", "/fwd/weather").header("PAYMENT-SIGNATURE", header)
                    .get("/auth/forward");
            assertEquals(200, allowed.statusCode(), allowed.asString());
            String tx = allowed.getHeader("X-Payment-Transaction");
            // settled before the answer: the transfer is already mined when the proxy is told to allow
            assertEquals("0x1", token.receipt(tx).getStatus());
            assertEquals(payerBefore.subtract(BigInteger.valueOf(1000)), token.balance(payer.address()));
            assertEquals(merchantBefore.add(BigInteger.valueOf(1000)), token.balance(MERCHANT));
            assertEquals(Keys.toChecksumAddress(payer.address()), allowed.getHeader("X-Payment-Payer"));
            assertEquals("1000", allowed.getHeader("X-Payment-Amount"));
            assertEquals(AnvilFixture.TOKEN_ADDRESS, allowed.getHeader("X-Payment-Asset"));
            assertEquals("eip155:31337", allowed.getHeader("X-Payment-Network"));
            assertEquals("exact", allowed.getHeader("X-Payment-Scheme"));
            JsonNode settlement = HeaderCodec.decodeJson(allowed.getHeader("PAYMENT-RESPONSE"));
            assertTrue(settlement.get("success").asBoolean());
            assertEquals(tx, settlement.get("transaction").asText());
            assertNull(allowed.getHeader("X-PAYMENT-RESPONSE"), "a v2 payment gets the v2 settlement header");

            Row row = pool.preparedQuery("SELECT * FROM payment WHERE id = $1")
                    .execute(Tuple.of(UUID.fromString(allowed.getHeader("X-Payment-Id"))))
                    .await().atMost(Duration.ofSeconds(10)).iterator().next();
            assertEquals("settled", row.getString("state"));
            assertEquals(tx, row.getString("tx_hash"));
            assertEquals(1L, pool.preparedQuery("SELECT count(*) FROM journal_entry WHERE payment_id = $1")
                    .execute(Tuple.of(row.getUUID("id"))).await().atMost(Duration.ofSeconds(10)).iterator().next()
                    .getLong(0));

            Response replay = traefik("GET", "api.example", "/fwd/weather").header("PAYMENT-SIGNATURE", header)
                    .get("/auth/forward");
            assertEquals(402, replay.statusCode());
            assertEquals("payment_already_used", challenge(replay).get("error").asText());
            assertEquals(payerBefore.subtract(BigInteger.valueOf(1000)), token.balance(payer.address()));
        }
    }

    @Test
    void traefikOriginalHostAndMethodPickTheRouteLikeTheReverseProxy() {
        // the host-bound /fwd/** route (any method, $0.003) prices what the exact GET /fwd/weather doesn't
        assertEquals("3000", challenge(traefik("POST", "shop.example", "/fwd/weather").get("/auth/forward"))
                .at("/accepts/0/amount").asText());
        assertEquals("1000", challenge(traefik("GET", "shop.example", "/fwd/weather").get("/auth/forward"))
                .at("/accepts/0/amount").asText());
        assertEquals("1000", challenge(traefik("GET", "api.example", "/fwd/weather").get("/auth/forward"))
                .at("/accepts/0/amount").asText());
        // the same path by POST on another host is priced by no route
        traefik("POST", "api.example", "/fwd/weather").get("/auth/forward").then().statusCode(200);
        // normalised as the reverse proxy does: repeated slashes, trailing slash, percent-encoding
        assertEquals("1000", challenge(traefik("GET", "api.example", "//fwd/%77eather/").get("/auth/forward"))
                .at("/accepts/0/amount").asText());
    }

    @Test
    void traefikModeIgnoresTheClientsOwnXOriginalHeaders() {
        // Traefik passes client headers on: a client naming another host or path must not choose the route
        Response r = traefik("POST", "api.example", "/fwd/weather").header("X-Original-Host", "shop.example")
                .header("X-Original-URI", "/fwd/v1/weather").header("X-Original-Method", "GET")
                .get("/auth/forward");
        assertEquals(200, r.statusCode(), "POST /fwd/weather on api.example is unpriced");
        Response n = given().header("X-Original-Method", "GET").header("X-Original-URI", "/fwd/weather")
                .header("X-Forwarded-Uri", "/free").get("/auth/forward/nginx");
        assertEquals(401, n.statusCode(), "nginx mode reads the recipe's X-Original-URI");
    }

    @Test
    void traefikWrongPaymentGets402WithItsReasonAndNothingIsCharged() {
        AnvilFixture chain = ChainsTestResource.devnet();
        // a payment for the $0.003 route presented for the $0.001 one
        JsonNode offered = challenge(traefik("POST", "shop.example", "/fwd/weather").get("/auth/forward"))
                .at("/accepts/0");
        String header = TestPayments.v2Header(offered, chain.account(3).privateKey());
        Response r = traefik("GET", "api.example", "/fwd/weather").header("PAYMENT-SIGNATURE", header)
                .get("/auth/forward");
        assertEquals(402, r.statusCode());
        assertEquals("no_matching_payment_requirements", challenge(r).get("error").asText());
        traefik("GET", "api.example", "/fwd/weather").header("PAYMENT-SIGNATURE", "%%%").get("/auth/forward")
                .then().statusCode(402);
        assertEquals("invalid_payload", challenge(traefik("GET", "api.example", "/fwd/weather")
                .header("PAYMENT-SIGNATURE", header).header("X-PAYMENT", header).get("/auth/forward"))
                .get("error").asText());
    }

    @Test
    void unpricedPathIsAllowedWithoutPaymentHeaders() {
        Response r = traefik("GET", "api.example", "/free/page").get("/auth/forward");
        assertEquals(200, r.statusCode());
        assertNull(r.getHeader("X-Payment-Id"));
        assertNull(r.getHeader("PAYMENT-RESPONSE"));
    }

    @Test
    void missingOriginalUriIs400ProblemNot500() {
        given().header("X-Forwarded-Method", "GET").get("/auth/forward").then().statusCode(400)
                .contentType("application/problem+json").body("reason", equalTo("invalid_request"));
        traefik("GET", "api.example", "/fwd/%zz").get("/auth/forward").then().statusCode(400)
                .body("reason", equalTo("invalid_request"));
        given().get("/auth/forward/unknown").then().statusCode(404).body("reason", equalTo("route_not_found"));
    }

    @Test
    void envoyPathPrefixCarriesTheOriginalPathQueryMethodAndHost() {
        Response r = given().header("Host", "api.example").get("/auth/forward/envoy/fwd/weather?city=Kish");
        assertEquals(402, r.statusCode(), r.asString());
        assertEquals("http://api.example/fwd/weather?city=Kish", challenge(r).at("/resource/url").asText());
        assertEquals("1000", challenge(r).at("/accepts/0/amount").asText());
        // ext_authz keeps the method: POST is not the GET-only route's, and only shop.example prices any method
        given().header("Host", "api.example").post("/auth/forward/envoy/fwd/weather").then().statusCode(200);
        assertEquals("3000", challenge(given().header("Host", "shop.example").delete("/auth/forward/envoy/fwd/x"))
                .at("/accepts/0/amount").asText());
    }

    @Test
    void envoyPaidRequestIsAllowedWithThePaymentHeaders() {
        AnvilFixture chain = ChainsTestResource.devnet();
        try (TokenReader token = new TokenReader(chain)) {
            JsonNode offered = challenge(given().header("Host", "api.example")
                    .get("/auth/forward/envoy/fwd/weather")).at("/accepts/0");
            String header = TestPayments.v2Header(offered, chain.account(3).privateKey());
            Response allowed = given().header("Host", "api.example").header("PAYMENT-SIGNATURE", header)
                    .get("/auth/forward/envoy/fwd/weather?city=Lagash");
            assertEquals(200, allowed.statusCode(), allowed.asString());
            assertEquals("0x1", token.receipt(allowed.getHeader("X-Payment-Transaction")).getStatus());
            assertEquals("1000", allowed.getHeader("X-Payment-Amount"));
        }
    }

    @Test
    void nginxModeAnswersA402As401WithTheRealStatusAndBodyInHeaders() throws Exception {
        Response r = given().header("X-Original-Method", "GET").header("X-Original-URI", "/fwd/v1/weather")
                .header("X-Original-Host", "api.example").header("X-Original-Proto", "https")
                .get("/auth/forward/nginx");
        assertEquals(401, r.statusCode());
        assertEquals("402", r.getHeader("X-Sippar-Status"));
        JsonNode body = X402Json.MAPPER.readTree(r.getHeader("X-Sippar-Body"));
        assertEquals(1, body.get("x402Version").asInt());
        assertEquals("https://api.example/fwd/v1/weather", body.at("/accepts/0/resource").asText());
        assertEquals("https://api.example/fwd/v1/weather", challenge(r).at("/resource/url").asText());
    }

    @Test
    void nginxModeAnswersOtherDenialsAs403AndAllowsAs200() throws Exception {
        Response bad = given().header("X-Original-Method", "GET").get("/auth/forward/nginx");
        assertEquals(403, bad.statusCode());
        assertEquals("400", bad.getHeader("X-Sippar-Status"));
        assertEquals("invalid_request", X402Json.MAPPER.readTree(bad.getHeader("X-Sippar-Body")).get("reason")
                .asText());
        given().header("X-Original-Method", "GET").header("X-Original-URI", "/free").get("/auth/forward/nginx")
                .then().statusCode(200);
    }

    @Test
    void nginxModeBodyHeaderIsAsciiEvenForNonAsciiText() throws Exception {
        // the acme-forecast route's description is "Ten-day forecast été"
        Response r = given().header("X-Original-Method", "GET").header("X-Original-URI", "/acme/forecast/ur")
                .get("/auth/forward/nginx");
        assertEquals(401, r.statusCode());
        String raw = r.getHeader("X-Sippar-Body");
        assertTrue(raw.chars().allMatch(c -> c >= 0x20 && c < 0x7f), raw);
        assertEquals("Ten-day forecast \u00e9t\u00e9",
                X402Json.MAPPER.readTree(raw).at("/accepts/0/description").asText());
        assertEquals("{\"d\":\"\\u00e9\\u2028\"}", ForwardAuthRoutes.asciiJson("{\"d\":\"\u00e9\u2028\"}"));
    }
}
