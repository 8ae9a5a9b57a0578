package io.sippar.gateway.admin;

/** Descriptions shared by the OpenAPI annotations of the configuration endpoints. */
final class ApiDocs {

    /** Media type of every error answer. */
    static final String PROBLEM = "application/problem+json";
    /** The problem+json schema component (added by {@link OpenApiDocumentation}). */
    static final String PROBLEM_SCHEMA = "#/components/schemas/Problem";

    private ApiDocs() {
    }
}
