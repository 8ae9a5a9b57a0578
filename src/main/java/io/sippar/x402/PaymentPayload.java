package io.sippar.x402;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A v2 payment as sent in {@code PAYMENT-SIGNATURE}. {@code accepted} stays raw JSON so it can be
 * compared structurally with our own offer, exactly as the client echoed it.
 */
@JsonPropertyOrder({"x402Version", "resource", "accepted", "payload", "extensions"})
public record PaymentPayload(
        int x402Version,
        ResourceInfo resource,
        JsonNode accepted,
        JsonNode payload,
        JsonNode extensions) {

    /** A version-2 payload accepting {@code requirements}. */
    public static PaymentPayload of(ResourceInfo resource, PaymentRequirements requirements, JsonNode payload) {
        Objects.requireNonNull(requirements, "requirements");
        return new PaymentPayload(2, resource, requirements.toJson(), payload, null);
    }

    /** {@code accepted} read as typed requirements; strict types, unknown members ignored. */
    public PaymentRequirements acceptedRequirements() {
        if (accepted == null || !accepted.isObject()) {
            throw new X402DecodeException(ReasonCode.INVALID_PAYLOAD, "accepted must be a JSON object");
        }
        try {
            return X402Json.MAPPER.treeToValue(accepted, PaymentRequirements.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new X402DecodeException(ReasonCode.INVALID_PAYLOAD,
                    "accepted is not a valid payment requirement", e);
        }
    }
}
