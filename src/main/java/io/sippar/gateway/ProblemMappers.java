package io.sippar.gateway;

import io.sippar.x402.ReasonCode;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error of the REST endpoints leaves as problem+json with a reason code, never a stack trace. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response badRequest(FacilitatorResource.BadRequest e) {
        return problem(400, "Bad request", ReasonCode.INVALID_REQUEST, e.getMessage());
    }

    @ServerExceptionMapper
    public Response unauthorized(FacilitatorResource.Unauthorized e) {
        return problem(401, "Unauthorized", ReasonCode.UNAUTHORIZED, e.getMessage());
    }

    @ServerExceptionMapper
    public Response notAuthenticated(io.quarkus.security.UnauthorizedException e) {
        return unauthenticated();
    }

    @ServerExceptionMapper
    public Response authenticationFailed(io.quarkus.security.AuthenticationFailedException e) {
        return unauthenticated();
    }

    private static Response unauthenticated() {
        return Response.fromResponse(problem(401, "Unauthorized", ReasonCode.UNAUTHORIZED,
                "a valid API key is required: Authorization: Bearer sk_..."))
                .header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response forbidden(io.quarkus.security.ForbiddenException e) {
        return problem(403, "Forbidden", ReasonCode.FORBIDDEN, "this API key's role may not use this endpoint");
    }

    @ServerExceptionMapper
    public Response accessDenied(io.sippar.merchant.Caller.AccessDenied e) {
        return problem(403, "Forbidden", ReasonCode.FORBIDDEN, e.getMessage());
    }

    @ServerExceptionMapper
    public Response apiError(io.sippar.merchant.ApiError e) {
        Response problem = problem(e.status(), titleOf(e.status()), e.reason(), e.getMessage());
        return e.retryAfterSeconds() == null ? problem
                : Response.fromResponse(problem).header("Retry-After", e.retryAfterSeconds().toString()).build();
    }

    private static String titleOf(int status) {
        Response.Status known = Response.Status.fromStatusCode(status);
        return known == null ? "Error" : known.getReasonPhrase();
    }

    @ServerExceptionMapper
    public Response unavailable(io.sippar.scheme.SchemeUnavailableException e) {
        return Response.fromResponse(problem(503, "Service temporarily unavailable", ReasonCode.FACILITATOR_UNAVAILABLE,
                "a chain node or the database could not be reached; retry shortly"))
                .header("Retry-After", Integer.toString(e.retryAfterSeconds())).build();
    }

    @ServerExceptionMapper
    public Response outcomeUnknown(PaymentFlow.SettlementOutcomeUnknown e) {
        LOG.warn(e.getMessage());
        return Response.fromResponse(problem(503, "Settlement not confirmed yet", ReasonCode.FACILITATOR_UNAVAILABLE,
                "the settlement did not complete; the payment is held until the chain decides"))
                .header("Retry-After", "5").build();
    }

    @ServerExceptionMapper
    public Response limited(io.sippar.limits.LimitExceededException e) {
        return Response.fromResponse(problem(429, "Too many requests", e.reason(), e.getMessage()))
                .header("Retry-After", Long.toString(e.retryAfterSeconds())).build();
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return problem(404, "Not found", ReasonCode.ROUTE_NOT_FOUND, null);
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        ReasonCode reason = status == 401 ? ReasonCode.UNAUTHORIZED : ReasonCode.INVALID_REQUEST;
        return problem(status, e.getResponse().getStatusInfo().getReasonPhrase(), reason, null);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("unexpected error", e);
        return problem(500, "Internal error", ReasonCode.INTERNAL_ERROR, "the error was logged");
    }

    static Response problem(int status, String title, ReasonCode reason, String detail) {
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(Problem.json(status, title, reason, detail))
                .build();
    }
}
