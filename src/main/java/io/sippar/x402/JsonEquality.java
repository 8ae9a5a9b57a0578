package io.sippar.x402;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Structural JSON equality as the TS reference's {@code deepEqual} sees it: member order is ignored,
 * numbers compare by value (JavaScript has a single number type, so 60, 60L and 60.0 are equal),
 * everything else compares exactly and an extra member on either side is a difference.
 */
final class JsonEquality {

    private JsonEquality() {
    }

    static boolean equal(JsonNode a, JsonNode b) {
        if (a == null || b == null || a.isMissingNode() || b.isMissingNode()) {
            return isAbsent(a) && isAbsent(b);
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.getNodeType() != b.getNodeType()) {
            return false;
        }
        return switch (a.getNodeType()) {
            case OBJECT -> objectsEqual(a, b);
            case ARRAY -> arraysEqual(a, b);
            case STRING -> a.textValue().equals(b.textValue());
            case BOOLEAN -> a.booleanValue() == b.booleanValue();
            case NULL -> true;
            default -> a.equals(b);
        };
    }

    private static boolean isAbsent(JsonNode n) {
        return n == null || n.isMissingNode();
    }

    private static boolean objectsEqual(JsonNode a, JsonNode b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (Map.Entry<String, JsonNode> member : a.properties()) {
            JsonNode other = b.get(member.getKey());
            if (other == null || !equal(member.getValue(), other)) {
                return false;
            }
        }
        return true;
    }

    private static boolean arraysEqual(JsonNode a, JsonNode b) {
        if (a.size() != b.size()) {
            return false;
        }
        Iterator<JsonNode> left = a.elements();
        Iterator<JsonNode> right = b.elements();
        while (left.hasNext()) {
            if (!equal(left.next(), right.next())) {
                return false;
            }
        }
        return true;
    }
}
