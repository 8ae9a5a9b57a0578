package io.sippar.fees;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One x402 payment band: it covers USD values above the previous band's upper edge up to its own.
 *
 * <p>{@code upToUsd == null} marks the open-ended last band. {@code upToInclusive} says on which side
 * of the upper edge a value exactly equal to it falls; the lower edge is the previous band's upper
 * edge taken with the opposite inclusiveness, so the bands tile the line with no gap and no overlap.
 */
public record Band(String name, BigDecimal upToUsd, boolean upToInclusive, FeeRule fee) {

    public Band {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("band name must not be blank");
        }
        Objects.requireNonNull(fee, "fee");
        if (upToUsd != null && upToUsd.signum() <= 0) {
            throw new IllegalArgumentException(
                    "band '" + name + "': upToUsd must be positive, got " + upToUsd.toPlainString());
        }
    }

    /** True when {@code usd} is at or below this band's upper edge (with the edge's inclusiveness). */
    boolean admits(BigDecimal usd) {
        if (upToUsd == null) {
            return true;
        }
        int c = usd.compareTo(upToUsd);
        return c < 0 || (c == 0 && upToInclusive);
    }
}
