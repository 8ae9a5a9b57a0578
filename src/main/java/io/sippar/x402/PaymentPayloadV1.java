package io.sippar.x402;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

/** A v1 payment as sent in {@code X-PAYMENT}: scheme and v1 network name at the top level. */
@JsonPropertyOrder({"x402Version", "scheme", "network", "payload"})
public record PaymentPayloadV1(int x402Version, String scheme, String network, JsonNode payload) {

    /** A version-1 payload. */
    public static PaymentPayloadV1 of(String scheme, String v1Network, JsonNode payload) {
        return new PaymentPayloadV1(1, scheme, v1Network, payload);
    }
}
