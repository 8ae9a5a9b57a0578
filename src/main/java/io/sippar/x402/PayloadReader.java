package io.sippar.x402;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Shape checks for decoded payment payloads. Done on the tree rather than by data binding so each
 * failure can name the offending field; the version has already been checked by the caller.
 */
final class PayloadReader {

    private PayloadReader() {
    }

    static PaymentPayload v2(JsonNode root) {
        JsonNode accepted = root.get("accepted");
        if (accepted == null || !accepted.isObject()) {
            throw HeaderCodec.invalidPayload("accepted must be a JSON object");
        }
        requireText(accepted, "scheme", "accepted.scheme");
        requireText(accepted, "network", "accepted.network");
        JsonNode payload = requireObject(root, "payload");
        return new PaymentPayload(2, resource(root.get("resource")), accepted, payload,
                optionalObject(root, "extensions"));
    }

    static PaymentPayloadV1 v1(JsonNode root) {
        String scheme = requireText(root, "scheme", "scheme");
        String network = requireText(root, "network", "network");
        return new PaymentPayloadV1(1, scheme, network, requireObject(root, "payload"));
    }

    private static ResourceInfo resource(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw HeaderCodec.invalidPayload("resource must be a JSON object");
        }
        requireText(node, "url", "resource.url");
        try {
            return X402Json.MAPPER.treeToValue(node, ResourceInfo.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new X402DecodeException(ReasonCode.INVALID_PAYLOAD,
                    "resource.description and resource.mimeType must be strings", e);
        }
    }

    private static String requireText(JsonNode parent, String field, String path) {
        JsonNode value = parent.get(field);
        if (value == null || !value.isTextual()) {
            throw HeaderCodec.invalidPayload(path + " must be a string");
        }
        return value.textValue();
    }

    private static JsonNode requireObject(JsonNode parent, String field) {
        JsonNode value = parent.get(field);
        if (value == null || !value.isObject()) {
            throw HeaderCodec.invalidPayload(field + " must be a JSON object");
        }
        return value;
    }

    private static JsonNode optionalObject(JsonNode parent, String field) {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw HeaderCodec.invalidPayload(field + " must be a JSON object when present");
        }
        return value;
    }
}
