package io.sippar.billing;

import io.quarkus.security.identity.SecurityIdentity;
import io.sippar.merchant.AdminMerchantsResource;
import io.sippar.merchant.ApiError;
import io.sippar.merchant.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Operator API: the close of a month for every merchant. */
@Path("/admin/statements")
@RolesAllowed(Caller.ADMIN)
@Tag(name = "admin")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class PeriodCloseResource {

    private final SecurityIdentity identity;
    private final Statements statements;
    private final StatementsConfig config;

    public PeriodCloseResource(SecurityIdentity identity, Statements statements, StatementsConfig config) {
        this.identity = identity;
        this.statements = statements;
        this.config = config;
    }

    @POST
    @Path("{period}/close")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Close an ended month for every merchant that existed in it; idempotent, safe to repeat "
            + "(503 when some merchants could not be closed: retry)")
    public Uni<StatementViews.ClosedAllView> closeAll(@Parameter(description = "YYYY-MM") @PathParam("period") String period) {
        StatementPeriod p = StatementPeriod.parse(period);
        return statements.closeAll(p, AdminStatementsResource.operator(identity)).map(r -> {
            if (!r.failed().isEmpty()) {
                throw ApiError.unavailable(r.failed().size() + " merchants could not be closed (the others are); "
                        + "closing is idempotent, retry", config.retryAfterSeconds());
            }
            return new StatementViews.ClosedAllView(r.period().toString(), r.closedNow());
        });
    }
}
