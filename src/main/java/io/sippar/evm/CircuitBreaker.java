package io.sippar.evm;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A per-endpoint breaker: opens after {@code threshold} consecutive failures, skips the endpoint for
 * {@code delay}, then lets a single trial call through (half-open) whose outcome closes or re-opens it.
 * Own code rather than SmallRye's {@code Guard}: the programmatic Guard needs a CDI container (its
 * SPI resolves through {@code CDI.current()}), and these breakers must work in plain tests as well.
 */
final class CircuitBreaker {

    enum State { CLOSED, OPEN, HALF_OPEN }

    private final int threshold;
    private final long delayNanos;
    private final LongSupplier nanoClock;

    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long openedAt;
    private boolean trialInFlight;

    CircuitBreaker(int threshold, Duration delay, LongSupplier nanoClock) {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be >= 1");
        }
        this.threshold = threshold;
        this.delayNanos = delay.toNanos();
        this.nanoClock = nanoClock;
    }

    CircuitBreaker(int threshold, Duration delay) {
        this(threshold, delay, System::nanoTime);
    }

    /** Whether a call may go to this endpoint now; in half-open state only one caller gets a yes. */
    synchronized boolean tryAcquire() {
        switch (state) {
            case CLOSED:
                return true;
            case OPEN:
                if (nanoClock.getAsLong() - openedAt < delayNanos) {
                    return false;
                }
                state = State.HALF_OPEN;
                trialInFlight = true;
                return true;
            default:
                if (trialInFlight) {
                    return false;
                }
                trialInFlight = true;
                return true;
        }
    }

    synchronized void onSuccess() {
        state = State.CLOSED;
        consecutiveFailures = 0;
        trialInFlight = false;
    }

    synchronized void onFailure() {
        consecutiveFailures++;
        if (state == State.HALF_OPEN || consecutiveFailures >= threshold) {
            state = State.OPEN;
            openedAt = nanoClock.getAsLong();
        }
        trialInFlight = false;
    }

    /** The call this breaker admitted was abandoned: no verdict on the endpoint, but free the trial slot. */
    synchronized void onCancel() {
        trialInFlight = false;
    }

    synchronized State state() {
        // an open breaker whose delay has passed reports half-open, as it would admit a trial now
        if (state == State.OPEN && nanoClock.getAsLong() - openedAt >= delayNanos) {
            return State.HALF_OPEN;
        }
        return state;
    }
}
