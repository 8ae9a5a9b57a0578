package io.sippar.x402;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** The v1 challenge: the JSON body of a 402 (legacy clients read no header). */
@JsonPropertyOrder({"x402Version", "error", "accepts"})
public record PaymentRequiredV1(int x402Version, String error, List<PaymentRequirementsV1> accepts) {

    public PaymentRequiredV1 {
        accepts = accepts == null ? List.of() : List.copyOf(accepts);
    }

    /** A version-1 body. */
    public static PaymentRequiredV1 v1(String error, List<PaymentRequirementsV1> accepts) {
        return new PaymentRequiredV1(1, error, accepts);
    }
}
