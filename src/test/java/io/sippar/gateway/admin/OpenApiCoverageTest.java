package io.sippar.gateway.admin;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.sippar.x402.X402Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document covers the whole API surface: every operation under /admin, /merchant and
 * the facilitator API has a summary, its responses with at least one success code, its path
 * parameters, its request body's content, and, unless public, the API-key security
 * requirement with its 401 (and, for role-checked APIs, 403) answer.
 */
@QuarkusTest
class OpenApiCoverageTest {

    /** Endpoints anyone may call. */
    static final Set<String> PUBLIC = Set.of("GET /supported");
    static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch");
    private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}]+)}");

    /** The API operations of the document: "METHOD /path" with their operation object. */
    static Map<String, JsonNode> apiOperations(JsonNode document) {
        Map<String, JsonNode> out = new java.util.TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = document.get("paths").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> path = it.next();
            String p = path.getKey();
            if (!isApi(p)) {
                continue;
            }
            for (String method : METHODS) {
                if (path.getValue().has(method)) {
                    out.put(method.toUpperCase(java.util.Locale.ROOT) + " " + p, path.getValue().get(method));
                }
            }
        }
        return out;
    }

    static boolean isApi(String path) {
        return path.startsWith("/admin") || path.startsWith("/merchant") || path.equals("/verify")
                || path.equals("/settle") || path.equals("/supported");
    }

    static JsonNode document() {
        String json = given().get("/q/openapi?format=json").then().statusCode(200).extract().asString();
        try {
            return X402Json.MAPPER.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError("the OpenAPI document is not JSON", e);
        }
    }

    @Test
    void everyApiOperationHasASummarySecurityResponsesAndParameters() {
        JsonNode doc = document();
        Map<String, JsonNode> ops = apiOperations(doc);
        // the document must actually hold the surface, or the checks below pass vacuously
        for (String expected : List.of("GET /admin/merchants", "POST /admin/merchants", "PATCH /admin/merchants/{merchantId}",
                "GET /admin/fee-schedules", "POST /admin/fee-schedules", "DELETE /admin/fee-schedules/{version}",
                "GET /admin/merchants/{merchantId}/routes", "PUT /admin/merchants/{merchantId}/routes/{name}",
                "GET /merchant/me", "GET /merchant/routes", "POST /merchant/routes", "DELETE /merchant/routes/{name}",
                "POST /verify", "POST /settle", "GET /supported")) {
            assertTrue(ops.containsKey(expected), expected + " is not in the OpenAPI document: " + ops.keySet());
        }
        List<String> problems = new ArrayList<>();
        ops.forEach((key, op) -> problems.addAll(problems(key, op)));
        assertEquals(List.of(), problems, "OpenAPI gaps");
        assertEquals("bearer", doc.at("/components/securitySchemes/apiKey/scheme").asText());
        assertEquals("object", doc.at("/components/schemas/Problem/type").asText());
    }

    private static List<String> problems(String key, JsonNode op) {
        List<String> out = new ArrayList<>();
        String path = key.substring(key.indexOf(' ') + 1);
        String method = key.substring(0, key.indexOf(' '));
        if (op.path("summary").asText().isBlank()) {
            out.add(key + ": no summary");
        }
        JsonNode responses = op.path("responses");
        List<String> codes = new ArrayList<>();
        responses.fieldNames().forEachRemaining(codes::add);
        if (codes.stream().noneMatch(c -> c.startsWith("2"))) {
            out.add(key + ": no success response documented (" + codes + ")");
        }
        boolean secured = op.path("security").isArray() && op.path("security").size() > 0;
        if (PUBLIC.contains(key)) {
            if (secured) {
                out.add(key + ": public, yet declares a security requirement");
            }
        } else {
            if (!secured || !op.at("/security/0").has("apiKey")) {
                out.add(key + ": no apiKey security requirement");
            }
            if (!codes.contains("401")) {
                out.add(key + ": 401 not documented");
            }
            if ((path.startsWith("/admin") || path.startsWith("/merchant")) && !codes.contains("403")) {
                out.add(key + ": 403 not documented");
            }
        }
        Matcher m = PATH_PARAM.matcher(path);
        while (m.find()) {
            String name = m.group(1);
            boolean documented = false;
            for (JsonNode p : op.path("parameters")) {
                documented |= name.equals(p.path("name").asText()) && "path".equals(p.path("in").asText());
            }
            if (!documented) {
                out.add(key + ": path parameter " + name + " not documented");
            }
        }
        // a replacement or a patch always has a body; any body must say what it holds
        if (Set.of("PUT", "PATCH").contains(method) && op.path("requestBody").isMissingNode()) {
            out.add(key + ": request body not documented");
        }
        if (!op.path("requestBody").isMissingNode() && op.path("requestBody").path("content").isEmpty()) {
            out.add(key + ": request body without content");
        }
        return out;
    }
}
