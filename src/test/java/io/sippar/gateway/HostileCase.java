package io.sippar.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.x402.X402Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of the hostile-input corpus ({@code src/test/resources/hostile/*.json}) and the recipe
 * that turns it into the bytes sent: document → JSON-pointer mutations → text edits → byte edits →
 * base64 → base64 edits. The format is described in {@code hostile/README.md}.
 */
record HostileCase(String file, JsonNode spec) {

    static final List<String> FILES = List.of("encoding.json", "shape.json", "authorization.json", "v1.json",
            "smuggling.json", "facilitator.json");

    /** Every case of every corpus file, in file order. */
    static List<HostileCase> all() {
        List<HostileCase> cases = new ArrayList<>();
        for (String file : FILES) {
            try (InputStream in = HostileCase.class.getResourceAsStream("/hostile/" + file)) {
                Objects.requireNonNull(in, "missing corpus file hostile/" + file);
                // the corpus itself is read leniently: it is ours, and it contains duplicate keys on purpose only as text
                for (JsonNode c : new com.fasterxml.jackson.databind.ObjectMapper().readTree(in)) {
                    cases.add(new HostileCase(file, c));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return cases;
    }

    String name() {
        return spec.get("name").asText();
    }

    /** v2 | v1 | verify | settle | raw */
    String target() {
        return spec.get("target").asText();
    }

    String route() {
        String fallback = "v1".equals(target()) ? "/paid/v1/weather" : "/demo/weather";
        return spec.path("route").asText(fallback);
    }

    /** Which of the route's offers to pay (CAIP-2); absent = the first. */
    String network() {
        return spec.path("network").asText(null);
    }

    JsonNode payment() {
        return spec.path("payment");
    }

    String setup() {
        return spec.path("setup").asText(null);
    }

    int expectedStatus() {
        return spec.at("/expect/status").asInt();
    }

    /** The reason code expected; null when the HTTP layer answers before the gateway (413, 431). */
    String expectedReason() {
        JsonNode r = spec.at("/expect/reason");
        return r.isMissingNode() || r.isNull() ? null : r.asText();
    }

    /** For /verify: whether the payment is expected to be valid (tolerated oddities). */
    boolean expectedValid() {
        return spec.at("/expect/valid").asBoolean(false);
    }

    @Override
    public String toString() {
        return file.replace(".json", "") + ": " + name();
    }

    /** The document after its JSON-pointer mutations. */
    JsonNode mutate(JsonNode document) {
        JsonNode doc = document.deepCopy();
        for (JsonNode op : spec.path("mutate")) {
            doc = apply(doc, op);
        }
        return doc;
    }

    private static JsonNode apply(JsonNode doc, JsonNode op) {
        String path = op.get("path").asText();
        if (path.isEmpty()) {
            return op.get("value").deepCopy();
        }
        int slash = path.lastIndexOf('/');
        JsonNode parent = doc.at(path.substring(0, slash));
        String key = path.substring(slash + 1);
        if (!(parent instanceof ContainerNode<?>)) {
            throw new IllegalArgumentException("no container at " + path);
        }
        String kind = op.get("op").asText();
        switch (kind) {
            case "set" -> {
                if (parent instanceof ObjectNode o) {
                    o.set(key, op.get("value").deepCopy());
                } else {
                    ((ArrayNode) parent).set(Integer.parseInt(key), op.get("value").deepCopy());
                }
            }
            case "remove" -> ((ObjectNode) parent).remove(key);
            case "wrap" -> {
                // the member replaced by an array holding it: an array where an object is expected
                ArrayNode array = X402Json.MAPPER.createArrayNode().add(parent.get(key));
                ((ObjectNode) parent).set(key, array);
            }
            case "nest" -> {
                // the member buried under `depth` levels of {"x": ...}
                JsonNode value = parent.get(key);
                for (int i = 0; i < op.get("depth").asInt(); i++) {
                    value = X402Json.MAPPER.createObjectNode().set("x", value);
                }
                ((ObjectNode) parent).set(key, value);
            }
            default -> throw new IllegalArgumentException("unknown mutate op " + kind);
        }
        return doc;
    }

    /** The JSON text after literal text edits (where duplicate keys, odd numbers and escapes are made). */
    String editText(String json) {
        String text = json;
        for (JsonNode op : spec.path("text")) {
            if (op.has("replace")) {
                String find = op.get("replace").asText();
                if (!text.contains(find)) {
                    throw new IllegalArgumentException(this + ": text to replace not found: " + find);
                }
                text = text.replaceFirst(java.util.regex.Pattern.quote(find),
                        java.util.regex.Matcher.quoteReplacement(op.get("with").asText()));
            } else if (op.has("append")) {
                text = text + op.get("append").asText();
            } else if (op.has("prepend")) {
                text = op.get("prepend").asText() + text;
            } else {
                throw new IllegalArgumentException("unknown text op " + op);
            }
        }
        return text;
    }

    /** The UTF-8 bytes after byte edits (invalid UTF-8 cannot be written as JSON text). */
    byte[] editBytes(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (JsonNode op : spec.path("bytes")) {
            if (op.has("prepend")) {
                bytes = concat(HexFormat.of().parseHex(op.get("prepend").asText()), bytes);
            } else if (op.has("replace")) {
                bytes = replace(bytes, op.get("replace").asText().getBytes(StandardCharsets.UTF_8),
                        HexFormat.of().parseHex(op.get("hex").asText()));
            } else {
                throw new IllegalArgumentException("unknown bytes op " + op);
            }
        }
        return bytes;
    }

    /** A generated document for sizes no corpus file should hold; null when the case has none. */
    String generated() {
        JsonNode g = spec.get("generate");
        if (g == null) {
            return null;
        }
        if (g.get("kind").asText().equals("repeat")) {
            return g.path("prefix").asText("") + g.get("unit").asText().repeat(g.get("count").asInt())
                    + g.path("suffix").asText("");
        }
        int depth = g.get("depth").asInt();
        String open = g.get("kind").asText().equals("nested-arrays") ? "[" : "{\"a\":";
        String close = g.get("kind").asText().equals("nested-arrays") ? "]" : "}";
        String inner = g.path("inner").asText("1");
        return g.path("prefix").asText("") + open.repeat(depth) + inner + close.repeat(depth)
                + g.path("suffix").asText("");
    }

    /** Standard padded base64 of {@code bytes}, then the case's base64 edits. */
    String encode(byte[] bytes) {
        JsonNode literal = spec.get("headerValue");
        if (literal != null) {
            return literal.isTextual() ? literal.asText()
                    : literal.get("repeat").asText().repeat(literal.get("count").asInt());
        }
        byte[] input = bytes;
        String b64 = Base64.getEncoder().encodeToString(input);
        for (JsonNode opNode : spec.path("base64")) {
            String op = opNode.asText();
            if (op.startsWith("truncate:")) {
                b64 = b64.substring(0, b64.length() - Integer.parseInt(op.substring(9)));
            } else if (op.equals("strip-padding")) {
                // pad the JSON with spaces (insignificant) until the encoding needs '=' padding
                while (input.length % 3 == 0) {
                    input = concat(input, new byte[] {' '});
                }
                b64 = Base64.getEncoder().encodeToString(input).replace("=", "");
            } else if (op.equals("url-safe")) {
                // ASCII JSON only yields '+' or '/' from '>', '?' or '~': the case must carry some
                b64 = Base64.getUrlEncoder().encodeToString(input);
                if (b64.equals(Base64.getEncoder().encodeToString(input))) {
                    throw new IllegalArgumentException(this + ": the URL-safe encoding equals the standard one");
                }
            } else if (op.startsWith("insert:")) {
                String[] parts = op.substring(7).split("@", 2);
                int at = Integer.parseInt(parts[1]);
                b64 = b64.substring(0, at) + parts[0] + b64.substring(at);
            } else if (op.startsWith("append:")) {
                b64 = b64 + op.substring(7);
            } else if (op.equals("mid-padding")) {
                int half = (b64.length() / 8) * 4;
                b64 = b64.substring(0, half) + "==" + b64.substring(half + 2);
            } else if (op.equals("lowercase")) {
                b64 = b64.toLowerCase(java.util.Locale.ROOT);
            } else {
                throw new IllegalArgumentException("unknown base64 op " + op);
            }
        }
        return b64;
    }

    /** For raw requests: the request text with {@code ${header}}, {@code ${path}} and {@code ${host}} filled in. */
    byte[] rawRequest(String header, String host) {
        StringBuilder out = new StringBuilder();
        Iterator<JsonNode> lines = spec.get("request").elements();
        while (lines.hasNext()) {
            out.append(lines.next().asText());
        }
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("${header}", header);
        vars.put("${half1}", header.substring(0, header.length() / 2));
        vars.put("${half2}", header.substring(header.length() / 2));
        vars.put("${path}", route());
        vars.put("${host}", host);
        String text = out.toString();
        for (Map.Entry<String, String> v : vars.entrySet()) {
            text = text.replace(v.getKey(), v.getValue());
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // \u0000 in a corpus line stands for a NUL byte on the wire; everything else is ISO-8859-1
        bytes.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
        return bytes.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] replace(byte[] haystack, byte[] needle, byte[] with) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(haystack, 0, i);
                out.writeBytes(with);
                out.write(haystack, i + needle.length, haystack.length - i - needle.length);
                return out.toByteArray();
            }
        }
        throw new IllegalArgumentException("bytes to replace not found: " + new String(needle, StandardCharsets.UTF_8));
    }
}
