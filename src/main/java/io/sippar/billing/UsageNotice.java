package io.sippar.billing;

import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.UUID;

/**
 * A usage notice of the outbox: the merchant reached {@code threshold}% of the month's included
 * transactions. Written once per merchant, month and threshold by the settlement that crossed it.
 *
 * @param used the month's settled transactions when it was written
 * @param included the month's included transactions then
 * @param status {@code pending} (to be delivered), {@code delivered} (a 2xx), {@code failed} (given up after
 *     the allowed attempts) or {@code no_webhook} (the merchant had no endpoint)
 * @param attemptLimit attempts allowed in total (raised by a redelivery)
 * @param deliveries every attempt so far, oldest first
 */
public record UsageNotice(UUID id, UUID merchantId, YearMonth period, int threshold, long used, long included,
        String planId, Instant createdAt, String status, int attempts, int attemptLimit, Instant nextAttemptAt,
        Instant deliveredAt, List<DeliveryAttempt> deliveries) {

    /** The event type of every usage notice. */
    public static final String TYPE = "usage.threshold_reached";

    public UsageNotice {
        deliveries = List.copyOf(deliveries);
    }

    /** One delivery attempt as recorded. */
    public record DeliveryAttempt(int attempt, Instant attemptedAt, String url, Integer statusCode, String error,
            Integer durationMs, Instant nextAttemptAt) {
    }
}
