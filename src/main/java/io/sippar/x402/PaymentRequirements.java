package io.sippar.x402;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One way to pay, in v2 shape: also Sippar's canonical form, from which v1 entries are derived.
 * {@code extra} is never null (the TS server always sends it, possibly {@code {}}); treat it as read-only.
 */
@JsonPropertyOrder({"scheme", "network", "amount", "asset", "payTo", "maxTimeoutSeconds", "extra"})
public record PaymentRequirements(
        String scheme,
        String network,
        String amount,
        String asset,
        String payTo,
        int maxTimeoutSeconds,
        ObjectNode extra) {

    public PaymentRequirements {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(asset, "asset");
        Objects.requireNonNull(payTo, "payTo");
        // copied so a caller mutating its node cannot change an offer already published
        extra = extra == null ? JsonNodeFactory.instance.objectNode() : extra.deepCopy();
    }

    /** This requirement as the JSON tree clients see (and echo back as {@code accepted}). */
    public ObjectNode toJson() {
        return X402Json.MAPPER.valueToTree(this);
    }

    /**
     * Whether a client's {@code accepted} object is exactly this offer, compared like the TS
     * reference's deepEqual: member order ignored, numbers by value, no extra or missing members.
     */
    public boolean matchesAccepted(JsonNode accepted) {
        return accepted != null && accepted.isObject() && JsonEquality.equal(toJson(), accepted);
    }

    /**
     * The v1 entry for a legacy 402 body. v1 requires string description/mimeType ("" when unknown)
     * and an object-or-absent outputSchema: a JSON null breaks the legacy client's parser.
     */
    public PaymentRequirementsV1 toV1(String v1Network, ResourceInfo resource, ObjectNode outputSchema) {
        Objects.requireNonNull(v1Network, "v1Network");
        Objects.requireNonNull(resource, "resource");
        return new PaymentRequirementsV1(scheme, v1Network, amount, resource.url(), resource.description(),
                resource.mimeType(), outputSchema, payTo, maxTimeoutSeconds, asset, extra);
    }
}
