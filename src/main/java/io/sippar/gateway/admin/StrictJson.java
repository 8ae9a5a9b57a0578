package io.sippar.gateway.admin;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sippar.merchant.ApiError;

/**
 * Request bodies of the configuration endpoints, read strictly: an unknown field (a typo), a
 * duplicate key, a number for a boolean or trailing data is a 400 naming the JSON path, never a
 * silently ignored setting on a route that charges money.
 */
final class StrictJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private StrictJson() {
    }

    /** The body as {@code type}. */
    static <T> T read(String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            throw ApiError.badRequest("a JSON body is required");
        }
        try {
            return MAPPER.readValue(body, type);
        } catch (JsonMappingException e) {
            throw ApiError.badRequest(path(e) + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** The body as a JSON object, for partial updates where absent and null differ. */
    static JsonNode object(String body) {
        JsonNode node = read(body, JsonNode.class);
        if (!node.isObject()) {
            throw ApiError.badRequest("$: expected a JSON object");
        }
        return node;
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder("$");
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                sb.append('.').append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }
}
