package io.sippar.x402;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WireRecordsTest {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private static String json(Object value) throws Exception {
        return X402Json.MAPPER.writeValueAsString(value);
    }

    private static PaymentRequirements evmOffer() {
        return new PaymentRequirements("exact", "eip155:84532", "10000", "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
                "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", 60,
                F.objectNode().put("name", "USDC").put("version", "2"));
    }

    @Test
    void settleFailureAlwaysCarriesTransactionAndNetwork() throws Exception {
        SettleResponse failure = SettleResponse.failure(ReasonCode.INVALID_EXACT_EVM_SIGNATURE, null, null, null, null);
        assertEquals("{\"success\":false,\"errorReason\":\"invalid_exact_evm_signature\",\"transaction\":\"\","
                + "\"network\":\"\"}", json(failure));
        SettleResponse withNetwork = SettleResponse.failure(ReasonCode.INVALID_EXACT_AVM_CONFIRMATION_FAILED,
                "not confirmed within 10 rounds", "PAYER", "algorand:x", "TXID");
        assertEquals("{\"success\":false,\"errorReason\":\"invalid_exact_avm_confirmation_failed\","
                + "\"errorMessage\":\"not confirmed within 10 rounds\",\"transaction\":\"TXID\","
                + "\"network\":\"algorand:x\",\"payer\":\"PAYER\"}", json(withNetwork));
        assertEquals(Optional.of(ReasonCode.INVALID_EXACT_AVM_CONFIRMATION_FAILED), withNetwork.reasonCode());
    }

    @Test
    void settleSuccessMatchesSpecShape() throws Exception {
        SettleResponse ok = SettleResponse.success("0x857b06519E91e3A54538791bDbb0E22373e36b66", "eip155:84532",
                "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef");
        assertEquals(SpecVectors.V2_PAYMENT_RESPONSE_SUCCESS, HeaderCodec.encode(ok));
    }

    @Test
    void settleResponseWithoutTransactionReadsAsEmptyString() throws Exception {
        SettleResponse r = X402Json.MAPPER.readValue("{\"success\":false,\"network\":\"eip155:1\"}",
                SettleResponse.class);
        assertEquals("", r.transaction());
    }

    @Test
    void verifyResponseUsesIsValidName() throws Exception {
        assertEquals("{\"isValid\":true,\"payer\":\"0xabc\"}", json(VerifyResponse.valid("0xabc")));
        VerifyResponse invalid = VerifyResponse.invalid(ReasonCode.INVALID_EXACT_EVM_RECIPIENT_MISMATCH,
                "authorization.to differs from payTo", "0xabc");
        assertEquals("{\"isValid\":false,\"invalidReason\":\"invalid_exact_evm_recipient_mismatch\","
                + "\"invalidMessage\":\"authorization.to differs from payTo\",\"payer\":\"0xabc\"}", json(invalid));
        VerifyResponse back = X402Json.MAPPER.readValue(json(invalid), VerifyResponse.class);
        assertEquals(invalid, back);
        assertEquals(Optional.of(ReasonCode.INVALID_EXACT_EVM_RECIPIENT_MISMATCH), back.reasonCode());
    }

    @Test
    void verifyResponseWithUnknownReasonKeepsTheString() throws Exception {
        VerifyResponse r = X402Json.MAPPER.readValue("{\"isValid\":false,\"invalidReason\":\"Settlement failed\"}",
                VerifyResponse.class);
        assertEquals("Settlement failed", r.invalidReason());
        assertEquals(Optional.empty(), r.reasonCode());
    }

    @Test
    void nonAsciiDescriptionIsEscapedInEncodedOutput() throws Exception {
        PaymentRequired required = PaymentRequired.v2("Payment required",
                new ResourceInfo("https://api.example.com/caf\u00e9", "Caf\u00e9 \u2615 \uD83D\uDE00", ""),
                List.of(evmOffer()));
        String header = HeaderCodec.encode(required);
        byte[] bytes = Base64.getDecoder().decode(header);
        for (byte b : bytes) {
            assertTrue(b >= 0x20 && b < 0x7f, "non-ASCII byte in output: " + b);
        }
        String decoded = new String(bytes, StandardCharsets.US_ASCII);
        assertTrue(decoded.contains("Caf\\u00E9 \\u2615 \\uD83D\\uDE00"), decoded);
        assertEquals("Caf\u00e9 \u2615 \uD83D\uDE00",
                HeaderCodec.decodeJson(header).at("/resource/description").textValue());
    }

    @Test
    void v2PaymentRequiredWithOneEvmRequirementRoundTrips() throws Exception {
        PaymentRequired required = PaymentRequired.v2("Payment required",
                new ResourceInfo("https://api.example.com/premium-data", "Access to premium market data",
                        "application/json"),
                List.of(evmOffer()));
        String header = HeaderCodec.encode(required);
        PaymentRequired back = X402Json.MAPPER.treeToValue(HeaderCodec.decodeJson(header), PaymentRequired.class);
        assertEquals(required, back);
        assertEquals(header, HeaderCodec.encode(back));
        assertTrue(back.accepts().get(0).matchesAccepted(HeaderCodec.decodeJson(header).at("/accepts/0")));
        assertEquals("{\"x402Version\":2,\"error\":\"Payment required\",\"resource\":{\"url\":"
                + "\"https://api.example.com/premium-data\",\"description\":\"Access to premium market data\","
                + "\"mimeType\":\"application/json\"},\"accepts\":[{\"scheme\":\"exact\",\"network\":\"eip155:84532\","
                + "\"amount\":\"10000\",\"asset\":\"0x036CbD53842c5426634e7929541eC2318f3dCF7e\","
                + "\"payTo\":\"0x209693Bc6afc0C5328bA36FaF03C514EF312287C\",\"maxTimeoutSeconds\":60,"
                + "\"extra\":{\"name\":\"USDC\",\"version\":\"2\"}}]}", json(required));
    }

    @Test
    void paymentRequiredWithoutErrorOmitsIt() throws Exception {
        PaymentRequired required = PaymentRequired.v2(null, ResourceInfo.of("https://a.example/"), List.of());
        assertEquals("{\"x402Version\":2,\"resource\":{\"url\":\"https://a.example/\",\"description\":\"\","
                + "\"mimeType\":\"\"},\"accepts\":[]}", json(required));
    }

    @Test
    void v1PaymentRequiredBodyHasLegacyShape() throws Exception {
        PaymentRequirementsV1 entry = evmOffer().toV1(Network.BASE_SEPOLIA.v1Name().orElseThrow(),
                ResourceInfo.of("https://api.example.com/premium-data"), null);
        JsonNode body = X402Json.MAPPER.valueToTree(PaymentRequiredV1.v1("X-PAYMENT header is required", List.of(entry)));
        assertEquals(1, body.get("x402Version").intValue());
        assertEquals("base-sepolia", body.at("/accepts/0/network").textValue());
        assertEquals("10000", body.at("/accepts/0/maxAmountRequired").textValue());
        assertTrue(body.at("/accepts/0/outputSchema").isMissingNode());
    }

    @Test
    void supportedResponseAlwaysHasAllThreeMembers() throws Exception {
        assertEquals("{\"kinds\":[],\"extensions\":[],\"signers\":{}}", json(new SupportedResponse(null, null, null)));
        Map<String, List<String>> signers = new LinkedHashMap<>();
        signers.put("eip155:*", List.of("0xfac"));
        signers.put("algorand:*", List.of("RKEOHXLUBHYZL7KS3MWTZOS5OLFGOCN7DWKBEG7TOSEADNAPN5OOTUNSLE"));
        SupportedResponse r = new SupportedResponse(List.of(
                new SupportedKind(2, "exact", "eip155:84532", null),
                new SupportedKind(1, "exact", "base-sepolia", null),
                new SupportedKind(2, "exact", Network.ALGORAND_TESTNET.caip2(),
                        F.objectNode().put("feePayer", "RKEOHXLUBHYZL7KS3MWTZOS5OLFGOCN7DWKBEG7TOSEADNAPN5OOTUNSLE"))),
                List.of(), signers);
        String out = json(r);
        assertTrue(out.startsWith("{\"kinds\":[{\"x402Version\":2,\"scheme\":\"exact\",\"network\":\"eip155:84532\"},"),
                out);
        assertTrue(out.endsWith("\"signers\":{\"eip155:*\":[\"0xfac\"],\"algorand:*\":"
                + "[\"RKEOHXLUBHYZL7KS3MWTZOS5OLFGOCN7DWKBEG7TOSEADNAPN5OOTUNSLE\"]}}"), out);
        assertEquals(r, X402Json.MAPPER.readValue(out, SupportedResponse.class));
    }

    @Test
    void facilitatorRequestCarriesPayloadAndOurRequirement() throws Exception {
        Payment payment = HeaderCodec.decodePayment(HeaderCodec.PAYMENT_SIGNATURE, SpecVectors.V2_PAYMENT_SIGNATURE);
        FacilitatorRequest req = FacilitatorRequest.of(payment, evmOffer());
        JsonNode tree = X402Json.MAPPER.valueToTree(req);
        assertEquals(2, tree.get("x402Version").intValue());
        assertEquals(HeaderCodec.decodeJson(SpecVectors.V2_PAYMENT_SIGNATURE), tree.get("paymentPayload"));
        assertEquals(evmOffer().toJson(), tree.get("paymentRequirements"));
        FacilitatorRequest back = X402Json.MAPPER.readValue(json(req), FacilitatorRequest.class);
        assertEquals(2, back.x402Version());
    }

    @Test
    void facilitatorRequestToleratesMissingVersion() throws Exception {
        FacilitatorRequest r = X402Json.MAPPER.readValue("{\"paymentPayload\":{},\"paymentRequirements\":{}}",
                FacilitatorRequest.class);
        assertEquals(null, r.x402Version());
        ObjectNode empty = F.objectNode();
        assertEquals(empty, r.paymentPayload());
    }

    @Test
    void v2PaymentWithV1NetworkNameHasNoParsedNetwork() {
        Payment p = new Payment(2, "exact", "base-sepolia", F.objectNode(), F.objectNode(), null, null, "");
        assertEquals(Optional.empty(), p.parsedNetwork());
        Payment v1 = new Payment(1, "exact", "base-sepolia", null, F.objectNode(), null, null, "");
        assertEquals(Optional.of(Network.BASE_SEPOLIA), v1.parsedNetwork());
    }
}
