package io.sippar.x402;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The v2 challenge carried base64-encoded in the {@code PAYMENT-REQUIRED} response header. */
@JsonPropertyOrder({"x402Version", "error", "resource", "accepts", "extensions"})
public record PaymentRequired(
        int x402Version,
        String error,
        ResourceInfo resource,
        List<PaymentRequirements> accepts,
        ObjectNode extensions) {

    public PaymentRequired {
        accepts = accepts == null ? List.of() : List.copyOf(accepts);
        extensions = extensions == null ? null : extensions.deepCopy();
    }

    /** A version-2 challenge without extensions. */
    public static PaymentRequired v2(String error, ResourceInfo resource, List<PaymentRequirements> accepts) {
        return new PaymentRequired(2, error, resource, accepts, null);
    }
}
