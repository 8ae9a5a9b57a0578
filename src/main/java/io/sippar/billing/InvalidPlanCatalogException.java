package io.sippar.billing;

/** A plan file that cannot be used; the message names the source, the JSON path and the problem. */
public final class InvalidPlanCatalogException extends RuntimeException {

    InvalidPlanCatalogException(String message, Throwable cause) {
        super(message, cause);
    }

    InvalidPlanCatalogException(String message) {
        super(message);
    }
}
