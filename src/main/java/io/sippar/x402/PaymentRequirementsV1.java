package io.sippar.x402;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One {@code accepts[]} entry of a v1 402 body (v1 network name, URL resource, discovery metadata inline). */
@JsonPropertyOrder({"scheme", "network", "maxAmountRequired", "asset", "payTo", "resource", "description",
    "mimeType", "outputSchema", "maxTimeoutSeconds", "extra"})
public record PaymentRequirementsV1(
        String scheme,
        String network,
        String maxAmountRequired,
        String resource,
        String description,
        String mimeType,
        ObjectNode outputSchema,
        String payTo,
        int maxTimeoutSeconds,
        String asset,
        ObjectNode extra) {

    public PaymentRequirementsV1 {
        // the legacy Zod schema demands strings here; absent fields fail the whole challenge
        description = description == null ? "" : description;
        mimeType = mimeType == null ? "" : mimeType;
        outputSchema = outputSchema == null ? null : outputSchema.deepCopy();
        extra = extra == null ? null : extra.deepCopy();
    }
}
