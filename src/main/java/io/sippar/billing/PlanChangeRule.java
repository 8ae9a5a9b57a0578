package io.sippar.billing;

import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;

/**
 * When a plan change takes effect (README "Plan changes"). An upgrade (a plan including more
 * transactions per month, or as many for a higher monthly-equivalent price, or the same annual plan for a
 * longer commitment) takes effect at once, and the period is prorated by days; anything else waits for the
 * end of the current billing period (the next month, or for an annual contract the end of its committed
 * term), so a merchant keeps what it paid for. An annual contract is only ever upgraded to another annual
 * contract: a monthly plan, even a bigger one, waits for the contract's term to end, so a commitment
 * cannot be left early. An operator may override the timing.
 */
public final class PlanChangeRule {

    private PlanChangeRule() {
    }

    /** How the operator wants a change timed. */
    public enum Timing {
        /** Upgrades now, everything else at the next period start. */
        RULE,
        /** Now, whatever the direction (e.g. a merchant that stopped paying). */
        NOW,
        /** At the next period start, whatever the direction. */
        NEXT_PERIOD
    }

    /** The direction of a change. */
    public enum Direction {
        /** More capacity or value: effective now under the rule. */
        UPGRADE,
        /** Less, or a lateral move: effective at the next period start under the rule. */
        DOWNGRADE,
        /** The same plan and commitment as now: nothing to do. */
        UNCHANGED
    }

    /** The decision: which way the change goes and from when it applies. */
    public record Decision(Direction direction, Instant effectiveFrom) {
    }

    private static final Comparator<Integer> YEARS = Comparator.nullsFirst(Comparator.naturalOrder());

    /** Compares a target (plan, commitment) with the segment in force and decides the effective instant. */
    public static Decision decide(Subscription current, Plan currentPlan, Plan target, Integer targetYears,
            Instant now, Timing timing) {
        Objects.requireNonNull(current, "current");
        Direction direction = direction(currentPlan, current.commitmentYears(), target, targetYears);
        if (direction == Direction.UNCHANGED) {
            return new Decision(direction, current.effectiveFrom());
        }
        Instant at = switch (timing) {
            case NOW -> now;
            case NEXT_PERIOD -> current.nextPeriodStart(currentPlan, now);
            case RULE -> direction == Direction.UPGRADE ? now : current.nextPeriodStart(currentPlan, now);
        };
        return new Decision(direction, at);
    }

    /** Upgrade, downgrade or unchanged, by {@link Plan#RANK} and then commitment length. */
    public static Direction direction(Plan from, Integer fromYears, Plan to, Integer toYears) {
        if (from.id().equals(to.id()) && Objects.equals(fromYears, toYears)) {
            return Direction.UNCHANGED;
        }
        if (from.annual() && !to.annual()) {
            return Direction.DOWNGRADE;
        }
        int byRank = Plan.RANK.compare(to, from);
        if (byRank == 0 && from.id().equals(to.id())) {
            byRank = YEARS.compare(toYears, fromYears);
        }
        return byRank > 0 ? Direction.UPGRADE : Direction.DOWNGRADE;
    }
}
