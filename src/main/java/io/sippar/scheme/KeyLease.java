package io.sippar.scheme;

import java.time.Duration;

/**
 * This process's right to sign with one settlement key on one network, valid until a deadline that
 * the lease renewal moves forward. The deadline is kept in {@link System#nanoTime()} terms and only
 * ever set from the moment a renewal was <em>sent</em> plus the lease's time to live, so it always
 * ends before the database's own expiry; checking it costs one volatile read, so it is checked
 * before every broadcast.
 */
public final class KeyLease {

    private static final long NEVER = Long.MAX_VALUE;

    private final String network;
    private final String signer;
    private final long epoch;
    private volatile long deadlineNanos;
    private volatile boolean revoked;

    /**
     * @param deadlineNanos the {@link System#nanoTime()} after which the lease must be treated as gone
     */
    public KeyLease(String network, String signer, long epoch, long deadlineNanos) {
        this.network = network;
        this.signer = signer;
        this.epoch = epoch;
        this.deadlineNanos = deadlineNanos;
    }

    /** A key used without leases (one process only, or a plain test): valid until revoked. */
    public static KeyLease unbounded(String network, String signer) {
        return new KeyLease(network, signer, 0, NEVER);
    }

    /** The CAIP-2 network. */
    public String network() {
        return network;
    }

    /** The key's address (EIP-55 on EVM). */
    public String signer() {
        return signer;
    }

    /** The fencing token of this holding. */
    public long epoch() {
        return epoch;
    }

    /** Whether the lease still holds for at least {@code margin} (the longest a broadcast may take). */
    public boolean validFor(Duration margin) {
        if (revoked) {
            return false;
        }
        long deadline = deadlineNanos;
        return deadline == NEVER || deadline - System.nanoTime() > margin.toNanos();
    }

    /** False for {@link #unbounded}: no lease behind it. */
    public boolean bounded() {
        return deadlineNanos != NEVER;
    }

    /** Remaining validity, zero once lapsed or revoked. */
    public Duration remaining() {
        if (revoked) {
            return Duration.ZERO;
        }
        long deadline = deadlineNanos;
        if (deadline == NEVER) {
            return Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L);
        }
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /** Moves the deadline (a renewal succeeded); never revives a revoked lease. */
    public void extendTo(long newDeadlineNanos) {
        deadlineNanos = newDeadlineNanos;
    }

    /** The lease is gone (lost to another process, or given back): no broadcast from now on. */
    public void revoke() {
        revoked = true;
    }

    /** Whether {@link #revoke()} was called. */
    public boolean revoked() {
        return revoked;
    }

    @Override
    public String toString() {
        return "KeyLease[" + network + ", " + signer + ", epoch " + epoch + (revoked ? ", revoked" : "") + "]";
    }
}
