package io.sippar.gateway.admin;

import static io.sippar.merchant.AdminMerchantsResource.PROBLEM;
import static io.sippar.merchant.AdminMerchantsResource.PROBLEM_SCHEMA;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.security.identity.SecurityIdentity;
import io.sippar.fees.InvalidFeeScheduleException;
import io.sippar.gateway.FeeBook;
import io.sippar.ledger.FeeScheduleRepository;
import io.sippar.merchant.AdminMerchantsResource;
import io.sippar.merchant.ApiError;
import io.sippar.merchant.ApiKeyAuthentication;
import io.sippar.merchant.Caller;
import io.sippar.x402.X402Json;
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
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Operator API: fee schedule versions. A version is immutable; a new one takes effect at its
 * effectiveFrom on every pod, and each payment is charged by the version in force when it settled.
 */
@Path("/admin/fee-schedules")
@RolesAllowed(Caller.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class AdminFeeSchedulesResource {

    /** A version without its document: {@code status} is scheduled, in-force or superseded (by the database clock). */
    public record ScheduleSummary(String version, Instant effectiveFrom, String status, OffsetDateTime createdAt,
            String createdBy) {
    }

    /** A version with its document, in the schedule file format (fees/FEES.md) with this one version. */
    public record ScheduleView(String version, Instant effectiveFrom, String status, OffsetDateTime createdAt,
            String createdBy, JsonNode schedule) {
    }

    private final SecurityIdentity identity;
    private final FeeBook fees;
    private final FeeScheduleRepository repository;

    public AdminFeeSchedulesResource(SecurityIdentity identity, FeeBook fees, FeeScheduleRepository repository) {
        this.identity = identity;
        this.fees = fees;
        this.repository = repository;
    }

    @GET
    @Operation(summary = "Every fee schedule version, oldest first, with which one is in force")
    @APIResponse(responseCode = "200", description = "The versions")
    public Uni<List<ScheduleSummary>> list() {
        return Uni.combine().all().unis(repository.all(), repository.databaseNow()).asTuple().map(t -> {
            List<ScheduleSummary> out = new ArrayList<>();
            for (FeeScheduleRepository.ScheduleRow row : t.getItem1()) {
                out.add(new ScheduleSummary(row.version(), row.effectiveFrom(), status(row, t.getItem1(), t.getItem2()),
                        row.createdAt(), row.createdBy()));
            }
            return out;
        });
    }

    @GET
    @Path("{version}")
    @Operation(summary = "One fee schedule version with its document")
    @APIResponse(responseCode = "200", description = "The version")
    @APIResponse(responseCode = "404", description = "No such version",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<ScheduleView> get(@PathParam("version") String version) {
        return Uni.combine().all().unis(repository.all(), repository.databaseNow()).asTuple().map(t -> {
            FeeScheduleRepository.ScheduleRow row = t.getItem1().stream().filter(r -> r.version().equals(version))
                    .findFirst().orElseThrow(() -> ApiError.notFound("no fee schedule version " + version));
            return view(row, status(row, t.getItem1(), t.getItem2()));
        });
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Add a fee schedule version (file format of fees/FEES.md with exactly one version) that "
            + "takes effect in the future")
    @RequestBody(required = true, description = "{\"format\":\"sippar-fee-schedules/1\",\"versions\":[{...}]}")
    @APIResponse(responseCode = "201", description = "Stored; every pod charges by it from its effectiveFrom",
            content = @Content(schema = @Schema(implementation = ScheduleView.class)))
    @APIResponse(responseCode = "400", description = "Not a valid schedule (the message names the JSON path), "
            + "or its effectiveFrom is not far enough in the future",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "409", description = "Version id or effectiveFrom taken, or a cross-chain tier in use "
            + "left unpriced", content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<Response> add(String body) {
        if (body == null || body.isBlank()) {
            throw ApiError.badRequest("a fee schedule document is required");
        }
        String by = "api-key:" + ApiKeyAuthentication.caller(identity).keyId();
        Uni<FeeBook.Offer> offer;
        try {
            offer = fees.offer(body, by);
        } catch (InvalidFeeScheduleException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        return offer.map(o -> switch (o) {
            case FeeBook.Accepted a -> Response.created(URI.create("/admin/fee-schedules/" + a.row().version()))
                    .entity(view(a.row(), "scheduled")).build();
            case FeeBook.Refused r -> throw r.conflict() ? ApiError.conflict(r.message())
                    : ApiError.badRequest(r.message());
        });
    }

    @DELETE
    @Path("{version}")
    @Operation(summary = "Withdraw a version that has not taken effect")
    @APIResponse(responseCode = "204", description = "Withdrawn")
    @APIResponse(responseCode = "404", description = "No such version",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    @APIResponse(responseCode = "409", description = "The version is in force, superseded, or about to take effect",
            content = @Content(mediaType = PROBLEM, schema = @Schema(ref = PROBLEM_SCHEMA)))
    public Uni<Response> withdraw(@PathParam("version") String version) {
        return fees.withdraw(version).map(d -> switch (d) {
            case DELETED -> Response.noContent().build();
            case NOT_FOUND -> throw ApiError.notFound("no fee schedule version " + version);
            case ALREADY_EFFECTIVE -> throw ApiError.conflict("fee schedule version " + version
                    + " has taken effect or does so within " + fees.minLeadTime() + "; versions are immutable once "
                    + "effective: publish a new version instead");
        });
    }

    private static String status(FeeScheduleRepository.ScheduleRow row, List<FeeScheduleRepository.ScheduleRow> all,
            Instant now) {
        if (row.effectiveFrom().isAfter(now)) {
            return "scheduled";
        }
        boolean later = all.stream().anyMatch(r -> r.effectiveFrom().isAfter(row.effectiveFrom())
                && !r.effectiveFrom().isAfter(now));
        return later ? "superseded" : "in-force";
    }

    private static ScheduleView view(FeeScheduleRepository.ScheduleRow row, String status) {
        try {
            return new ScheduleView(row.version(), row.effectiveFrom(), status, row.createdAt(), row.createdBy(),
                    X402Json.MAPPER.readTree(row.document()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException("stored fee schedule " + row.version() + " is not JSON", e);
        }
    }
}
