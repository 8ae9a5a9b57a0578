package io.sippar.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.X402Json;

/** RFC 9457 problem+json bodies with the x402 reason code; never a stack trace or class name. */
public final class Problem {

    /** Media type of every error body that is not an x402 challenge. */
    public static final String MEDIA_TYPE = "application/problem+json";

    private Problem() {
    }

    /** The JSON text of a problem. */
    public static String json(int status, String title, ReasonCode reason, String detail) {
        ObjectNode node = X402Json.MAPPER.createObjectNode();
        node.put("type", "https://sippar.io/problems/" + reason.wire());
        node.put("title", title);
        node.put("status", status);
        if (detail != null) {
            node.put("detail", detail);
        }
        node.put("reason", reason.wire());
        return node.toString();
    }
}
