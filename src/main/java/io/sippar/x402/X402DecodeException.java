package io.sippar.x402;

import java.util.Objects;

/** A payment header or wire object that cannot be accepted, with the reason code to answer with. */
public final class X402DecodeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient ReasonCode reason;

    /** The message is meant for the client: it must never echo secrets or stack details. */
    public X402DecodeException(ReasonCode reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public X402DecodeException(ReasonCode reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The wire code describing the failure. */
    public ReasonCode reason() {
        return reason;
    }
}
