package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.aMapWithSize;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/** The facilitator API's request validation and schema-complete answers. */
@QuarkusTest
class FacilitatorApiTest {

    /** Base mainnet: a network this deployment does not serve. */
    private static final String REQUIREMENTS_V2 = """
            {"scheme":"exact","network":"eip155:8453","amount":"10000",
             "asset":"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
             "maxTimeoutSeconds":60,"extra":{"name":"USD Coin","version":"2"}}""";

    static final String KEY = "Bearer sk_test_acme_0123456789abcdefghijklmn";

    @Test
    void verifyWithoutAnApiKeyIs401() {
        given().contentType(ContentType.JSON).body(request(2, REQUIREMENTS_V2)).post("/verify").then().statusCode(401)
                .contentType("application/problem+json").body("reason", equalTo("unauthorized"));
    }

    @Test
    void settleWithAnUnknownKeyIs401() {
        given().header("Authorization", "Bearer sk_test_nobody_0123456789abcdefghijk").contentType(ContentType.JSON)
                .body(request(2, REQUIREMENTS_V2)).post("/settle").then().statusCode(401);
    }

    private static String request(int version, String requirements) {
        return """
                {"x402Version":%d,"paymentPayload":{"x402Version":%d,"accepted":%s,
                 "payload":{"signature":"0x00","authorization":{}}},"paymentRequirements":%s}"""
                .formatted(version, version, requirements, requirements);
    }

    @Test
    void supportedListsExactlyTheConfiguredNetworksAndTheSettler() {
        io.sippar.testsupport.AlgodFixture algorand = io.sippar.testsupport.ChainsTestResource.algorand();
        given().get("/supported").then().statusCode(200)
                .body("kinds", hasSize(4))
                .body("kinds.findAll { it.x402Version == 2 }.network", containsInAnyOrder("eip155:31337", "eip155:84532",
                        algorand.network()))
                .body("kinds.findAll { it.x402Version == 1 }.network", containsInAnyOrder("base-sepolia"))
                .body("kinds.find { it.network == '" + algorand.network() + "' }.extra.feePayer",
                        equalTo(algorand.feePayer().address()))
                .body("extensions", hasSize(0))
                .body("signers", aMapWithSize(2))
                .body("signers.'eip155:*'", containsInAnyOrder("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"))
                .body("signers.'algorand:*'", containsInAnyOrder(algorand.feePayer().address()));
    }

    @Test
    void supportedNeedsNoApiKey() {
        given().get("/supported").then().statusCode(200);
    }

    @Test
    void verifyOnANetworkThisDeploymentDoesNotServeIsA200WithAReason() {
        given().header("Authorization", KEY).contentType(ContentType.JSON).body(request(2, REQUIREMENTS_V2)).post("/verify").then()
                .statusCode(200).body("isValid", equalTo(false)).body("invalidReason", equalTo("unsupported_network"));
    }

    @Test
    void verifyOfAnUnknownSchemeIsA200WithAReason() {
        given().header("Authorization", KEY).contentType(ContentType.JSON)
                .body(request(2, REQUIREMENTS_V2.replace("\"exact\"", "\"upto\""))).post("/verify").then()
                .statusCode(200).body("isValid", equalTo(false)).body("invalidReason", equalTo("unsupported_scheme"));
    }

    @Test
    void settleFailureAlwaysCarriesTransactionAndNetwork() {
        given().header("Authorization", KEY).contentType(ContentType.JSON).body(request(2, REQUIREMENTS_V2)).post("/settle").then()
                .statusCode(200).body("success", equalTo(false)).body("errorReason", equalTo("unsupported_network"))
                .body("transaction", equalTo("")).body("network", equalTo("eip155:8453"));
    }

    @Test
    void unknownPayloadVersionIsRefusedWithAReason() {
        given().header("Authorization", KEY).contentType(ContentType.JSON).body(request(7, REQUIREMENTS_V2)).post("/verify").then()
                .statusCode(200).body("isValid", equalTo(false)).body("invalidReason", equalTo("invalid_x402_version"));
    }

    @Test
    void v1RequirementsWithUnknownNetworkAreRefusedWithAReason() {
        String v1 = """
                {"scheme":"exact","network":"mars","maxAmountRequired":"1","resource":"http://x/y","description":"",
                 "mimeType":"","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,
                 "asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e"}""";
        given().header("Authorization", KEY).contentType(ContentType.JSON).body("""
                {"x402Version":1,"paymentPayload":{"x402Version":1,"scheme":"exact","network":"mars","payload":{}},
                 "paymentRequirements":%s}""".formatted(v1)).post("/verify").then()
                .statusCode(200).body("isValid", equalTo(false)).body("invalidReason", equalTo("invalid_network"));
    }

    @Test
    void nonJsonBodyIs400ProblemJson() {
        given().header("Authorization", KEY).contentType(ContentType.JSON).body("{not json").post("/verify").then().statusCode(400)
                .contentType("application/problem+json").body("reason", equalTo("invalid_request"));
    }

    @Test
    void missingPaymentPayloadIs400() {
        given().header("Authorization", KEY).contentType(ContentType.JSON).body("{\"x402Version\":2,\"paymentRequirements\":{}}").post("/verify")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", equalTo("paymentPayload must be an object"));
    }

    @Test
    void requirementsWithNegativeAmountAreRefused() {
        given().header("Authorization", KEY).contentType(ContentType.JSON).body(request(2, REQUIREMENTS_V2.replace("\"10000\"", "\"-5\"")))
                .post("/verify").then().statusCode(200).body("isValid", equalTo(false))
                .body("invalidReason", equalTo("invalid_payment_requirements"));
    }
}
