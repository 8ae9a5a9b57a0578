package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sippar.algorand.TestAvmPayments;
import io.sippar.testsupport.AlgodQueries;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.x402.HeaderCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Algorand network with every algod node down: paid requests get 503 with Retry-After, never "invalid payment". */
@QuarkusTest
@TestProfile(AlgodDownTest.NodesDown.class)
class AlgodDownTest {

    /** The devnet network of every test, but served by two algod URLs on which nothing listens. */
    public static class NodesDown implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sippar.algorand.networks.devnet.algod-urls",
                    "http://127.0.0.1:" + deadPort() + ",http://127.0.0.1:" + deadPort(),
                    "sippar.algorand.networks.devnet.algod-timeout", "500ms");
        }

        private static int deadPort() {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void paidRequestWithEveryAlgodNodeDownIs503WithRetryAfterAndNothingMoves() {
        // the offer needs no node: it is computed when routes load
        JsonNode offered = HeaderCodec.decodeJson(given().get("/paid/algo/weather").getHeader("PAYMENT-REQUIRED"))
                .at("/accepts/0");
        AlgodQueries chain = new AlgodQueries(ChainsTestResource.algorand());
        var payer = ChainsTestResource.algorand().account("payer-6");
        BigInteger before = chain.assetBalance(payer.address(), ChainsTestResource.algorand().usdcAssetId());
        String header = TestAvmPayments.v2Header(offered, payer, chain.lastRound());
        given().header("PAYMENT-SIGNATURE", header).get("/paid/algo/weather").then().statusCode(503)
                .header("Retry-After", equalTo("5")).contentType("application/problem+json")
                .body("reason", equalTo("facilitator_unavailable"));
        // the reservation was released: the same payment is neither "in progress" nor "used" on retry
        given().header("PAYMENT-SIGNATURE", header).get("/paid/algo/weather").then().statusCode(503);
        assertEquals(before, chain.assetBalance(payer.address(), ChainsTestResource.algorand().usdcAssetId()));
    }

    @Test
    void facilitatorVerifyWithEveryAlgodNodeDownIs503WithRetryAfter() {
        JsonNode offered = HeaderCodec.decodeJson(given().get("/paid/algo/weather").getHeader("PAYMENT-REQUIRED"))
                .at("/accepts/0");
        var payer = ChainsTestResource.algorand().account("payer-6");
        JsonNode payload = TestAvmPayments.v2Payload(offered, payer,
                new AlgodQueries(ChainsTestResource.algorand()).lastRound());
        String body = io.sippar.x402.X402Json.MAPPER.createObjectNode().put("x402Version", 2)
                .<com.fasterxml.jackson.databind.node.ObjectNode>set("paymentPayload", payload)
                .set("paymentRequirements", offered).toString();
        given().header("Authorization", "Bearer sk_test_acme_0123456789abcdefghijklmn")
                .contentType("application/json").body(body).post("/verify").then().statusCode(503)
                .header("Retry-After", equalTo("5")).body("reason", equalTo("facilitator_unavailable"));
    }
}
