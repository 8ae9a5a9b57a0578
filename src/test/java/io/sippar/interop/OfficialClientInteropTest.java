package io.sippar.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sippar.x402.HeaderCodec;
import java.net.URL;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The official x402 npm clients (v2 {@code @x402/fetch} + {@code @x402/evm}, legacy v1
 * {@code x402-fetch}) against the running gateway: they parse our 402, select a requirement, sign,
 * and the gateway decodes, matches and verifies what they send. (Paying for real is in
 * {@code PaidFlowTest}; here the route names Base Sepolia's real USDC, absent from the test chain.)
 */
@QuarkusTest
class OfficialClientInteropTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String BASE_SEPOLIA_USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";

    @TestHTTPResource("/acme/forecast/paris")
    URL forecast;

    @Test
    void officialClientsParseTheDualChallenge() {
        JsonNode out = NodeScript.run("parse402.mjs", TIMEOUT, "--url", forecast.toString());
        assertEquals(402, out.get("status").asInt(), out.toString());
        JsonNode v2 = out.get("v2");
        assertEquals("header", v2.get("source").asText(), out.toString());
        assertEquals(2, v2.get("x402Version").asInt());
        assertTrue(v2.at("/schema/valid").asBoolean(), out.toString());
        assertEquals("eip155:84532", v2.at("/selected/network").asText(), out.toString());
        assertEquals("10000", v2.at("/selected/amount").asText());
        JsonNode v1 = out.get("v1");
        assertFalse(v1.has("error"), out.toString());
        assertEquals("base-sepolia", v1.at("/selected/network").asText(), out.toString());
        assertEquals("10000", v1.at("/selected/maxAmountRequired").asText());
    }

    @Test
    void v2ClientPaysWithAnExactCopyOfTheOfferedRequirement() {
        JsonNode out = NodeScript.run("client.mjs", TIMEOUT, "--client", "v2", "--url", forecast.toString(),
                "--allow-asset", BASE_SEPOLIA_USDC + "@eip155:84532");
        JsonNode sent = out.at("/decoded/paymentSignature");
        assertEquals(2, sent.get("x402Version").asInt(), out.toString());
        JsonNode offered = out.at("/decoded/paymentRequired/accepts/0");
        assertEquals(offered, sent.get("accepted"), "the client copies the requirement verbatim");
        assertEquals(BASE_SEPOLIA_USDC.toLowerCase(), sent.at("/accepted/asset").asText().toLowerCase());
        assertTrue(sent.at("/payload/signature").asText().matches("^0x[0-9a-f]{130}$"), sent.toString());
        // the gateway decoded, matched and verified it: the signature is good, but Base Sepolia's USDC
        // does not exist on the test chain, and a token without code must never "settle"
        assertEquals(402, out.get("finalStatus").asInt());
        assertEquals("asset_not_deployed_contract", out.at("/decoded/finalPaymentRequired/error").asText(),
                out.toString());
        assertEquals(2, out.get("exchanges").size(), "exactly one paid retry");
    }

    @Test
    void legacyV1ClientReadsTheBodyAndPaysWithXPayment() {
        JsonNode out = NodeScript.run("client.mjs", TIMEOUT, "--client", "v1", "--url", forecast.toString());
        JsonNode sent = out.at("/decoded/xPayment");
        assertEquals(1, sent.get("x402Version").asInt(), out.toString());
        assertEquals("base-sepolia", sent.get("network").asText());
        assertEquals("10000", sent.at("/payload/authorization/value").asText());
        assertEquals(402, out.get("finalStatus").asInt());
        JsonNode lastResponse = out.at("/exchanges/1/response");
        String error = HeaderCodec.decodeJson(lastResponse.at("/headers/payment-required").asText()).get("error")
                .asText();
        assertEquals("asset_not_deployed_contract", error, out.toString());
    }
}
