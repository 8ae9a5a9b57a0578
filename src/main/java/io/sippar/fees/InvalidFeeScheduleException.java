package io.sippar.fees;

/** A schedule file that cannot be used; the message names the source, the JSON path and the problem. */
public final class InvalidFeeScheduleException extends RuntimeException {

    InvalidFeeScheduleException(String message, Throwable cause) {
        super(message, cause);
    }

    InvalidFeeScheduleException(String message) {
        super(message);
    }
}
