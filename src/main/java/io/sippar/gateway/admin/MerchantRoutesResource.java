package io.sippar.gateway.admin;

import static io.sippar.merchant.AdminMerchantsResource.PROBLEM;
import static io.sippar.merchant.AdminMerchantsResource.PROBLEM_SCHEMA;

import io.quarkus.security.identity.SecurityIdentity;
import io.sippar.merchant.AdminMerchantsResource;
import io.sippar.merchant.ApiKeyAuthentication;
import io.sippar.merchant.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Merchant API: the calling merchant's priced routes, served by every pod within moments of a change. */
@Path("/merchant/routes")
@RolesAllowed(Caller.MERCHANT)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "merchant")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class MerchantRoutesResource {

    private final SecurityIdentity identity;
    private final RouteService routes;

    public MerchantRoutesResource(SecurityIdentity identity, RouteService routes) {
        this.identity = identity;
        this.routes = routes;
    }

    private UUID me() {
        return ApiKeyAuthentication.caller(identity).scope(Optional.empty());
    }

    @GET
    @Operation(summary = "The calling merchant's routes (configured ones are read-only)")
    @APIResponse(responseCode = "200", description = "The routes")
    public Uni<List<RouteViews.RouteView>> list() {
        return routes.list(me());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a route; it is served (402) on every pod within the reload bound")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = RouteViews.RouteBody.class)))
    @APIResponse(responseCode = "201", description = "Created and served on this pod",
            content = @Content(schema = @Schema(implementation = RouteViews.RouteView.class)))
    @APIResponse(responseCode = "400", description = "Invalid route, with the precise problem",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "409", description = "Name taken, or another route claims the same requests",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<Response> create(String body) {
        return routes.create(me(), body).map(v -> Response.created(URI.create("/merchant/routes/" + v.name()))
                .entity(v).build());
    }

    @GET
    @Path("{name}")
    @Operation(summary = "One of the calling merchant's routes")
    @APIResponse(responseCode = "200", description = "The route")
    @APIResponse(responseCode = "404", description = "The merchant has no such route",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<RouteViews.RouteView> get(@PathParam("name") String name) {
        return routes.get(me(), name);
    }

    @PUT
    @Path("{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replace a route (price, upstream, accepts...); the next 402 on every pod shows it")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = RouteViews.RouteBody.class)))
    @APIResponse(responseCode = "200", description = "Replaced and served on this pod")
    @APIResponse(responseCode = "400", description = "Invalid route, with the precise problem",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "404", description = "The merchant has no such route",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "409", description = "A configured route, or another route claims the same requests",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<RouteViews.RouteView> replace(@PathParam("name") String name, String body) {
        return routes.replace(me(), name, body);
    }

    @DELETE
    @Path("{name}")
    @Operation(summary = "Delete a route; it answers 404 on every pod within the reload bound")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "The merchant has no such route",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "409", description = "A configured route: change the configuration",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<Response> delete(@PathParam("name") String name) {
        return routes.delete(me(), name).replaceWith(Response.noContent().build());
    }
}
