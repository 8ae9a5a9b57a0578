package io.sippar.x402;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The body of {@code GET /supported}; {@code signers} is keyed by CAIP family pattern ({@code eip155:*}). */
@JsonPropertyOrder({"kinds", "extensions", "signers"})
public record SupportedResponse(List<SupportedKind> kinds, List<String> extensions, Map<String, List<String>> signers) {

    public SupportedResponse {
        // the TS client defaults these anyway; always sending them keeps older clients happy too
        kinds = kinds == null ? List.of() : List.copyOf(kinds);
        extensions = extensions == null ? List.of() : List.copyOf(extensions);
        // insertion order kept (not Map.copyOf) so the JSON is the same on every run
        Map<String, List<String>> copy = new LinkedHashMap<>();
        if (signers != null) {
            signers.forEach((family, addresses) -> copy.put(family, List.copyOf(addresses)));
        }
        signers = Collections.unmodifiableMap(copy);
    }
}
