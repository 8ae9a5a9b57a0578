package io.sippar.x402;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class HeaderCodecDecodeFailureTest {

    private static final String ACCEPTED = "{\"scheme\":\"exact\",\"network\":\"eip155:84532\",\"amount\":\"10000\","
            + "\"asset\":\"0x036CbD53842c5426634e7929541eC2318f3dCF7e\","
            + "\"payTo\":\"0x209693Bc6afc0C5328bA36FaF03C514EF312287C\",\"maxTimeoutSeconds\":60,"
            + "\"extra\":{\"name\":\"USDC\",\"version\":\"2\"}}";
    private static final String PAYLOAD = "{\"signature\":\"0x00\",\"authorization\":{}}";

    private static String b64(String json) {
        return b64(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static String v2(String members) {
        return "{\"x402Version\":2" + members + "}";
    }

    private static X402DecodeException fails(ReasonCode expected, Executable call) {
        X402DecodeException e = assertThrows(X402DecodeException.class, call);
        assertEquals(expected, e.reason(), e.getMessage());
        return e;
    }

    private static X402DecodeException signatureFails(ReasonCode expected, String json) {
        return fails(expected, () -> HeaderCodec.decodePayment("PAYMENT-SIGNATURE", b64(json)));
    }

    // --- transport: size, base64, UTF-8, JSON ---

    @Test
    void rejectsEmptyHeader() {
        fails(ReasonCode.INVALID_PAYMENT_HEADER_BASE64, () -> HeaderCodec.decodeJson(""));
        fails(ReasonCode.INVALID_PAYMENT_HEADER_BASE64, () -> HeaderCodec.decodeJson(null));
    }

    @Test
    void rejectsOversizeHeaderBeforeDecoding() {
        String oversize = "A".repeat(HeaderCodec.MAX_PAYMENT_HEADER_CHARS + 4);
        fails(ReasonCode.PAYMENT_HEADER_TOO_LARGE, () -> HeaderCodec.decodeJson(oversize));
    }

    @Test
    void headerOfExactlyTheLimitIsDecoded() {
        // 16384 'A's are valid base64 (NUL bytes), so the failure comes from the JSON stage, not the size check
        String atLimit = "A".repeat(HeaderCodec.MAX_PAYMENT_HEADER_CHARS);
        fails(ReasonCode.INVALID_PAYMENT_HEADER_JSON, () -> HeaderCodec.decodeJson(atLimit));
    }

    @Test
    void rejectsMalformedBase64() {
        fails(ReasonCode.INVALID_PAYMENT_HEADER_BASE64, () -> HeaderCodec.decodeJson("eyJh$IjoxfQ=="));
        fails(ReasonCode.INVALID_PAYMENT_HEADER_BASE64, () -> HeaderCodec.decodeJson("eyJhIjoxfQ=a="));
        fails(ReasonCode.INVALID_PAYMENT_HEADER_BASE64, () -> HeaderCodec.decodeJson("eyJhIjoxf==="));
    }

    @Test
    void rejectsUrlSafeBase64() {
        String standard = HeaderCodec.encode(ResourceInfo.of("https://x.example/???>>>~~~"));
        assertTrue(standard.contains("/") || standard.contains("+"), "precondition: needs + or /");
        String urlSafe = standard.replace('+', '-').replace('/', '_');
        fails(ReasonCode.INVALID_PAYMENT_HEADER_BASE64, () -> HeaderCodec.decodeJson(urlSafe));
    }

    @Test
    void rejectsWhitespaceInHeader() {
        String header = SpecVectors.V1_X_PAYMENT;
        fails(ReasonCode.INVALID_PAYMENT_HEADER_BASE64,
                () -> HeaderCodec.decodeJson(header.substring(0, 76) + "\r\n" + header.substring(76)));
        fails(ReasonCode.INVALID_PAYMENT_HEADER_BASE64, () -> HeaderCodec.decodeJson(" " + header));
        fails(ReasonCode.INVALID_PAYMENT_HEADER_BASE64, () -> HeaderCodec.decodeJson(header + " "));
    }

    @Test
    void rejectsMissingPadding() {
        String header = SpecVectors.V1_X_PAYMENT;
        assertTrue(header.endsWith("=="));
        fails(ReasonCode.INVALID_PAYMENT_HEADER_BASE64,
                () -> HeaderCodec.decodeJson(header.substring(0, header.length() - 2)));
    }

    @Test
    void rejectsInvalidUtf8() {
        byte[] bytes = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        fails(ReasonCode.INVALID_PAYMENT_HEADER_UTF8, () -> HeaderCodec.decodeJson(b64(bytes)));
    }

    @Test
    void rejectsLoneSurrogateEncodedAsUtf8() {
        byte[] bytes = {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'};
        fails(ReasonCode.INVALID_PAYMENT_HEADER_UTF8, () -> HeaderCodec.decodeJson(b64(bytes)));
    }

    @Test
    void rejectsNonJson() {
        fails(ReasonCode.INVALID_PAYMENT_HEADER_JSON, () -> HeaderCodec.decodeJson(b64("hello, world")));
        fails(ReasonCode.INVALID_PAYMENT_HEADER_JSON, () -> HeaderCodec.decodeJson(b64("   ")));
        fails(ReasonCode.INVALID_PAYMENT_HEADER_JSON, () -> HeaderCodec.decodeJson(b64("{'a':1}")));
    }

    @Test
    void rejectsTrailingGarbage() {
        fails(ReasonCode.INVALID_PAYMENT_HEADER_JSON, () -> HeaderCodec.decodeJson(b64("{\"a\":1} x")));
        fails(ReasonCode.INVALID_PAYMENT_HEADER_JSON, () -> HeaderCodec.decodeJson(b64("{\"a\":1}{\"b\":2}")));
    }

    @Test
    void rejectsDeepNesting() {
        int depth = X402Json.MAX_NESTING_DEPTH + 1;
        String deep = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
        fails(ReasonCode.INVALID_PAYMENT_HEADER_JSON, () -> HeaderCodec.decodeJson(b64(deep)));
        String arrays = "[".repeat(depth) + "]".repeat(depth);
        fails(ReasonCode.INVALID_PAYMENT_HEADER_JSON, () -> HeaderCodec.decodeJson(b64(arrays)));
    }

    @Test
    void acceptsNestingUpToTheLimit() {
        int depth = X402Json.MAX_NESTING_DEPTH;
        String deep = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
        assertEquals(1, HeaderCodec.decodeJson(b64(deep)).size());
    }

    @Test
    void rejectsDuplicateKeys() {
        fails(ReasonCode.INVALID_PAYMENT_HEADER_JSON,
                () -> HeaderCodec.decodeJson(b64("{\"x402Version\":2,\"x402Version\":1}")));
        // nested duplicates matter too: two "to" in an authorization must not be resolved silently
        fails(ReasonCode.INVALID_PAYMENT_HEADER_JSON,
                () -> HeaderCodec.decodeJson(b64("{\"p\":{\"to\":\"0x1\",\"to\":\"0x2\"}}")));
    }

    @Test
    void rejectsOverlongNumber() {
        String json = "{\"x402Version\":" + "9".repeat(X402Json.MAX_NUMBER_LENGTH + 1) + "}";
        fails(ReasonCode.INVALID_PAYMENT_HEADER_JSON, () -> HeaderCodec.decodeJson(b64(json)));
    }

    // --- payment objects: version ---

    @Test
    void rejectsJsonArrayInsteadOfObject() {
        signatureFails(ReasonCode.INVALID_PAYLOAD, "[{\"x402Version\":2}]");
        signatureFails(ReasonCode.INVALID_PAYLOAD, "\"x402\"");
    }

    @Test
    void rejectsMissingVersion() {
        signatureFails(ReasonCode.INVALID_X402_VERSION, "{\"accepted\":" + ACCEPTED + ",\"payload\":" + PAYLOAD + "}");
    }

    @Test
    void rejectsUnknownVersion() {
        X402DecodeException e = signatureFails(ReasonCode.INVALID_X402_VERSION,
                "{\"x402Version\":3,\"accepted\":" + ACCEPTED + ",\"payload\":" + PAYLOAD + "}");
        assertEquals("Unsupported x402 version: 3", e.getMessage());
        signatureFails(ReasonCode.INVALID_X402_VERSION, "{\"x402Version\":0}");
        signatureFails(ReasonCode.INVALID_X402_VERSION, "{\"x402Version\":-2}");
        signatureFails(ReasonCode.INVALID_X402_VERSION, "{\"x402Version\":4294967298}");
    }

    @Test
    void rejectsVersionAsString() {
        signatureFails(ReasonCode.INVALID_X402_VERSION,
                "{\"x402Version\":\"2\",\"accepted\":" + ACCEPTED + ",\"payload\":" + PAYLOAD + "}");
    }

    @Test
    void rejectsNonIntegerVersion() {
        signatureFails(ReasonCode.INVALID_X402_VERSION, "{\"x402Version\":2.5}");
        signatureFails(ReasonCode.INVALID_X402_VERSION, "{\"x402Version\":true}");
        signatureFails(ReasonCode.INVALID_X402_VERSION, "{\"x402Version\":null}");
    }

    @Test
    void acceptsIntegralFloatVersionLikeJavaScript() {
        Payment p = HeaderCodec.decodePayment("PAYMENT-SIGNATURE",
                b64("{\"x402Version\":2.0,\"accepted\":" + ACCEPTED + ",\"payload\":" + PAYLOAD + "}"));
        assertEquals(2, p.x402Version());
    }

    @Test
    void rejectsV1ObjectInPaymentSignature() {
        fails(ReasonCode.PAYMENT_VERSION_HEADER_MISMATCH,
                () -> HeaderCodec.decodePayment("PAYMENT-SIGNATURE", SpecVectors.V1_X_PAYMENT));
    }

    @Test
    void rejectsV2ObjectInXPayment() {
        fails(ReasonCode.PAYMENT_VERSION_HEADER_MISMATCH,
                () -> HeaderCodec.decodePayment("X-PAYMENT", SpecVectors.V2_PAYMENT_SIGNATURE));
    }

    // --- payment objects: shape ---

    @Test
    void rejectsMissingPayload() {
        X402DecodeException e = signatureFails(ReasonCode.INVALID_PAYLOAD, v2(",\"accepted\":" + ACCEPTED));
        assertTrue(e.getMessage().contains("payload"), e.getMessage());
        X402DecodeException v1 = fails(ReasonCode.INVALID_PAYLOAD, () -> HeaderCodec.decodePayment("X-PAYMENT",
                b64("{\"x402Version\":1,\"scheme\":\"exact\",\"network\":\"base\"}")));
        assertTrue(v1.getMessage().contains("payload"), v1.getMessage());
    }

    @Test
    void rejectsPayloadThatIsNotAnObject() {
        signatureFails(ReasonCode.INVALID_PAYLOAD, v2(",\"accepted\":" + ACCEPTED + ",\"payload\":\"0xdead\""));
        signatureFails(ReasonCode.INVALID_PAYLOAD, v2(",\"accepted\":" + ACCEPTED + ",\"payload\":null"));
    }

    @Test
    void rejectsAcceptedNotAnObject() {
        X402DecodeException e = signatureFails(ReasonCode.INVALID_PAYLOAD,
                v2(",\"accepted\":[" + ACCEPTED + "],\"payload\":" + PAYLOAD));
        assertTrue(e.getMessage().contains("accepted"), e.getMessage());
        signatureFails(ReasonCode.INVALID_PAYLOAD, v2(",\"payload\":" + PAYLOAD));
    }

    @Test
    void rejectsAcceptedWithoutStringSchemeOrNetwork() {
        X402DecodeException e = signatureFails(ReasonCode.INVALID_PAYLOAD,
                v2(",\"accepted\":{\"scheme\":\"exact\",\"network\":84532},\"payload\":" + PAYLOAD));
        assertEquals("accepted.network must be a string", e.getMessage());
        signatureFails(ReasonCode.INVALID_PAYLOAD,
                v2(",\"accepted\":{\"network\":\"eip155:84532\"},\"payload\":" + PAYLOAD));
    }

    @Test
    void rejectsV1WithoutStringSchemeOrNetwork() {
        X402DecodeException e = fails(ReasonCode.INVALID_PAYLOAD, () -> HeaderCodec.decodePayment("X-PAYMENT",
                b64("{\"x402Version\":1,\"scheme\":\"exact\",\"network\":8453,\"payload\":{}}")));
        assertEquals("network must be a string", e.getMessage());
        fails(ReasonCode.INVALID_PAYLOAD, () -> HeaderCodec.decodePayment("X-PAYMENT",
                b64("{\"x402Version\":1,\"network\":\"base\",\"payload\":{}}")));
    }

    @Test
    void rejectsResourceWithNonStringUrl() {
        X402DecodeException e = signatureFails(ReasonCode.INVALID_PAYLOAD,
                v2(",\"resource\":{\"url\":42},\"accepted\":" + ACCEPTED + ",\"payload\":" + PAYLOAD));
        assertEquals("resource.url must be a string", e.getMessage());
        signatureFails(ReasonCode.INVALID_PAYLOAD,
                v2(",\"resource\":{\"url\":\"https://a\",\"description\":7},\"accepted\":" + ACCEPTED
                        + ",\"payload\":" + PAYLOAD));
        signatureFails(ReasonCode.INVALID_PAYLOAD,
                v2(",\"resource\":\"https://a\",\"accepted\":" + ACCEPTED + ",\"payload\":" + PAYLOAD));
    }

    @Test
    void rejectsExtensionsThatAreNotAnObject() {
        signatureFails(ReasonCode.INVALID_PAYLOAD,
                v2(",\"accepted\":" + ACCEPTED + ",\"payload\":" + PAYLOAD + ",\"extensions\":[]"));
    }

    @Test
    void acceptedWithAmountAsNumberFailsTypedRead() {
        String accepted = ACCEPTED.replace("\"amount\":\"10000\"", "\"amount\":10000");
        Payment p = HeaderCodec.decodePayment("PAYMENT-SIGNATURE",
                b64(v2(",\"accepted\":" + accepted + ",\"payload\":" + PAYLOAD)));
        fails(ReasonCode.INVALID_PAYLOAD, () -> p.acceptedRequirements());
    }

    // --- header names and leniency that is deliberate ---

    @Test
    void comparesHeaderNamesCaseInsensitively() {
        assertEquals(2, HeaderCodec.decodePayment("payment-signature", SpecVectors.V2_PAYMENT_SIGNATURE).x402Version());
        assertEquals(1, HeaderCodec.decodePayment("x-Payment", SpecVectors.V1_X_PAYMENT).x402Version());
    }

    @Test
    void refusesToDecodeANonPaymentHeaderName() {
        assertThrows(IllegalArgumentException.class,
                () -> HeaderCodec.decodePayment("PAYMENT-RESPONSE", SpecVectors.V2_PAYMENT_SIGNATURE));
    }

    @Test
    void ignoresUnknownMembersAddedByClients() {
        Payment p = HeaderCodec.decodePayment("PAYMENT-SIGNATURE",
                b64(v2(",\"accepted\":" + ACCEPTED + ",\"payload\":" + PAYLOAD + ",\"clientHint\":{\"x\":1}")));
        assertEquals("eip155:84532", p.network());
        assertEquals(null, p.resource());
        assertEquals(null, p.extensions());
    }

    @Test
    void decodeFailuresCarryNoSourceLocation() {
        X402DecodeException e = fails(ReasonCode.INVALID_PAYMENT_HEADER_JSON,
                () -> HeaderCodec.decodeJson(b64("{\"a\":1,\"a\":2}")));
        assertTrue(!e.getMessage().contains("Source"), e.getMessage());
    }
}
