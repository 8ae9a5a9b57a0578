package io.sippar.x402;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

/** One (version, scheme, network) a facilitator handles, with scheme-specific {@code extra} (e.g. AVM feePayer). */
@JsonPropertyOrder({"x402Version", "scheme", "network", "extra"})
public record SupportedKind(int x402Version, String scheme, String network, JsonNode extra) {
}
