package io.sippar.billing;

import io.sippar.merchant.ApiError;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.UUID;

/**
 * Where a page of a statement's payments ends: the last payment's (settled_at, id), opaque on the
 * wire (base64url). Keyset paging keeps every page an index range scan however deep it goes.
 */
record PaymentCursor(OffsetDateTime settledAt, UUID paymentId) {

    String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((settledAt + "|" + paymentId).getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes a cursor from a previous page; anything else is a 400. */
    static PaymentCursor decode(String text) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
            int bar = raw.indexOf('|');
            if (bar < 0) {
                throw new IllegalArgumentException("no separator");
            }
            return new PaymentCursor(OffsetDateTime.parse(raw.substring(0, bar)), UUID.fromString(raw.substring(bar + 1)));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw ApiError.badRequest("after must be the nextCursor of a previous page");
        }
    }
}
