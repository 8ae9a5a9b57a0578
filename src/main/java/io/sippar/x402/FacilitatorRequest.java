package io.sippar.x402;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

/** The body of {@code POST /verify} and {@code POST /settle}, both versions (payload kept raw for dispatch). */
@JsonPropertyOrder({"x402Version", "paymentPayload", "paymentRequirements"})
public record FacilitatorRequest(Integer x402Version, JsonNode paymentPayload, JsonNode paymentRequirements) {

    /** The request a resource server sends for {@code payment} against our own matched requirement. */
    public static FacilitatorRequest of(Payment payment, Object requirements) {
        return new FacilitatorRequest(payment.x402Version(), X402Json.MAPPER.valueToTree(payment.toWire()),
                X402Json.MAPPER.valueToTree(requirements));
    }
}
