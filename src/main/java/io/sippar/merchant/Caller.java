package io.sippar.merchant;

import java.util.Optional;
import java.util.UUID;

/**
 * Who is calling the admin or merchant API, from their API key: an operator ({@link #ADMIN}) or one
 * merchant ({@link #MERCHANT}). A merchant caller can only ever be scoped to its own merchant.
 *
 * @param role {@link #ADMIN} or {@link #MERCHANT}
 * @param merchantId the merchant of a merchant key; null for an operator
 * @param keyId the API key's id (for audit; never the key)
 */
public record Caller(String role, UUID merchantId, UUID keyId) {

    /** The operator role: every merchant's data, configuration, analytics. */
    public static final String ADMIN = "admin";
    /** The merchant role: its own data only. */
    public static final String MERCHANT = "merchant";

    public Caller {
        if (!ADMIN.equals(role) && !MERCHANT.equals(role)) {
            throw new IllegalArgumentException("unknown role " + role);
        }
        if (MERCHANT.equals(role) != (merchantId != null)) {
            throw new IllegalArgumentException("a merchant caller has exactly one merchant, an operator none");
        }
    }

    /** Whether this is an operator. */
    public boolean admin() {
        return ADMIN.equals(role);
    }

    /** The merchant of a merchant caller. */
    public Optional<UUID> merchant() {
        return Optional.ofNullable(merchantId);
    }

    /**
     * The merchant whose data a request may touch: a merchant caller always gets its own (asking for
     * another merchant is {@link AccessDenied}); an operator must name one.
     */
    public UUID scope(Optional<UUID> requested) {
        if (!admin()) {
            if (requested.isPresent() && !requested.get().equals(merchantId)) {
                throw new AccessDenied("a merchant key can only reach its own merchant's data");
            }
            return merchantId;
        }
        return requested.orElseThrow(() -> new IllegalArgumentException("an operator request must name the merchant"));
    }

    /** The caller may not do this (mapped to 403 problem+json). */
    public static class AccessDenied extends RuntimeException {
        public AccessDenied(String message) {
            super(message);
        }
    }
}
