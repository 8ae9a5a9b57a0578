package io.sippar.limits;

import io.sippar.x402.ReasonCode;

/** A request or settlement refused by an abuse limit: answered 429 with {@code Retry-After}, nothing charged. */
public class LimitExceededException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String limit;
    private final transient ReasonCode reason;
    private final long retryAfterSeconds;

    public LimitExceededException(String limit, ReasonCode reason, long retryAfterSeconds, String message) {
        super(message);
        this.limit = limit;
        this.reason = reason;
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    /** Which limit, as in the {@code limit} tag of {@code sippar_limit_exceeded_total}. */
    public String limit() {
        return limit;
    }

    /** {@code rate_limited} or {@code gas_budget_exceeded}. */
    public ReasonCode reason() {
        return reason;
    }

    /** Whole seconds until a retry can pass; at least 1. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
