package io.sippar.x402;

import static io.sippar.x402.SpecVectors.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** Vector A of x402-protocol.md section 6.2, built from its facts and compared with the spec's headers. */
class EvmVectorATest {

    private static ObjectNode exactEvmPayload() {
        ObjectNode payload = JsonNodeFactory.instance.objectNode();
        payload.put("signature", A_SIGNATURE);
        ObjectNode auth = payload.putObject("authorization");
        auth.put("from", A_FROM);
        auth.put("to", A_TO);
        auth.put("value", A_VALUE);
        auth.put("validAfter", A_VALID_AFTER);
        auth.put("validBefore", A_VALID_BEFORE);
        auth.put("nonce", A_NONCE);
        return payload;
    }

    private static PaymentRequirements baseSepoliaUsdc() {
        ObjectNode extra = JsonNodeFactory.instance.objectNode().put("name", "USDC").put("version", "2");
        return new PaymentRequirements("exact", "eip155:84532", A_VALUE, A_ASSET, A_TO, 60, extra);
    }

    @Test
    void encodesAsTheSpecPaymentSignatureHeader() {
        ResourceInfo resource = new ResourceInfo("https://api.example.com/premium-data",
                "Access to premium market data", "application/json");
        PaymentPayload v2 = PaymentPayload.of(resource, baseSepoliaUsdc(), exactEvmPayload());
        assertEquals(V2_PAYMENT_SIGNATURE, HeaderCodec.encode(v2));
    }

    @Test
    void encodesAsTheSpecXPaymentHeader() {
        PaymentPayloadV1 v1 = PaymentPayloadV1.of("exact", "base-sepolia", exactEvmPayload());
        assertEquals(V1_X_PAYMENT, HeaderCodec.encode(v1));
    }

    @Test
    void decodesFromPaymentSignatureWithAuthorizationIntact() {
        Payment payment = HeaderCodec.decodePayment("PAYMENT-SIGNATURE", V2_PAYMENT_SIGNATURE);
        assertEquals(exactEvmPayload(), payment.payload());
        assertEquals(baseSepoliaUsdc(), payment.acceptedRequirements().orElseThrow());
        assertEquals(true, baseSepoliaUsdc().matchesAccepted(payment.accepted()));
        assertEquals(V2_PAYMENT_SIGNATURE, HeaderCodec.encode(payment.toWire()));
    }

    @Test
    void decodesFromXPaymentWithAuthorizationIntact() {
        Payment payment = HeaderCodec.decodePayment("X-PAYMENT", V1_X_PAYMENT);
        JsonNode auth = payment.payload().get("authorization");
        assertEquals(A_SIGNATURE, payment.payload().get("signature").textValue());
        assertEquals(A_NONCE, auth.get("nonce").textValue());
        assertEquals(A_VALID_BEFORE, auth.get("validBefore").textValue());
        assertEquals(exactEvmPayload(), payment.payload());
        assertEquals(V1_X_PAYMENT, HeaderCodec.encode(payment.toWire()));
    }
}
