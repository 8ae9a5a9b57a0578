package io.sippar.algorand;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The exact-AVM payload {@code {paymentGroup: [base64 msgpack, ...], paymentIndex: n}} as the
 * reference's {@code isExactAvmPayload} accepts it, plus: the index must be an integer.
 */
record ExactAvmPayload(List<String> paymentGroup, int paymentIndex) {

    ExactAvmPayload {
        paymentGroup = List.copyOf(paymentGroup);
    }

    /** The payload, or empty when its shape is wrong (the caller answers {@code invalid_exact_avm_payload}). */
    static Optional<ExactAvmPayload> parse(JsonNode payload) {
        if (payload == null || !payload.isObject()) {
            return Optional.empty();
        }
        JsonNode group = payload.get("paymentGroup");
        JsonNode index = payload.get("paymentIndex");
        if (group == null || !group.isArray() || index == null || !index.isNumber()) {
            return Optional.empty();
        }
        List<String> elements = new ArrayList<>(group.size());
        for (JsonNode e : group) {
            if (!e.isTextual()) {
                return Optional.empty();
            }
            elements.add(e.textValue());
        }
        // a fractional or huge index cannot name an element; the reference fails on it later with an exception
        if (!index.isIntegralNumber() || !index.canConvertToInt()) {
            return Optional.empty();
        }
        return Optional.of(new ExactAvmPayload(elements, index.intValue()));
    }
}
