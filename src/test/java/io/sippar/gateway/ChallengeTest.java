package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The 402 challenge of a priced route, in both protocol versions at once. */
@QuarkusTest
class ChallengeTest {

    private static JsonNode paymentRequired(Response r) {
        String header = r.getHeader("PAYMENT-REQUIRED");
        assertNotNull(header, "PAYMENT-REQUIRED header");
        return HeaderCodec.decodeJson(header);
    }

    @Test
    void unpaidDemoRouteAnswers402WithV2HeaderAndV1Body() throws Exception {
        Response r = given().get("/demo/weather?city=Ur");
        assertEquals(402, r.statusCode());
        assertEquals("application/json", r.getContentType());
        JsonNode v2 = paymentRequired(r);
        assertEquals(2, v2.get("x402Version").asInt());
        assertEquals("Payment required", v2.get("error").asText());
        assertTrue(v2.at("/resource/url").asText().matches("^http://[^/]+/demo/weather\\?city=Ur$"),
                v2.at("/resource/url").asText());
        JsonNode req = v2.at("/accepts/0");
        assertEquals("exact", req.get("scheme").asText());
        assertEquals("eip155:31337", req.get("network").asText());
        assertEquals("1000", req.get("amount").asText());
        assertEquals("0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9", req.get("asset").asText());
        assertEquals("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", req.get("payTo").asText());
        assertEquals(300, req.get("maxTimeoutSeconds").asInt());
        assertEquals("USD Coin", req.at("/extra/name").asText());
        assertEquals("2", req.at("/extra/version").asText());
        JsonNode v1 = X402Json.MAPPER.readTree(r.body().asString());
        assertEquals(1, v1.get("x402Version").asInt());
        assertEquals("X-PAYMENT header is required", v1.get("error").asText());
        // the local devnet has no v1 network name, so v1 clients are offered nothing for it
        assertEquals(0, v1.get("accepts").size());
    }

    @Test
    void v1BodyCarriesLegacyNetworkNamesAbsoluteResourceAndNoNullSchema() throws Exception {
        Response r = given().get("/acme/forecast/paris");
        assertEquals(402, r.statusCode());
        JsonNode v1 = X402Json.MAPPER.readTree(r.body().asString());
        assertEquals(1, v1.get("accepts").size());
        JsonNode a = v1.at("/accepts/0");
        assertEquals("base-sepolia", a.get("network").asText());
        assertEquals("10000", a.get("maxAmountRequired").asText());
        assertTrue(a.get("resource").asText().startsWith("http://"));
        assertTrue(a.get("resource").asText().endsWith("/acme/forecast/paris"));
        assertTrue(a.get("description").isTextual());
        assertTrue(a.get("mimeType").isTextual());
        assertFalse(a.has("outputSchema"), "outputSchema must be omitted, never null");
        assertEquals("USDC", a.at("/extra/name").asText());
        assertEquals(60, a.get("maxTimeoutSeconds").asInt());
        JsonNode v2 = paymentRequired(r);
        assertEquals(2, v2.get("accepts").size());
        assertEquals("eip155:84532", v2.at("/accepts/0/network").asText());
        assertEquals("eip155:31337", v2.at("/accepts/1/network").asText());
        // payTo configured in lower case is served in EIP-55 checksum case
        assertEquals("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", v2.at("/accepts/1/payTo").asText());
    }

    @Test
    void challengeIsAsciiOnlyAndDeterministic() {
        Response first = given().get("/acme/forecast/rome");
        Response second = given().get("/acme/forecast/rome");
        String header = first.getHeader("PAYMENT-REQUIRED");
        assertEquals(header, second.getHeader("PAYMENT-REQUIRED"));
        String json = new String(Base64.getDecoder().decode(header), StandardCharsets.UTF_8);
        assertTrue(json.chars().allMatch(c -> c < 128), json);
        assertTrue(json.toLowerCase().contains("\\u00e9t\\u00e9"), json);
        assertTrue(first.body().asString().chars().allMatch(c -> c < 128));
    }

    @Test
    void normalisedPathsHitTheSameRoute() {
        given().get("//demo//weather/").then().statusCode(402);
        given().urlEncodingEnabled(false).get("/demo/%77eather").then().statusCode(402);
    }

    @Test
    void otherMethodIsNotPriced() {
        given().post("/demo/weather").then().statusCode(404)
                .contentType("application/problem+json").body("reason", equalTo("route_not_found"));
    }

    @Test
    void unknownPathGetsProblemJson404() {
        given().get("/nowhere/at/all").then().statusCode(404)
                .contentType("application/problem+json").body("reason", equalTo("route_not_found"))
                .body("status", equalTo(404));
    }

    @Test
    void corsExposesTheX402Headers() {
        given().header("Origin", "https://agent.example").get("/demo/weather").then().statusCode(402)
                .header("Access-Control-Expose-Headers", containsString("PAYMENT-REQUIRED"))
                .header("Access-Control-Expose-Headers", containsString("PAYMENT-RESPONSE"))
                .header("Access-Control-Expose-Headers", containsString("X-PAYMENT-RESPONSE"));
        given().header("Origin", "https://agent.example").header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "PAYMENT-SIGNATURE, X-PAYMENT")
                .options("/demo/weather").then()
                .header("Access-Control-Allow-Headers", containsString("PAYMENT-SIGNATURE"));
    }

    @Test
    void demoUpstreamCannotBeReachedAroundThePaidRoute() {
        given().get("/demo-upstream/weather?city=Ur").then().statusCode(404);
        given().header("X-Sippar-Internal", "guess").get("/demo-upstream/weather").then().statusCode(404);
    }
}
