package io.sippar.gateway;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The demo merchant's upstream API, served by the gateway itself so the local run needs nothing
 * else. It is reached through the paid route GET /demo/weather; only the demo mode mounts it.
 */
@Path("/demo-upstream")
public class DemoUpstreamResource {

    private final DemoConfig demo;
    private final InternalUpstreamToken internal;

    public DemoUpstreamResource(DemoConfig demo, InternalUpstreamToken internal) {
        this.demo = demo;
        this.internal = internal;
    }

    /** A deterministic weather report, so tests can assert on the body the payer receives. */
    @GET
    @Path("/weather")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Demo upstream behind the paid route GET /demo/weather")
    public Map<String, Object> weather(@QueryParam("city") String city,
            @HeaderParam(InternalUpstreamToken.HEADER) String token) {
        if (!demo.enabled() || !internal.matches(token)) {
            throw new NotFoundException();
        }
        String place = city == null || city.isBlank() ? "Babylon" : city;
        // this is what the payer bought: tests compare it byte for byte
        return Map.of("city", place, "temperatureC", 21, "conditions", "clear", "source", "sippar-demo");
    }

    /** Answers with the given status, to show that a failing upstream is never charged. */
    @GET
    @Path("/status/{code}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Demo upstream that fails on purpose")
    public jakarta.ws.rs.core.Response status(@jakarta.ws.rs.PathParam("code") int code,
            @HeaderParam(InternalUpstreamToken.HEADER) String token) {
        if (!demo.enabled() || !internal.matches(token) || code < 200 || code > 599) {
            throw new NotFoundException();
        }
        return jakarta.ws.rs.core.Response.status(code).entity(Map.of("status", code)).build();
    }

    /** Answers after a delay (at most 10 s), to show what happens while a paid call is in flight. */
    @GET
    @Path("/slow")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Demo upstream that answers slowly on purpose")
    public io.smallrye.mutiny.Uni<Map<String, Object>> slow(@QueryParam("ms") int ms,
            @HeaderParam(InternalUpstreamToken.HEADER) String token) {
        if (!demo.enabled() || !internal.matches(token)) {
            throw new NotFoundException();
        }
        int delay = Math.max(0, Math.min(ms, 10_000));
        io.smallrye.mutiny.Uni<Map<String, Object>> answer = io.smallrye.mutiny.Uni.createFrom()
                .item(Map.<String, Object>of("sleptMs", delay));
        // Mutiny refuses a zero delay
        return delay == 0 ? answer : answer.onItem().delayIt().by(java.time.Duration.ofMillis(delay));
    }
}
