package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Every malformed or mismatched payment gets a 402 with a specific reason, never a 500 or a hang. */
@QuarkusTest
class BadInputTest {

    private static final String V1_PAYLOAD = """
            {"x402Version":1,"scheme":"exact","network":"base-sepolia","payload":{"signature":"0x00",
            "authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66",
            "to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","value":"10000","validAfter":"0",
            "validBefore":"9999999999","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}""";

    private static String b64(String json) {
        return Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** The reason of a refused payment, read from both the v2 header and the v1 body. */
    private static String reason(Response r) throws Exception {
        assertEquals(402, r.statusCode(), r.body().asString());
        String v2 = HeaderCodec.decodeJson(r.getHeader("PAYMENT-REQUIRED")).get("error").asText();
        String v1 = X402Json.MAPPER.readTree(r.body().asString()).get("error").asText();
        assertEquals(v2, v1);
        return v2;
    }

    private static JsonNode offered(String path) {
        return HeaderCodec.decodeJson(given().get(path).getHeader("PAYMENT-REQUIRED")).at("/accepts/0");
    }

    private static String v2Payment(JsonNode accepted) {
        ObjectNode p = X402Json.MAPPER.createObjectNode();
        p.put("x402Version", 2);
        p.set("accepted", accepted);
        p.set("payload", X402Json.MAPPER.createObjectNode().put("signature", "0x00"));
        return HeaderCodec.encode(p);
    }

    @Test
    void rejectsMalformedBase64() throws Exception {
        assertEquals("invalid_payment_header_base64",
                reason(given().header("PAYMENT-SIGNATURE", "not base64!!").get("/demo/weather")));
    }

    @Test
    void rejectsUrlSafeBase64() throws Exception {
        String urlSafe = Base64.getUrlEncoder().encodeToString("{\"x402Version\":2}>>>??".getBytes());
        assertEquals("invalid_payment_header_base64",
                reason(given().header("X-PAYMENT", urlSafe).get("/acme/forecast/x")));
    }

    @Test
    void rejectsNonJson() throws Exception {
        assertEquals("invalid_payment_header_json",
                reason(given().header("X-PAYMENT", b64("hello world")).get("/acme/forecast/x")));
    }

    @Test
    void rejectsVersionGivenAsString() throws Exception {
        assertEquals("invalid_x402_version", reason(given().header("X-PAYMENT",
                b64(V1_PAYLOAD.replace("\"x402Version\":1", "\"x402Version\":\"1\""))).get("/acme/forecast/x")));
    }

    @Test
    void rejectsUnknownVersion() throws Exception {
        assertEquals("invalid_x402_version", reason(given().header("PAYMENT-SIGNATURE",
                b64("{\"x402Version\":3,\"accepted\":{},\"payload\":{}}")).get("/acme/forecast/x")));
    }

    @Test
    void rejectsV1PayloadInV2Header() throws Exception {
        assertEquals("payment_version_header_mismatch",
                reason(given().header("PAYMENT-SIGNATURE", b64(V1_PAYLOAD)).get("/acme/forecast/x")));
    }

    @Test
    void rejectsMissingPayload() throws Exception {
        assertEquals("invalid_payload", reason(given().header("X-PAYMENT",
                b64("{\"x402Version\":1,\"scheme\":\"exact\",\"network\":\"base-sepolia\"}")).get("/acme/forecast/x")));
    }

    @Test
    void rejectsOversizeHeader() throws Exception {
        String huge = "A".repeat(HeaderCodec.MAX_PAYMENT_HEADER_CHARS + 4);
        assertEquals("payment_header_too_large",
                reason(given().header("PAYMENT-SIGNATURE", huge).get("/demo/weather")));
    }

    @Test
    void rejectsTwoPaymentHeaders() throws Exception {
        assertEquals("invalid_payload", reason(given().header("X-PAYMENT", b64(V1_PAYLOAD))
                .header("PAYMENT-SIGNATURE", b64(V1_PAYLOAD)).get("/acme/forecast/x")));
    }

    @Test
    void rejectsUnknownScheme() throws Exception {
        assertEquals("unsupported_scheme", reason(given().header("X-PAYMENT",
                b64(V1_PAYLOAD.replace("\"scheme\":\"exact\"", "\"scheme\":\"upto\""))).get("/acme/forecast/x")));
    }

    @Test
    void rejectsUnknownNetwork() throws Exception {
        assertEquals("invalid_network", reason(given().header("X-PAYMENT",
                b64(V1_PAYLOAD.replace("base-sepolia", "mars"))).get("/acme/forecast/x")));
    }

    @Test
    void rejectsNetworkTheRouteDoesNotAccept() throws Exception {
        assertEquals("unsupported_network", reason(given().header("X-PAYMENT",
                b64(V1_PAYLOAD.replace("base-sepolia", "polygon"))).get("/acme/forecast/x")));
    }

    @Test
    void rejectsAcceptedWithAnotherAmount() throws Exception {
        ObjectNode accepted = (ObjectNode) offered("/acme/forecast/x").deepCopy();
        accepted.put("amount", "1");
        assertEquals("no_matching_payment_requirements",
                reason(given().header("PAYMENT-SIGNATURE", v2Payment(accepted)).get("/acme/forecast/x")));
    }

    @Test
    void rejectsAcceptedWithLowerCasePayTo() throws Exception {
        ObjectNode accepted = (ObjectNode) offered("/acme/forecast/x").deepCopy();
        accepted.put("payTo", accepted.get("payTo").asText().toLowerCase());
        assertEquals("no_matching_payment_requirements",
                reason(given().header("PAYMENT-SIGNATURE", v2Payment(accepted)).get("/acme/forecast/x")));
    }

    @Test
    void exactCopyInAnyKeyOrderMatchesAndReachesTheVerifier() throws Exception {
        // key order of the client's copy does not matter, only structure
        ObjectNode accepted = (ObjectNode) offered("/acme/forecast/x");
        ObjectNode reordered = X402Json.MAPPER.createObjectNode();
        reordered.set("extra", accepted.get("extra"));
        accepted.fieldNames().forEachRemaining(f -> reordered.set(f, accepted.get(f)));
        // past matching, the EVM scheme refuses the payload itself (it has no authorization)
        assertEquals("invalid_payload",
                reason(given().header("PAYMENT-SIGNATURE", v2Payment(reordered)).get("/acme/forecast/x")));
    }

    @Test
    void paymentForAPathNoRoutePricesIs404() {
        given().header("X-PAYMENT", b64(V1_PAYLOAD)).get("/acme/nothing-here").then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void undecodablePathIs400() throws Exception {
        // HTTP clients refuse to send such a path, so speak HTTP/1.1 on a socket
        int port = io.restassured.RestAssured.port;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET /demo/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            org.junit.jupiter.api.Assertions.assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
            // Vert.x's HTTP codec refuses it before any handler runs, so the body is empty, never a 500
        }
    }

    @Test
    void oversizedBodiesAre413ProblemJsonOnTheFacilitatorAndThePaidEdge() {
        String huge = "{\"pad\":\"" + "a".repeat(1_100_000) + "\"}";
        given().header("Authorization", FacilitatorApiTest.KEY).contentType("application/json").body(huge)
                .post("/verify").then().statusCode(413).contentType("application/problem+json")
                .body("reason", org.hamcrest.Matchers.equalTo("invalid_request"));
        given().header("X-PAYMENT", b64(V1_PAYLOAD)).contentType("application/json").body(huge)
                .post("/acme/forecast/today").then().statusCode(413).contentType("application/problem+json");
    }
}
