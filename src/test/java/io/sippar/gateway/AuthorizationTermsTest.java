package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.sippar.evm.TestPayments;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.testsupport.TokenReader;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import java.math.BigInteger;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * Whoever holds a copy of an authorization can present it first with other terms; that attempt
 * fails and must not make the real payment unusable.
 */
@QuarkusTest
class AuthorizationTermsTest {

    @TestHTTPResource("/demo/weather")
    URL demo;

    private JsonNode offered() {
        return HeaderCodec.decodeJson(given().get(demo).getHeader("PAYMENT-REQUIRED")).at("/accepts/0");
    }

    private static JsonNode settleWithTerms(ObjectNode payload, JsonNode requirements) {
        ObjectNode body = X402Json.MAPPER.createObjectNode();
        body.put("x402Version", 2);
        body.set("paymentPayload", payload);
        body.set("paymentRequirements", requirements);
        return X402Json.MAPPER.valueToTree(given().header("Authorization", FacilitatorApiTest.KEY)
                .contentType(ContentType.JSON).body(body.toString()).post("/settle").then().statusCode(200)
                .extract().as(java.util.Map.class));
    }

    @Test
    void anAuthorizationPresentedFirstWithOtherTermsStillPaysWithItsOwn() {
        AnvilFixture chain = ChainsTestResource.devnet();
        JsonNode offered = offered();
        ObjectNode payload = TestPayments.v2Payload(offered, chain.accounts().get(5).privateKey());

        ObjectNode otherAmount = offered.deepCopy();
        otherAmount.put("amount", "999");
        JsonNode first = settleWithTerms(payload, otherAmount);
        assertFalse(first.get("success").asBoolean(), first.toString());
        ObjectNode otherPayee = offered.deepCopy();
        otherPayee.put("payTo", "0x000000000000000000000000000000000000dEaD");
        JsonNode second = settleWithTerms(payload, otherPayee);
        assertFalse(second.get("success").asBoolean(), second.toString());

        try (TokenReader token = new TokenReader(chain)) {
            BigInteger merchantBefore = token.balance(offered.get("payTo").asText());
            Response paid = given().header("PAYMENT-SIGNATURE", HeaderCodec.encode(payload)).get(demo);
            assertEquals(200, paid.statusCode(), paid.asString());
            JsonNode settlement = HeaderCodec.decodeJson(paid.getHeader("PAYMENT-RESPONSE"));
            assertTrue(settlement.get("success").asBoolean(), settlement.toString());
            assertEquals(merchantBefore.add(BigInteger.valueOf(1000)), token.balance(offered.get("payTo").asText()));
        }
        // and now it is spent for good
        Response replay = given().header("PAYMENT-SIGNATURE", HeaderCodec.encode(payload)).get(demo);
        assertEquals(402, replay.statusCode());
        assertEquals("payment_already_used", HeaderCodec.decodeJson(replay.getHeader("PAYMENT-REQUIRED"))
                .get("error").asText());
    }
}
