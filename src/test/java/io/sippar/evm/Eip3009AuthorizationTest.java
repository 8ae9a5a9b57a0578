package io.sippar.evm;

import static io.sippar.evm.EvmVectors.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.X402DecodeException;
import java.math.BigInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Strict parsing of the EIP-3009 payload: anything off the TS client's exact shape is invalid_payload. */
class Eip3009AuthorizationTest {

    private static ObjectNode good() {
        return payloadJson(A_AUTH, A_SIGNATURE);
    }

    @Test
    void parsesVectorA() {
        ExactEvmPayload p = ExactEvmPayload.parse(good());
        assertEquals(A_AUTH, p.authorization());
        assertEquals(A_SIGNATURE, p.signature());
        assertEquals(65, p.signatureLength());
    }

    @Test
    void normalisesAddressesToEip55AndHexToLowercase() {
        ObjectNode payload = good();
        payload.put("signature", A_SIGNATURE.toUpperCase().replace("0X", "0x"));
        ObjectNode auth = (ObjectNode) payload.get("authorization");
        auth.put("from", A_AUTH.from().toLowerCase());
        auth.put("nonce", A_AUTH.nonce().toUpperCase().replace("0X", "0x"));
        ExactEvmPayload p = ExactEvmPayload.parse(payload);
        assertEquals(A_AUTH, p.authorization());
        assertEquals(A_SIGNATURE, p.signature());
    }

    @Test
    void acceptsTheUint256Maximum() {
        ObjectNode payload = good();
        ((ObjectNode) payload.get("authorization")).put("validBefore", Eip3009Authorization.UINT256_MAX.toString());
        assertEquals(Eip3009Authorization.UINT256_MAX, ExactEvmPayload.parse(payload).authorization().validBefore());
    }

    static Stream<Arguments> malformed() {
        String over = BigInteger.ONE.shiftLeft(256).toString();
        return Stream.of(
                bad("payload without fields", p -> p.removeAll().put("x", 1)),
                bad("authorization missing", p -> p.remove("authorization")),
                bad("authorization not an object", p -> p.put("authorization", "x")),
                bad("signature missing", p -> p.remove("signature")),
                bad("signature without 0x", p -> p.put("signature", A_SIGNATURE.substring(2))),
                bad("signature odd length", p -> p.put("signature", A_SIGNATURE + "0")),
                bad("signature not hex", p -> p.put("signature", "0x" + "zz".repeat(65))),
                bad("signature empty", p -> p.put("signature", "0x")),
                bad("signature as number", p -> p.put("signature", 5)),
                auth("from missing", a -> a.remove("from")),
                auth("from short", a -> a.put("from", "0x857b06519e91e3a54538791bdbb0e22373e36b6")),
                auth("from no 0x", a -> a.put("from", "857b06519e91e3a54538791bdbb0e22373e36b66")),
                auth("from bad checksum", a -> a.put("from", "0x857B06519E91e3A54538791bDbb0E22373e36b66")),
                auth("to not hex", a -> a.put("to", "0x209693Bc6afc0C5328bA36FaF03C514EF312287G")),
                auth("value missing", a -> a.remove("value")),
                auth("value as JSON number", a -> a.put("value", 10000)),
                auth("value hex", a -> a.put("value", "0x2710")),
                auth("value negative", a -> a.put("value", "-1")),
                auth("value plus sign", a -> a.put("value", "+1")),
                auth("value decimal point", a -> a.put("value", "1.0")),
                auth("value exponent", a -> a.put("value", "1e4")),
                auth("value blank", a -> a.put("value", "")),
                auth("value padded", a -> a.put("value", " 1")),
                auth("value with a leading zero", a -> a.put("value", "010000")),
                auth("validAfter with a leading zero", a -> a.put("validAfter", "0" + A_AUTH.validAfter())),
                auth("value in fullwidth digits", a -> a.put("value", "\uff11\uff10")),
                auth("value over uint256", a -> a.put("value", over)),
                auth("validAfter null", a -> a.putNull("validAfter")),
                auth("validBefore over uint256", a -> a.put("validBefore", over)),
                auth("validBefore huge", a -> a.put("validBefore", "9".repeat(200))),
                auth("nonce short", a -> a.put("nonce", "0x" + "ab".repeat(31))),
                auth("nonce long", a -> a.put("nonce", "0x" + "ab".repeat(33))),
                auth("nonce no 0x", a -> a.put("nonce", "ab".repeat(32))),
                auth("nonce as number", a -> a.put("nonce", 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedIsInvalidPayload(String label, Consumer<ObjectNode> mutate) {
        ObjectNode payload = good();
        mutate.accept(payload);
        X402DecodeException e = assertThrows(X402DecodeException.class, () -> ExactEvmPayload.parse(payload));
        assertEquals(ReasonCode.INVALID_PAYLOAD, e.reason());
    }

    @Test
    void permit2PayloadIsAnUnsupportedPayloadType() {
        ObjectNode payload = good();
        payload.putObject("permit2Authorization");
        assertEquals(ReasonCode.UNSUPPORTED_PAYLOAD_TYPE,
                assertThrows(X402DecodeException.class, () -> ExactEvmPayload.parse(payload)).reason());
    }

    @Test
    void zeroIsCanonical() {
        ObjectNode payload = good();
        ((ObjectNode) payload.get("authorization")).put("validAfter", "0");
        assertEquals(BigInteger.ZERO, ExactEvmPayload.parse(payload).authorization().validAfter());
    }

    @Test
    void nullPayloadIsInvalidPayload() {
        assertEquals(ReasonCode.INVALID_PAYLOAD,
                assertThrows(X402DecodeException.class, () -> ExactEvmPayload.parse(null)).reason());
        assertEquals(ReasonCode.INVALID_PAYLOAD, assertThrows(X402DecodeException.class,
                () -> ExactEvmPayload.parse(JsonNodeFactory.instance.arrayNode())).reason());
    }

    private static Arguments bad(String label, Consumer<ObjectNode> onPayload) {
        return Arguments.of(label, onPayload);
    }

    private static Arguments auth(String label, Consumer<ObjectNode> onAuthorization) {
        return Arguments.of(label, (Consumer<ObjectNode>) p -> onAuthorization.accept((ObjectNode) p.get("authorization")));
    }
}
