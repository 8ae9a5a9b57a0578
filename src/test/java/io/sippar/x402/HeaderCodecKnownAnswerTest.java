package io.sippar.x402;

import static io.sippar.x402.SpecVectors.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class HeaderCodecKnownAnswerTest {

    static Stream<Arguments> specExamples() {
        return Stream.of(
                Arguments.of("PAYMENT-REQUIRED", V2_PAYMENT_REQUIRED, V2_PAYMENT_REQUIRED_JSON, PaymentRequired.class),
                Arguments.of("PAYMENT-SIGNATURE", V2_PAYMENT_SIGNATURE, V2_PAYMENT_SIGNATURE_JSON, PaymentPayload.class),
                Arguments.of("PAYMENT-RESPONSE success", V2_PAYMENT_RESPONSE_SUCCESS, V2_PAYMENT_RESPONSE_SUCCESS_JSON,
                        SettleResponse.class),
                Arguments.of("PAYMENT-RESPONSE failure", V2_PAYMENT_RESPONSE_FAILURE, V2_PAYMENT_RESPONSE_FAILURE_JSON,
                        SettleResponse.class),
                Arguments.of("X-PAYMENT", V1_X_PAYMENT, V1_X_PAYMENT_JSON, PaymentPayloadV1.class),
                Arguments.of("X-PAYMENT-RESPONSE success", V1_X_PAYMENT_RESPONSE_SUCCESS,
                        V1_X_PAYMENT_RESPONSE_SUCCESS_JSON, SettleResponse.class),
                Arguments.of("X-PAYMENT-RESPONSE failure", V1_X_PAYMENT_RESPONSE_FAILURE,
                        V1_X_PAYMENT_RESPONSE_FAILURE_JSON, SettleResponse.class));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specExamples")
    void specExampleDecodesToDocumentedJson(String name, String header, String documented, Class<?> type)
            throws Exception {
        assertEquals(X402Json.MAPPER.readTree(documented), HeaderCodec.decodeJson(header));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specExamples")
    void specExampleReencodesToIdenticalBase64(String name, String header, String documented, Class<?> type) {
        assertEquals(header, HeaderCodec.encode(HeaderCodec.decodeJson(header)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specExamples")
    void specExampleRoundTripsThroughItsRecord(String name, String header, String documented, Class<?> type)
            throws Exception {
        Object typed = X402Json.MAPPER.treeToValue(HeaderCodec.decodeJson(header), type);
        assertEquals(header, HeaderCodec.encode(typed));
    }

    @Test
    void oldFailureExampleWithoutTransactionDecodesAndReencodesAsJson() throws Exception {
        JsonNode decoded = HeaderCodec.decodeJson(V2_PAYMENT_RESPONSE_FAILURE_OLD);
        assertEquals(X402Json.MAPPER.readTree(V2_PAYMENT_RESPONSE_FAILURE_OLD_JSON), decoded);
        assertEquals(V2_PAYMENT_RESPONSE_FAILURE_OLD, HeaderCodec.encode(decoded));
    }

    @Test
    void oldFailureExampleGainsEmptyTransactionWhenReencodedAsSettleResponse() throws Exception {
        SettleResponse typed = X402Json.MAPPER.treeToValue(
                HeaderCodec.decodeJson(V2_PAYMENT_RESPONSE_FAILURE_OLD), SettleResponse.class);
        String reencoded = HeaderCodec.encode(typed);
        assertNotEquals(V2_PAYMENT_RESPONSE_FAILURE_OLD, reencoded);
        assertEquals("{\"success\":false,\"errorReason\":\"insufficient_funds\",\"transaction\":\"\","
                + "\"network\":\"eip155:84532\"}", X402Json.MAPPER.writeValueAsString(typed));
    }

    @Test
    void paymentSignatureExampleDecodesAsV2Payment() {
        Payment payment = HeaderCodec.decodePayment("PAYMENT-SIGNATURE", V2_PAYMENT_SIGNATURE);
        assertEquals(2, payment.x402Version());
        assertEquals("exact", payment.scheme());
        assertEquals("eip155:84532", payment.network());
        assertEquals("https://api.example.com/premium-data", payment.resource().url());
        assertEquals(V2_PAYMENT_SIGNATURE, payment.rawHeader());
        assertEquals(V2_PAYMENT_SIGNATURE, HeaderCodec.encode(payment.toWire()));
    }

    @Test
    void xPaymentExampleDecodesAsV1Payment() {
        Payment payment = HeaderCodec.decodePayment("X-PAYMENT", V1_X_PAYMENT);
        assertEquals(1, payment.x402Version());
        assertEquals("base-sepolia", payment.network());
        assertEquals(Network.BASE_SEPOLIA, payment.parsedNetwork().orElseThrow());
        assertEquals(null, payment.accepted());
        assertEquals(V1_X_PAYMENT, HeaderCodec.encode(payment.toWire()));
    }
}
