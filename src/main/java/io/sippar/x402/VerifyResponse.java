package io.sippar.x402;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Optional;

/** The facilitator's answer to {@code POST /verify}. */
@JsonPropertyOrder({"isValid", "invalidReason", "invalidMessage", "payer", "extensions"})
public record VerifyResponse(
        // explicit: bean naming would otherwise turn the accessor isValid() into "valid"
        @JsonProperty("isValid") boolean isValid,
        String invalidReason,
        String invalidMessage,
        String payer,
        JsonNode extensions) {

    /** Payment accepted for {@code payer}. */
    public static VerifyResponse valid(String payer) {
        return new VerifyResponse(true, null, null, payer, null);
    }

    /** Payment refused; {@code payer} may be null when it is not known yet. */
    public static VerifyResponse invalid(ReasonCode reason, String message, String payer) {
        Objects.requireNonNull(reason, "reason");
        return new VerifyResponse(false, reason.wire(), message, payer, null);
    }

    /** The reason as a known code, if it is one. */
    public Optional<ReasonCode> reasonCode() {
        return ReasonCode.fromWire(invalidReason);
    }
}
