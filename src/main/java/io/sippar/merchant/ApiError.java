package io.sippar.merchant;

import io.sippar.x402.ReasonCode;

/** A refused admin/merchant API request: leaves as problem+json with this status and reason. */
public class ApiError extends RuntimeException {

    private final int status;
    private final ReasonCode reason;
    private final Integer retryAfterSeconds;

    public ApiError(int status, ReasonCode reason, String message) {
        this(status, reason, message, null);
    }

    private ApiError(int status, ReasonCode reason, String message, Integer retryAfterSeconds) {
        super(message);
        this.status = status;
        this.reason = reason;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 503 with Retry-After: a dependency (the database) is down or too slow; the request may be retried. */
    public static ApiError unavailable(String message, int retryAfterSeconds) {
        return new ApiError(503, ReasonCode.FACILITATOR_UNAVAILABLE, message, retryAfterSeconds);
    }

    /** 400 invalid_request. */
    public static ApiError badRequest(String message) {
        return new ApiError(400, ReasonCode.INVALID_REQUEST, message);
    }

    /** 404 not_found. */
    public static ApiError notFound(String message) {
        return new ApiError(404, ReasonCode.NOT_FOUND, message);
    }

    /** 409 conflict. */
    public static ApiError conflict(String message) {
        return new ApiError(409, ReasonCode.CONFLICT, message);
    }

    public int status() {
        return status;
    }

    public ReasonCode reason() {
        return reason;
    }

    /** Seconds for the Retry-After header; null when the request should not simply be retried. */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
