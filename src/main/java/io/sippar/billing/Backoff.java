package io.sippar.billing;

import java.time.Duration;

/**
 * Waits between webhook attempts: exponential ({@code initial x 2^(n-1)} after the n-th failure,
 * capped at {@code max}) with "equal jitter" (the second half of each wait is random), so many
 * notices failing together against one receiver do not come back in lockstep.
 */
public final class Backoff {

    private Backoff() {
    }

    /** The wait after failed attempt {@code attempt} (1-based); {@code random} in [0, 1). */
    public static Duration after(int attempt, Duration initial, Duration max, double random) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts count from 1");
        }
        long cap = max.toMillis();
        long base = initial.toMillis();
        for (int i = 1; i < attempt && base < cap; i++) {
            base *= 2;
        }
        base = Math.min(base, cap);
        long half = base / 2;
        return Duration.ofMillis(half + (long) (random * (base - half)));
    }
}
