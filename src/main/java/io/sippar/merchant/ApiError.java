package io.sippar.merchant;

import io.sippar.x402.ReasonCode;

/** A refused admin/merchant API request: leaves as problem+json with this status and reason. */
public class ApiError extends RuntimeException {

    private final int status;
    private final ReasonCode reason;

    public ApiError(int status, ReasonCode reason, String message) {
        super(message);
        this.status = status;
        this.reason = reason;
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
}
