package io.sippar.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Token buckets per key, as the generic cell rate algorithm: one theoretical arrival time per key,
 * advanced by a compare-and-set, so a check is a map lookup and a CAS with no lock and no timer.
 * The map is bounded (least recently used keys go first) and a key idle long enough to have a full
 * bucket again expires, which forgets nothing.
 */
final class RateLimiter {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long intervalNanos;
    private final long toleranceNanos;
    private final LongSupplier clock;
    private final Cache<String, AtomicLong> arrivals;

    /**
     * @param rate requests per second sustained (at least 1)
     * @param burst requests allowed at once (at least 1)
     * @param maxKeys most keys tracked
     * @param clock nanosecond clock ({@code System::nanoTime}; a test clock in unit tests)
     */
    RateLimiter(long rate, long burst, int maxKeys, LongSupplier clock) {
        if (rate < 1 || burst < 1) {
            throw new IllegalArgumentException("rate and burst must be at least 1 (rate " + rate + ", burst " + burst
                    + ")");
        }
        this.intervalNanos = Math.max(1, NANOS_PER_SECOND / rate);
        long tolerance;
        try {
            tolerance = Math.multiplyExact(intervalNanos, burst - 1);
        } catch (ArithmeticException e) {
            tolerance = Long.MAX_VALUE;
        }
        // capped so that clock arithmetic on it can never overflow
        this.toleranceNanos = Math.min(tolerance, Long.MAX_VALUE / 4);
        this.clock = clock;
        Duration idle = Duration.ofNanos(Math.min(Long.MAX_VALUE / 4, toleranceNanos + intervalNanos))
                .plusSeconds(1);
        this.arrivals = Caffeine.newBuilder().maximumSize(maxKeys)
                .expireAfterAccess(idle.toNanos(), TimeUnit.NANOSECONDS).build();
    }

    /** Takes one token for {@code key}: 0 when allowed, else the nanoseconds until one would be. */
    long acquire(String key) {
        long now = clock.getAsLong();
        AtomicLong tat = arrivals.get(key, k -> new AtomicLong(now));
        while (true) {
            long current = tat.get();
            long start = current - now < 0 ? now : current;
            long wait = start - now - toleranceNanos;
            if (wait > 0) {
                return wait;
            }
            if (tat.compareAndSet(current, start + intervalNanos)) {
                return 0;
            }
        }
    }

    /** Nanoseconds until {@code key} could take a token (0: it could now), taking none. */
    long peek(String key) {
        AtomicLong tat = arrivals.getIfPresent(key);
        if (tat == null) {
            return 0;
        }
        long now = clock.getAsLong();
        long current = tat.get();
        long start = current - now < 0 ? now : current;
        return Math.max(0, start - now - toleranceNanos);
    }

    /** Keys currently tracked (approximate; for tests of the bound). */
    long trackedKeys() {
        arrivals.cleanUp();
        return arrivals.estimatedSize();
    }

    /** Whole seconds a client should wait for {@code waitNanos}, at least 1. */
    static long retryAfterSeconds(long waitNanos) {
        return Math.max(1, (waitNanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
    }
}
