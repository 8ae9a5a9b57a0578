package io.sippar.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token buckets, on a clock the test moves. */
class RateLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(123 * SECOND);

    private RateLimiter limiter(long rate, long burst, int maxKeys) {
        return new RateLimiter(rate, burst, maxKeys, now::get);
    }

    @Test
    void allowsTheBurstAtOnceThenRefusesWithTheWaitForOneToken() {
        RateLimiter l = limiter(10, 5, 100);
        for (int i = 0; i < 5; i++) {
            assertEquals(0, l.acquire("a"), "request " + i);
        }
        assertEquals(SECOND / 10, l.acquire("a"));
        assertEquals(1, RateLimiter.retryAfterSeconds(l.acquire("a")));
    }

    @Test
    void peekTellsTheWaitWithoutTakingAToken() {
        RateLimiter l = limiter(10, 2, 100);
        assertEquals(0, l.peek("a"), "an unknown key could go now");
        for (int i = 0; i < 5; i++) {
            assertEquals(0, l.peek("a"), "peeking takes nothing");
        }
        assertEquals(0, l.acquire("a"));
        assertEquals(0, l.peek("a"));
        assertEquals(0, l.acquire("a"));
        assertEquals(SECOND / 10, l.peek("a"), "the burst is used: one token in 100 ms");
        assertEquals(SECOND / 10, l.acquire("a"), "and acquire agrees");
        now.addAndGet(SECOND / 10);
        assertEquals(0, l.peek("a"));
    }

    @Test
    void refillsAtTheRateAndNeverAboveTheBurst() {
        RateLimiter l = limiter(10, 5, 100);
        for (int i = 0; i < 5; i++) {
            l.acquire("a");
        }
        now.addAndGet(SECOND / 10);
        assertEquals(0, l.acquire("a"), "one token back after 100 ms");
        assertTrue(l.acquire("a") > 0);
        now.addAndGet(3600 * SECOND);
        for (int i = 0; i < 5; i++) {
            assertEquals(0, l.acquire("a"), "full again after an hour, request " + i);
        }
        assertTrue(l.acquire("a") > 0, "but no more than the burst");
    }

    @Test
    void sustainedRateIsExact() {
        RateLimiter l = limiter(100, 1, 100);
        int allowed = 0;
        for (int ms = 0; ms < 10_000; ms++) {
            if (l.acquire("a") == 0) {
                allowed++;
            }
            now.addAndGet(SECOND / 1000);
        }
        assertEquals(1000, allowed, "100/s for 10 s");
    }

    @Test
    void keysAreIndependent() {
        RateLimiter l = limiter(1, 1, 100);
        assertEquals(0, l.acquire("a"));
        assertTrue(l.acquire("a") > 0);
        assertEquals(0, l.acquire("b"));
    }

    @Test
    void tracksAtMostMaxKeysUnderAFloodOfNewOnes() {
        RateLimiter l = limiter(1, 1, 1000);
        for (int i = 0; i < 50_000; i++) {
            l.acquire("client-" + i);
        }
        assertTrue(l.trackedKeys() <= 1000, "tracked " + l.trackedKeys());
    }

    @Test
    void retryAfterRoundsUpToWholeSeconds() {
        assertEquals(1, RateLimiter.retryAfterSeconds(1));
        assertEquals(1, RateLimiter.retryAfterSeconds(SECOND));
        assertEquals(2, RateLimiter.retryAfterSeconds(SECOND + 1));
    }

    @Test
    void hugeBurstsDoNotOverflow() {
        RateLimiter l = limiter(1, Long.MAX_VALUE, 10);
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, l.acquire("a"));
        }
    }

    @Test
    void refusesAZeroRateOrBurst() {
        assertThrows(IllegalArgumentException.class, () -> limiter(0, 1, 10));
        assertThrows(IllegalArgumentException.class, () -> limiter(1, 0, 10));
    }
}
