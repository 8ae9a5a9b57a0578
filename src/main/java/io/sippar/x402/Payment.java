package io.sippar.x402;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Optional;

/**
 * A decoded client payment, whichever version arrived. {@code accepted} is set for v2 only;
 * {@code network} is as sent (CAIP-2 for v2, a v1 name for v1); {@code rawHeader} is the header
 * value exactly as received.
 */
public record Payment(
        int x402Version,
        String scheme,
        String network,
        JsonNode accepted,
        JsonNode payload,
        ResourceInfo resource,
        JsonNode extensions,
        String rawHeader) {

    /** From a v2 {@code PAYMENT-SIGNATURE} payload; scheme and network come from {@code accepted}. */
    public static Payment from(PaymentPayload p, String rawHeader) {
        Objects.requireNonNull(p, "payload");
        JsonNode accepted = p.accepted();
        return new Payment(p.x402Version(), text(accepted, "scheme"), text(accepted, "network"), accepted,
                p.payload(), p.resource(), p.extensions(), rawHeader);
    }

    /** From a v1 {@code X-PAYMENT} payload. */
    public static Payment from(PaymentPayloadV1 p, String rawHeader) {
        Objects.requireNonNull(p, "payload");
        return new Payment(p.x402Version(), p.scheme(), p.network(), null, p.payload(), null, null, rawHeader);
    }

    /** True when the client spoke v2 (answer with {@code PAYMENT-RESPONSE}). */
    public boolean isV2() {
        return x402Version == 2;
    }

    /** The network as CAIP-2; a v1 name is mapped for v1 payments only (v2 must already be CAIP-2). */
    public Optional<Network> parsedNetwork() {
        if (network == null || (isV2() && network.indexOf(':') < 0)) {
            return Optional.empty();
        }
        return Network.parse(network);
    }

    /**
     * v2 only: {@code accepted} as typed requirements (strict types); empty for v1.
     *
     * @throws X402DecodeException with {@code invalid_payload} when {@code accepted} is malformed
     */
    public Optional<PaymentRequirements> acceptedRequirements() {
        return isV2() ? Optional.of(v2Payload().acceptedRequirements()) : Optional.empty();
    }

    /** The payload object in its own version's wire shape, e.g. for a facilitator request. */
    public Object toWire() {
        return isV2() ? v2Payload() : new PaymentPayloadV1(x402Version, scheme, network, payload);
    }

    private PaymentPayload v2Payload() {
        return new PaymentPayload(x402Version, resource, accepted, payload, extensions);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }
}
