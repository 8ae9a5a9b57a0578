package io.sippar.x402;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.junit.jupiter.api.Test;

class X402JsonTest {

    private static final String REQ = "{\"scheme\":\"exact\",\"network\":\"eip155:1\",\"amount\":\"1\","
            + "\"asset\":\"0xa\",\"payTo\":\"0xb\",\"maxTimeoutSeconds\":60,\"extra\":{}}";

    private static PaymentRequirements read(String json) throws JsonProcessingException {
        return X402Json.MAPPER.readValue(json, PaymentRequirements.class);
    }

    @Test
    void readsWellTypedRequirements() throws Exception {
        assertEquals(60, read(REQ).maxTimeoutSeconds());
    }

    @Test
    void rejectsNumberGivenAsString() {
        assertThrows(JsonProcessingException.class, () -> read(REQ.replace(":60", ":\"60\"")));
    }

    @Test
    void rejectsStringGivenAsNumber() {
        assertThrows(JsonProcessingException.class, () -> read(REQ.replace("\"amount\":\"1\"", "\"amount\":1")));
        assertThrows(JsonProcessingException.class, () -> read(REQ.replace("\"amount\":\"1\"", "\"amount\":1.5")));
        assertThrows(JsonProcessingException.class, () -> read(REQ.replace("\"amount\":\"1\"", "\"amount\":true")));
    }

    @Test
    void rejectsFractionalIntegerField() {
        assertThrows(JsonProcessingException.class, () -> read(REQ.replace(":60", ":60.5")));
    }

    @Test
    void rejectsNullForPrimitive() {
        assertThrows(JsonProcessingException.class, () -> read(REQ.replace(":60", ":null")));
    }

    @Test
    void rejectsBooleanAsStringOrNumber() {
        assertThrows(JsonProcessingException.class,
                () -> X402Json.MAPPER.readValue("{\"isValid\":\"true\"}", VerifyResponse.class));
        assertThrows(JsonProcessingException.class,
                () -> X402Json.MAPPER.readValue("{\"isValid\":1}", VerifyResponse.class));
    }

    @Test
    void rejectsObjectWhereExtraObjectExpected() {
        assertThrows(JsonProcessingException.class, () -> read(REQ.replace("\"extra\":{}", "\"extra\":\"x\"")));
    }

    @Test
    void ignoresUnknownProperties() throws Exception {
        assertEquals("exact", read(REQ.replace("{\"scheme\"", "{\"futureField\":[1,2],\"scheme\"")).scheme());
    }

    @Test
    void rejectsTrailingTokensAndDuplicates() {
        assertThrows(JsonProcessingException.class, () -> read(REQ + "{}"));
        assertThrows(JsonProcessingException.class, () -> X402Json.MAPPER.readTree(REQ + " 1"));
        assertThrows(JsonProcessingException.class, () -> read(REQ.replace("{\"scheme\"", "{\"amount\":\"2\",\"scheme\"")));
    }

    @Test
    void writesCompactAsciiWithoutNulls() throws Exception {
        assertEquals("{\"url\":\"https://x/\\u00FC\"}", X402Json.MAPPER.writeValueAsString(
                new ResourceInfo("https://x/\u00fc", null, null)));
    }

    @Test
    void preservesDecimalNumbersExactly() throws Exception {
        String json = "{\"a\":60.0,\"b\":1.10,\"c\":12345678901234567890}";
        assertEquals(json, X402Json.MAPPER.writeValueAsString(X402Json.MAPPER.readTree(json)));
    }

    @Test
    void mapperAccessorReturnsTheSharedInstance() {
        assertSame(X402Json.MAPPER, X402Json.mapper());
    }
}
