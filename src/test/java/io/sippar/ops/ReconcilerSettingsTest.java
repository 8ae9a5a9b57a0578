package io.sippar.ops;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sippar.gateway.GatewayConfig;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Reconciler settings that would take payments from live requests are refused at start. */
class ReconcilerSettingsTest {

    private record Settings(Duration reservedDeadline, Duration retryDelay, Duration maxRetryDelay, int batchSize)
            implements ReconcilerConfig {
        @Override public boolean enabled() { return true; }
        @Override public Duration interval() { return Duration.ofSeconds(15); }
        @Override public Duration settlingDeadline() { return Duration.ofMinutes(5); }
        @Override public Duration lease() { return Duration.ofMinutes(2); }
    }

    private record Gateway(Duration upstreamTimeout) implements GatewayConfig {
        @Override public Optional<String> publicBaseUrl() { return Optional.empty(); }
        @Override public Optional<String> passthroughUpstream() { return Optional.empty(); }
        @Override public int maxUpstreamResponseBytes() { return 1024; }
        @Override public int retryAfterSeconds() { return 5; }
        @Override public Duration databaseTimeout() { return Duration.ofSeconds(10); }
    }

    private static Settings reservedDeadline(Duration d) {
        return new Settings(d, Duration.ofSeconds(30), Duration.ofMinutes(10), 100);
    }

    @Test
    void reservedDeadlineNotLongerThanTheUpstreamTimeoutIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Reconciler.validate(
                reservedDeadline(Duration.ofSeconds(30)), new Gateway(Duration.ofSeconds(30))));
        assertTrue(e.getMessage().contains("reserved-deadline"), e.getMessage());
        assertDoesNotThrow(() -> Reconciler.validate(reservedDeadline(Duration.ofSeconds(31)),
                new Gateway(Duration.ofSeconds(30))));
    }

    @Test
    void emptyBatchOrRetryCapBelowTheRetryDelayIsRefused() {
        Gateway gateway = new Gateway(Duration.ofSeconds(30));
        assertThrows(IllegalStateException.class, () -> Reconciler.validate(
                new Settings(Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofMinutes(10), 0), gateway));
        assertThrows(IllegalStateException.class, () -> Reconciler.validate(
                new Settings(Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofSeconds(30), 10), gateway));
    }

    @Test
    void retryDelayDoublesPerAttemptUpToTheCap() {
        Reconciler r = new Reconciler(new Settings(Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofMinutes(3),
                100), null, null, null, null, null, null, new Gateway(Duration.ofSeconds(30)), null);
        assertEquals(Duration.ofSeconds(30), r.retryDelay(1));
        assertEquals(Duration.ofSeconds(60), r.retryDelay(2));
        assertEquals(Duration.ofSeconds(120), r.retryDelay(3));
        assertEquals(Duration.ofMinutes(3), r.retryDelay(4));
        assertEquals(Duration.ofMinutes(3), r.retryDelay(1000));
    }
}
