package io.sippar.scheme;

/**
 * The block heights (Algorand: rounds) in which the chain can execute a payment, for chains that
 * bound validity by height rather than by time: nothing can commit it before {@code firstValid} or
 * after {@code lastValid}. The reconciler's lookups judge expiry by the chain's own height with it.
 *
 * @param firstValid the first height it can be executed in (for a group: the largest first-valid)
 * @param lastValid the last height it can be executed in (for a group: the smallest last-valid)
 */
public record RoundWindow(long firstValid, long lastValid) {

    public RoundWindow {
        if (firstValid < 0 || lastValid < firstValid) {
            throw new IllegalArgumentException("a round window needs 0 <= firstValid <= lastValid, got "
                    + firstValid + ".." + lastValid);
        }
    }
}
