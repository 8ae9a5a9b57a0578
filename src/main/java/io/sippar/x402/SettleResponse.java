package io.sippar.x402;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Optional;

/**
 * The facilitator's answer to {@code POST /settle}, also the body of {@code PAYMENT-RESPONSE} /
 * {@code X-PAYMENT-RESPONSE}. {@code transaction} and {@code network} are always present ("" when
 * unknown) because the TS client rejects a settle response without them, even on failure.
 */
@JsonPropertyOrder({"success", "errorReason", "errorMessage", "transaction", "network", "payer", "amount",
    "extensions"})
public record SettleResponse(
        boolean success,
        String errorReason,
        String errorMessage,
        String payer,
        @JsonInclude(JsonInclude.Include.ALWAYS) String transaction,
        @JsonInclude(JsonInclude.Include.ALWAYS) String network,
        String amount,
        JsonNode extensions) {

    public SettleResponse {
        transaction = transaction == null ? "" : transaction;
        network = network == null ? "" : network;
    }

    /** Settled on {@code network} by {@code transaction} (tx hash / txid). */
    public static SettleResponse success(String payer, String network, String transaction) {
        return new SettleResponse(true, null, null, payer, transaction, network, null, null);
    }

    /** Not settled; {@code transaction} may be null (sent as "") or a tx that was sent but failed. */
    public static SettleResponse failure(ReasonCode reason, String message, String payer, String network,
            String transaction) {
        Objects.requireNonNull(reason, "reason");
        return new SettleResponse(false, reason.wire(), message, payer, transaction, network, null, null);
    }

    /** The reason as a known code, if it is one. */
    public Optional<ReasonCode> reasonCode() {
        return ReasonCode.fromWire(errorReason);
    }
}
