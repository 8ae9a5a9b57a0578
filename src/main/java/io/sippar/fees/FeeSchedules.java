package io.sippar.fees;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Every version of the fee schedule, answering which one was in force at a given instant.
 *
 * <p>A payment is charged by the version in force when it settled, so a re-computation (a
 * reconciler finishing a stuck payment, a statement rebuilt later) charges the same fee even
 * after a new version took effect.
 */
public record FeeSchedules(List<FeeSchedule> versions) {

    public FeeSchedules {
        if (versions == null || versions.isEmpty()) {
            throw new IllegalArgumentException("at least one schedule version is required");
        }
        versions = versions.stream().sorted(Comparator.comparing(FeeSchedule::effectiveFrom)).toList();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < versions.size(); i++) {
            FeeSchedule v = versions.get(i);
            if (!ids.add(v.version())) {
                throw new IllegalArgumentException("schedule version '" + v.version() + "' appears twice");
            }
            // Two versions from the same instant would make "the one in force" ambiguous.
            if (i > 0 && v.effectiveFrom().equals(versions.get(i - 1).effectiveFrom())) {
                throw new IllegalArgumentException("schedule versions '" + versions.get(i - 1).version() + "' and '"
                        + v.version() + "' both take effect at " + v.effectiveFrom());
            }
        }
    }

    /** Convenience for a single version. */
    public static FeeSchedules of(FeeSchedule... versions) {
        return new FeeSchedules(List.of(versions));
    }

    /**
     * The version with the latest {@code effectiveFrom} at or before {@code instant}; empty before
     * the first version (nothing was in force, so nothing can be charged).
     */
    public Optional<FeeSchedule> inForceAt(Instant instant) {
        FeeSchedule found = null;
        for (FeeSchedule v : versions) {
            if (v.effectiveFrom().isAfter(instant)) {
                break;
            }
            found = v;
        }
        return Optional.ofNullable(found);
    }

    /** Like {@link #inForceAt} but failing loudly, for callers with no way to handle the absence. */
    public FeeSchedule requireInForceAt(Instant instant) {
        return inForceAt(instant).orElseThrow(() -> new IllegalStateException("no fee schedule in force at " + instant
                + "; the first version takes effect at " + versions.get(0).effectiveFrom()));
    }
}
