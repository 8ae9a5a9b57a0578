package io.sippar.x402;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/** Base64(JSON) codec for the x402 HTTP headers, with the strict checks a payment header gets. */
public final class HeaderCodec {

    /** v2 challenge (response). */
    public static final String PAYMENT_REQUIRED = "PAYMENT-REQUIRED";
    /** v2 payment (request). */
    public static final String PAYMENT_SIGNATURE = "PAYMENT-SIGNATURE";
    /** v2 settlement result (response). */
    public static final String PAYMENT_RESPONSE = "PAYMENT-RESPONSE";
    /** v1 payment (request). */
    public static final String X_PAYMENT = "X-PAYMENT";
    /** v1 settlement result (response). */
    public static final String X_PAYMENT_RESPONSE = "X-PAYMENT-RESPONSE";

    /**
     * Upper bound for an inbound payment header, in characters of base64. Real payloads are small
     * (an EIP-3009 payload is about 1.5 KB; a 16-transaction Algorand group under 12 KB), and many
     * proxies cap a whole header block at 8-16 KB anyway; refusing larger values before decoding
     * bounds the memory and CPU an unauthenticated request can cost us.
     */
    public static final int MAX_PAYMENT_HEADER_CHARS = 16384;

    // the reference's Base64EncodedRegex: standard alphabet, padding only at the end, no whitespace
    private static final Pattern BASE64 = Pattern.compile("^[A-Za-z0-9+/]*={0,2}$");

    private HeaderCodec() {
    }

    /** Base64 (standard alphabet, padded) of the compact, ASCII-only JSON of {@code value}. */
    public static String encode(Object value) {
        try {
            return Base64.getEncoder().encodeToString(X402Json.MAPPER.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            // our own records always serialise; failing here is a programming error
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes a base64 JSON header value; any defect is an {@link X402DecodeException}. */
    public static JsonNode decodeJson(String headerValue) {
        if (headerValue == null || headerValue.isEmpty()) {
            throw new X402DecodeException(ReasonCode.INVALID_PAYMENT_HEADER_BASE64, "payment header is empty");
        }
        if (headerValue.length() > MAX_PAYMENT_HEADER_CHARS) {
            throw new X402DecodeException(ReasonCode.PAYMENT_HEADER_TOO_LARGE,
                    "payment header exceeds " + MAX_PAYMENT_HEADER_CHARS + " characters");
        }
        if (headerValue.length() % 4 != 0 || !BASE64.matcher(headerValue).matches()) {
            throw new X402DecodeException(ReasonCode.INVALID_PAYMENT_HEADER_BASE64,
                    "payment header is not padded standard base64");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(headerValue);
        } catch (IllegalArgumentException e) {
            throw new X402DecodeException(ReasonCode.INVALID_PAYMENT_HEADER_BASE64,
                    "payment header is not padded standard base64", e);
        }
        return parseJson(utf8(bytes));
    }

    /**
     * Decodes a payment request header: {@code PAYMENT-SIGNATURE} must carry a v2 payload and
     * {@code X-PAYMENT} a v1 payload (header names compared case-insensitively).
     */
    public static Payment decodePayment(String headerName, String headerValue) {
        int expected = expectedVersion(headerName);
        JsonNode root = decodeJson(headerValue);
        if (!root.isObject()) {
            throw invalidPayload("payment header must hold a JSON object");
        }
        int version = version(root.get("x402Version"));
        if (version != expected) {
            throw new X402DecodeException(ReasonCode.PAYMENT_VERSION_HEADER_MISMATCH,
                    headerName + " must carry an x402Version " + expected + " payload, got version " + version);
        }
        return version == 2
                ? Payment.from(PayloadReader.v2(root), headerValue)
                : Payment.from(PayloadReader.v1(root), headerValue);
    }

    /**
     * Reads a payment payload that arrived as JSON (the facilitator API's {@code paymentPayload}),
     * with the same shape checks as a header; the version decides the shape.
     */
    public static Payment paymentFromJson(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw invalidPayload("paymentPayload must be a JSON object");
        }
        int version = version(root.get("x402Version"));
        return version == 2 ? Payment.from(PayloadReader.v2(root), null) : Payment.from(PayloadReader.v1(root), null);
    }

    private static int expectedVersion(String headerName) {
        if (PAYMENT_SIGNATURE.equalsIgnoreCase(headerName)) {
            return 2;
        }
        if (X_PAYMENT.equalsIgnoreCase(headerName)) {
            return 1;
        }
        throw new IllegalArgumentException("not a payment request header: " + headerName);
    }

    private static int version(JsonNode node) {
        if (node == null || node.isNull()) {
            throw new X402DecodeException(ReasonCode.INVALID_X402_VERSION, "x402Version is missing");
        }
        // JavaScript cannot tell 2 from 2.0, so neither do we; "2" (a string) is refused
        if (!node.isNumber() || !node.canConvertToExactIntegral()) {
            throw new X402DecodeException(ReasonCode.INVALID_X402_VERSION, "x402Version must be an integer");
        }
        int version = node.canConvertToInt() ? node.asInt() : -1;
        if (version != 1 && version != 2) {
            throw new X402DecodeException(ReasonCode.INVALID_X402_VERSION,
                    "Unsupported x402 version: " + node.asText());
        }
        return version;
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new X402DecodeException(ReasonCode.INVALID_PAYMENT_HEADER_UTF8,
                    "payment header does not decode to UTF-8", e);
        }
    }

    private static JsonNode parseJson(String json) {
        try {
            JsonNode node = X402Json.MAPPER.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw new X402DecodeException(ReasonCode.INVALID_PAYMENT_HEADER_JSON, "payment header holds no JSON");
            }
            return node;
        } catch (StreamConstraintsException e) {
            throw new X402DecodeException(ReasonCode.INVALID_PAYMENT_HEADER_JSON,
                    "payment header JSON exceeds limits: " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            // original message only: the location part would quote client input back
            throw new X402DecodeException(ReasonCode.INVALID_PAYMENT_HEADER_JSON,
                    "payment header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (NumberFormatException e) {
            // Jackson lets BigDecimal's own refusal through: an exponent beyond int range, e.g. 1e-99999999402
            throw new X402DecodeException(ReasonCode.INVALID_PAYMENT_HEADER_JSON,
                    "payment header holds a number no JSON reader can represent", e);
        }
    }

    static X402DecodeException invalidPayload(String message) {
        return new X402DecodeException(ReasonCode.INVALID_PAYLOAD, message);
    }
}
