package io.sippar.gateway.admin;

import static io.sippar.merchant.AdminMerchantsResource.PROBLEM;
import static io.sippar.merchant.AdminMerchantsResource.PROBLEM_SCHEMA;

import io.sippar.merchant.AdminMerchantsResource;
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
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Operator API: any merchant's priced routes, with the same checks as the merchant API. */
@Path("/admin/merchants/{merchantId}/routes")
@RolesAllowed(Caller.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class AdminRoutesResource {

    private final RouteService routes;

    public AdminRoutesResource(RouteService routes) {
        this.routes = routes;
    }

    @GET
    @Operation(summary = "A merchant's routes (configured ones are read-only)")
    @APIResponse(responseCode = "200", description = "The routes")
    @APIResponse(responseCode = "404", description = "No such merchant",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<List<RouteViews.RouteView>> list(@PathParam("merchantId") UUID merchantId) {
        return routes.list(merchantId);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a route; it is served (402) on every pod within the reload bound")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = RouteViews.RouteBody.class)))
    @APIResponse(responseCode = "201", description = "Created and served on this pod",
            content = @Content(schema = @Schema(implementation = RouteViews.RouteView.class)))
    @APIResponse(responseCode = "400", description = "Invalid route, with the precise problem",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "404", description = "No such merchant",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "409", description = "Name taken, or another route claims the same requests",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<Response> create(@PathParam("merchantId") UUID merchantId, String body) {
        return routes.create(merchantId, body).map(v -> Response
                .created(URI.create("/admin/merchants/" + merchantId + "/routes/" + v.name())).entity(v).build());
    }

    @GET
    @Path("{name}")
    @Operation(summary = "One of a merchant's routes")
    @APIResponse(responseCode = "200", description = "The route")
    @APIResponse(responseCode = "404", description = "No such merchant or route",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<RouteViews.RouteView> get(@PathParam("merchantId") UUID merchantId, @PathParam("name") String name) {
        return routes.get(merchantId, name);
    }

    @PUT
    @Path("{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replace a route (price, upstream, accepts...); the next 402 on every pod shows it")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = RouteViews.RouteBody.class)))
    @APIResponse(responseCode = "200", description = "Replaced and served on this pod")
    @APIResponse(responseCode = "400", description = "Invalid route, with the precise problem",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "404", description = "No such merchant or route",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "409", description = "A configured route, or another route claims the same requests",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<RouteViews.RouteView> replace(@PathParam("merchantId") UUID merchantId, @PathParam("name") String name,
            String body) {
        return routes.replace(merchantId, name, body);
    }

    @DELETE
    @Path("{name}")
    @Operation(summary = "Delete a route; it answers 404 on every pod within the reload bound")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "No such merchant or route",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "409", description = "A configured route: change the configuration",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<Response> delete(@PathParam("merchantId") UUID merchantId, @PathParam("name") String name) {
        return routes.delete(merchantId, name).replaceWith(Response.noContent().build());
    }
}
