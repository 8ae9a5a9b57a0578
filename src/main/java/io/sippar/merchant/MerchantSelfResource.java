package io.sippar.merchant;

import io.quarkus.security.identity.SecurityIdentity;
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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Merchant API: a merchant's own profile and keys. The merchant is always the key's, never a parameter. */
@Path("/merchant")
@RolesAllowed(Caller.MERCHANT)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "merchant")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class MerchantSelfResource {

    private final SecurityIdentity identity;
    private final MerchantRepository merchants;
    private final ApiKeyRepository keyRows;
    private final ApiKeys keys;

    public MerchantSelfResource(SecurityIdentity identity, MerchantRepository merchants, ApiKeyRepository keyRows,
            ApiKeys keys) {
        this.identity = identity;
        this.merchants = merchants;
        this.keyRows = keyRows;
        this.keys = keys;
    }

    private UUID me() {
        return ApiKeyAuthentication.caller(identity).scope(Optional.empty());
    }

    @GET
    @Path("me")
    @Operation(summary = "The calling merchant")
    @APIResponse(responseCode = "200", description = "The merchant")
    public Uni<ApiViews.MerchantView> profile() {
        UUID id = me();
        return merchants.find(id).map(m -> ApiViews.MerchantView.of(m.orElseThrow(
                () -> ApiError.notFound("merchant " + id + " no longer exists"))));
    }

    @GET
    @Path("api-keys")
    @Operation(summary = "The calling merchant's API keys (prefixes only)")
    @APIResponse(responseCode = "200", description = "The keys")
    public Uni<List<ApiViews.KeyView>> listKeys() {
        return keyRows.list(Optional.of(me())).map(rows -> rows.stream().map(ApiViews.KeyView::of).toList());
    }

    @POST
    @Path("api-keys")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Issue another key for the calling merchant (e.g. to rotate); the secret is in this answer only")
    @APIResponse(responseCode = "201", description = "Issued; the secret is shown this once")
    @APIResponse(responseCode = "400", description = "Invalid label",
            content = @Content(mediaType = AdminMerchantsResource.PROBLEM, schema = @Schema(ref = AdminMerchantsResource.PROBLEM_SCHEMA)))
    public Uni<Response> issueKey(ApiViews.NewKey body) {
        String label = AdminMerchantsResource.label(body);
        return keys.issue(Optional.of(me()), label)
                .map(k -> Response.status(201).entity(ApiViews.IssuedKeyView.of(k)).build());
    }

    @DELETE
    @Path("api-keys/{keyId}")
    @Operation(summary = "Revoke one of the calling merchant's keys")
    @APIResponse(responseCode = "204", description = "Revoked")
    @APIResponse(responseCode = "404", description = "No such live key of this merchant",
            content = @Content(mediaType = AdminMerchantsResource.PROBLEM, schema = @Schema(ref = AdminMerchantsResource.PROBLEM_SCHEMA)))
    public Uni<Response> revokeKey(@PathParam("keyId") UUID keyId) {
        UUID id = me();
        return keys.revoke(keyId, Optional.of(id)).map(revoked -> {
            if (!revoked) {
                throw ApiError.notFound("no live key " + keyId + " of this merchant");
            }
            return Response.noContent().build();
        });
    }
}
