package io.sippar.scheme;

/** Our side (a chain node, the database) cannot answer now; the client should retry later. */
public class SchemeUnavailableException extends RuntimeException {

    private final int retryAfterSeconds;

    public SchemeUnavailableException(String message, int retryAfterSeconds, Throwable cause) {
        super(message, cause);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
