package io.sippar.gateway.admin;

import io.quarkus.smallrye.openapi.OpenApiFilter;
import io.sippar.merchant.AdminMerchantsResource;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

/**
 * Completes the OpenAPI document: the problem+json schema every error answer uses, and the 401 (and
 * on the role-checked admin and merchant APIs the 403) answers of every operation that requires an
 * API key: the authentication mechanism answers them before a resource runs, so they are declared
 * once here rather than on every method.
 */
@OpenApiFilter
public class OpenApiDocumentation implements OASFilter {

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().addSchema("Problem", OASFactory.createSchema()
                .type(java.util.List.of(Schema.SchemaType.OBJECT))
                .description("RFC 9457 problem details with the x402-style reason code")
                .addProperty("type", OASFactory.createSchema().type(java.util.List.of(Schema.SchemaType.STRING)))
                .addProperty("title", OASFactory.createSchema().type(java.util.List.of(Schema.SchemaType.STRING)))
                .addProperty("status", OASFactory.createSchema().type(java.util.List.of(Schema.SchemaType.INTEGER)))
                .addProperty("detail", OASFactory.createSchema().type(java.util.List.of(Schema.SchemaType.STRING)))
                .addProperty("reason", OASFactory.createSchema().type(java.util.List.of(Schema.SchemaType.STRING))
                        .description("snake_case reason code, e.g. invalid_request, unauthorized, forbidden")));
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> path : openAPI.getPaths().getPathItems().entrySet()) {
            // the role-checked APIs; the facilitator API authenticates merchants without roles
            boolean roles = path.getKey().startsWith("/admin") || path.getKey().startsWith("/merchant");
            for (Operation op : path.getValue().getOperations().values()) {
                if (op.getSecurity() != null && !op.getSecurity().isEmpty()) {
                    APIResponses responses = op.getResponses() == null ? OASFactory.createAPIResponses()
                            : op.getResponses();
                    addProblem(responses, "401", "No API key, or an unknown, malformed or revoked one");
                    if (roles) {
                        addProblem(responses, "403", "The API key's role may not use this endpoint");
                    }
                    op.setResponses(responses);
                }
            }
        }
    }

    private static void addProblem(APIResponses responses, String code, String description) {
        if (responses.hasAPIResponse(code)) {
            return;
        }
        responses.addAPIResponse(code, OASFactory.createAPIResponse().description(description)
                .content(OASFactory.createContent().addMediaType(AdminMerchantsResource.PROBLEM, OASFactory.createMediaType()
                        .schema(OASFactory.createSchema().ref(AdminMerchantsResource.PROBLEM_SCHEMA)))));
    }
}
