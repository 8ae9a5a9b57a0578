package io.sippar.merchant;

import io.sippar.ledger.ApiKeyRepository;
import io.sippar.ledger.MerchantRepository;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Operator API: merchants and their API keys. */
@Path("/admin/merchants")
@RolesAllowed(Caller.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
@SecurityScheme(securitySchemeName = AdminMerchantsResource.API_KEY, type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "An API key (sk_...) in Authorization: Bearer; operator keys reach /admin, merchant keys /merchant")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class AdminMerchantsResource {

    /** The OpenAPI security scheme every admin and merchant endpoint declares. */
    public static final String API_KEY = "apiKey";
    /** Media type of every error answer of the APIs. */
    public static final String PROBLEM = "application/problem+json";
    /** The OpenAPI schema component of problem+json answers. */
    public static final String PROBLEM_SCHEMA = "#/components/schemas/Problem";

    private static final Pattern SLUG = Pattern.compile("^[a-z0-9][a-z0-9-]{1,62}$");
    private static final Pattern PLAN = Pattern.compile("^[a-z0-9][a-z0-9-]{0,39}$");

    private final MerchantRepository merchants;
    private final ApiKeyRepository keyRows;
    private final ApiKeys keys;

    public AdminMerchantsResource(MerchantRepository merchants, ApiKeyRepository keyRows, ApiKeys keys) {
        this.merchants = merchants;
        this.keyRows = keyRows;
        this.keys = keys;
    }

    @GET
    @Operation(summary = "List every merchant")
    @APIResponse(responseCode = "200", description = "The merchants")
    public Uni<List<ApiViews.MerchantView>> list() {
        return merchants.list().map(rows -> rows.stream().map(ApiViews.MerchantView::of).toList());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a merchant (409 when the slug is taken)")
    @APIResponse(responseCode = "201", description = "Created")
    @APIResponse(responseCode = "400", description = "Invalid slug, name or plan",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "409", description = "The slug is taken",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<Response> create(ApiViews.NewMerchant body) {
        if (body == null || body.slug() == null || !SLUG.matcher(body.slug()).matches()) {
            throw ApiError.badRequest("slug must match " + SLUG.pattern());
        }
        if (body.name() == null || body.name().isBlank() || body.name().length() > 200) {
            throw ApiError.badRequest("name must be 1 to 200 characters");
        }
        String plan = body.plan() == null ? "developer" : body.plan();
        if (!PLAN.matcher(plan).matches()) {
            throw ApiError.badRequest("plan must match " + PLAN.pattern());
        }
        return merchants.create(body.slug(), body.name().trim(), plan).map(created -> created
                .map(m -> Response.status(201).entity(ApiViews.MerchantView.of(m)).build())
                .orElseThrow(() -> ApiError.conflict("a merchant with slug " + body.slug() + " exists")))
                // the merchant's first subscription (a database trigger) needs a plan of the catalog
                .onFailure(e -> e instanceof io.vertx.pgclient.PgException pg && "23503".equals(pg.getSqlState()))
                .transform(e -> ApiError.badRequest("unknown plan " + plan + "; GET /admin/plans lists the plans"));
    }

    @GET
    @Path("{merchantId}")
    @Operation(summary = "One merchant")
    @APIResponse(responseCode = "200", description = "The merchant")
    @APIResponse(responseCode = "404", description = "No such merchant",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<ApiViews.MerchantView> get(@PathParam("merchantId") UUID merchantId) {
        return existing(merchantId).map(ApiViews.MerchantView::of);
    }

    @GET
    @Path("{merchantId}/api-keys")
    @Operation(summary = "A merchant's API keys (prefixes only; secrets are never stored)")
    @APIResponse(responseCode = "200", description = "The keys")
    @APIResponse(responseCode = "404", description = "No such merchant",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<List<ApiViews.KeyView>> listKeys(@PathParam("merchantId") UUID merchantId) {
        return existing(merchantId).chain(m -> keyRows.list(Optional.of(merchantId)))
                .map(rows -> rows.stream().map(ApiViews.KeyView::of).toList());
    }

    @POST
    @Path("{merchantId}/api-keys")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Issue a merchant API key; the secret is in this answer only")
    @APIResponse(responseCode = "201", description = "Issued; the secret is shown this once")
    @APIResponse(responseCode = "400", description = "Invalid label",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "404", description = "No such merchant",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<Response> issueKey(@PathParam("merchantId") UUID merchantId, ApiViews.NewKey body) {
        String label = label(body);
        return existing(merchantId).chain(m -> keys.issue(Optional.of(merchantId), label))
                .map(k -> Response.status(201).entity(ApiViews.IssuedKeyView.of(k)).build());
    }

    @DELETE
    @Path("{merchantId}/api-keys/{keyId}")
    @Operation(summary = "Revoke a merchant API key")
    @APIResponse(responseCode = "204", description = "Revoked")
    @APIResponse(responseCode = "404", description = "No such live key of this merchant",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<Response> revokeKey(@PathParam("merchantId") UUID merchantId, @PathParam("keyId") UUID keyId) {
        return keys.revoke(keyId, Optional.of(merchantId)).map(revoked -> {
            if (!revoked) {
                throw ApiError.notFound("no live key " + keyId + " for merchant " + merchantId);
            }
            return Response.noContent().build();
        });
    }

    private Uni<MerchantRepository.MerchantRow> existing(UUID merchantId) {
        return merchants.find(merchantId)
                .map(m -> m.orElseThrow(() -> ApiError.notFound("no merchant " + merchantId)));
    }

    static String label(ApiViews.NewKey body) {
        String label = body == null || body.label() == null ? "" : body.label().trim();
        if (label.length() > 100) {
            throw ApiError.badRequest("label must be at most 100 characters");
        }
        return label.isEmpty() ? null : label;
    }
}
