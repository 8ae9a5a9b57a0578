package io.sippar.x402;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class PaymentRequirementsTest {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private static PaymentRequirements offer() {
        ObjectNode extra = F.objectNode().put("name", "USDC").put("version", "2");
        return new PaymentRequirements("exact", "eip155:84532", "10000",
                "0x036CbD53842c5426634e7929541eC2318f3dCF7e", "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", 60, extra);
    }

    private static JsonNode json(String s) throws Exception {
        return X402Json.MAPPER.readTree(s);
    }

    @Test
    void matchesItsOwnSerialisation() {
        assertTrue(offer().matchesAccepted(offer().toJson()));
    }

    @Test
    void matchesRegardlessOfKeyOrder() throws Exception {
        JsonNode reordered = json("{\"extra\":{\"version\":\"2\",\"name\":\"USDC\"},\"maxTimeoutSeconds\":60,"
                + "\"payTo\":\"0x209693Bc6afc0C5328bA36FaF03C514EF312287C\","
                + "\"asset\":\"0x036CbD53842c5426634e7929541eC2318f3dCF7e\",\"amount\":\"10000\","
                + "\"network\":\"eip155:84532\",\"scheme\":\"exact\"}");
        assertTrue(offer().matchesAccepted(reordered));
    }

    @Test
    void treatsIntLongAndIntegralDecimalTimeoutsAsEqual() {
        ObjectNode asLong = offer().toJson();
        asLong.set("maxTimeoutSeconds", LongNode.valueOf(60L));
        assertTrue(offer().matchesAccepted(asLong));
        ObjectNode asDecimal = offer().toJson();
        asDecimal.put("maxTimeoutSeconds", new BigDecimal("60.0"));
        assertTrue(offer().matchesAccepted(asDecimal));
        ObjectNode asDouble = offer().toJson();
        asDouble.put("maxTimeoutSeconds", 60.0d);
        assertTrue(offer().matchesAccepted(asDouble));
    }

    @Test
    void rejectsDifferentTimeout() {
        ObjectNode other = offer().toJson().put("maxTimeoutSeconds", 61);
        assertFalse(offer().matchesAccepted(other));
    }

    @Test
    void rejectsTimeoutAsString() {
        ObjectNode other = offer().toJson().put("maxTimeoutSeconds", "60");
        assertFalse(offer().matchesAccepted(other));
    }

    @Test
    void rejectsExtraKeyOnClientSide() {
        assertFalse(offer().matchesAccepted(offer().toJson().put("resource", "https://a")));
        ObjectNode nested = offer().toJson();
        ((ObjectNode) nested.get("extra")).put("assetTransferMethod", "permit2");
        assertFalse(offer().matchesAccepted(nested));
    }

    @Test
    void rejectsMissingKeyOnClientSide() {
        ObjectNode missing = offer().toJson();
        missing.remove("extra");
        assertFalse(offer().matchesAccepted(missing));
    }

    @Test
    void rejectsNullInsteadOfMissing() {
        ObjectNode nulled = offer().toJson();
        nulled.putNull("extra");
        assertFalse(offer().matchesAccepted(nulled));
    }

    @Test
    void rejectsChangedExtraName() {
        ObjectNode changed = offer().toJson();
        ((ObjectNode) changed.get("extra")).put("name", "USD Coin");
        assertFalse(offer().matchesAccepted(changed));
    }

    @Test
    void rejectsAddressWithDifferentChecksumCase() {
        ObjectNode lower = offer().toJson().put("payTo", "0x209693bc6afc0c5328ba36faf03c514ef312287c");
        assertFalse(offer().matchesAccepted(lower));
    }

    @Test
    void rejectsNonObjects() {
        assertFalse(offer().matchesAccepted(null));
        assertFalse(offer().matchesAccepted(F.arrayNode().add(offer().toJson())));
        assertFalse(offer().matchesAccepted(F.textNode("exact")));
    }

    @Test
    void comparesArraysInsideExtraInOrder() {
        PaymentRequirements withList = new PaymentRequirements("exact", "eip155:1", "1", "0xa", "0xb", 60,
                F.objectNode().set("tags", F.arrayNode().add("a").add("b")));
        ObjectNode swapped = withList.toJson();
        ((ObjectNode) swapped.get("extra")).set("tags", F.arrayNode().add("b").add("a"));
        assertTrue(withList.matchesAccepted(withList.toJson()));
        assertFalse(withList.matchesAccepted(swapped));
    }

    @Test
    void nullExtraIsSentAsEmptyObject() throws Exception {
        PaymentRequirements noExtra = new PaymentRequirements("exact", "eip155:1", "1", "0xa", "0xb", 60, null);
        assertEquals("{\"scheme\":\"exact\",\"network\":\"eip155:1\",\"amount\":\"1\",\"asset\":\"0xa\","
                + "\"payTo\":\"0xb\",\"maxTimeoutSeconds\":60,\"extra\":{}}", X402Json.MAPPER.writeValueAsString(noExtra));
    }

    @Test
    void extraIsCopiedSoLaterMutationCannotChangeTheOffer() {
        ObjectNode extra = F.objectNode().put("name", "USDC");
        PaymentRequirements r = new PaymentRequirements("exact", "eip155:1", "1", "0xa", "0xb", 60, extra);
        extra.put("name", "EVIL");
        assertEquals("USDC", r.extra().get("name").textValue());
    }

    @Test
    void toV1NeverEmitsNullOutputSchemaAndAlwaysEmitsStrings() throws Exception {
        PaymentRequirementsV1 v1 = offer().toV1("base-sepolia",
                new ResourceInfo("https://api.example.com/premium-data", null, null), null);
        String json = X402Json.MAPPER.writeValueAsString(v1);
        assertEquals("{\"scheme\":\"exact\",\"network\":\"base-sepolia\",\"maxAmountRequired\":\"10000\","
                + "\"asset\":\"0x036CbD53842c5426634e7929541eC2318f3dCF7e\","
                + "\"payTo\":\"0x209693Bc6afc0C5328bA36FaF03C514EF312287C\","
                + "\"resource\":\"https://api.example.com/premium-data\",\"description\":\"\",\"mimeType\":\"\","
                + "\"maxTimeoutSeconds\":60,\"extra\":{\"name\":\"USDC\",\"version\":\"2\"}}", json);
    }

    @Test
    void toV1CarriesAnOutputSchemaObjectWhenGiven() {
        ObjectNode schema = F.objectNode();
        schema.putObject("input").put("type", "http").put("method", "GET");
        PaymentRequirementsV1 v1 = offer().toV1("base", new ResourceInfo("https://a.example/x", "d", "text/plain"),
                schema);
        JsonNode tree = X402Json.MAPPER.valueToTree(v1);
        assertEquals("http", tree.at("/outputSchema/input/type").textValue());
        assertEquals("d", tree.get("description").textValue());
        assertEquals("text/plain", tree.get("mimeType").textValue());
        assertEquals("base", tree.get("network").textValue());
    }

    @Test
    void v1RequirementsParsedWithNullOutputSchemaReencodeWithoutIt() throws Exception {
        String spec = "{\"scheme\":\"exact\",\"network\":\"base-sepolia\",\"maxAmountRequired\":\"10000\","
                + "\"asset\":\"0x036CbD53842c5426634e7929541eC2318f3dCF7e\","
                + "\"payTo\":\"0x209693Bc6afc0C5328bA36FaF03C514EF312287C\","
                + "\"resource\":\"https://api.example.com/premium-data\","
                + "\"description\":\"Access to premium market data\",\"mimeType\":\"application/json\","
                + "\"outputSchema\":null,\"maxTimeoutSeconds\":60,\"extra\":{\"name\":\"USDC\",\"version\":\"2\"}}";
        PaymentRequirementsV1 v1 = X402Json.MAPPER.readValue(spec, PaymentRequirementsV1.class);
        assertFalse(X402Json.MAPPER.writeValueAsString(v1).contains("outputSchema"));
    }
}
