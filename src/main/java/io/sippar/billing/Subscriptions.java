package io.sippar.billing;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Merchants' plans over time: what a merchant is on at an instant, over a month (for usage,
 * overage and statements), and plan changes under {@link PlanChangeRule}. The history in
 * {@code merchant_subscription} is the source of truth; {@code merchant.plan} only mirrors the plan in
 * force for listings.
 */
@ApplicationScoped
public class Subscriptions {

    private final Plans plans;
    private final SubscriptionRepository repository;
    private final PlanLimits limits;

    public Subscriptions(Plans plans, SubscriptionRepository repository, PlanLimits limits) {
        this.plans = plans;
        this.repository = repository;
        this.limits = limits;
    }

    /** The plan catalog in force. */
    public PlanCatalog catalog() {
        return plans.catalog();
    }

    /** A merchant's whole plan history, oldest first; a scheduled change is the last, future segment. */
    public Uni<List<Subscription>> history(UUID merchantId) {
        return repository.history(merchantId);
    }

    /** The segment in force at {@code t}; empty before the merchant existed. */
    public Uni<Optional<Subscription>> at(UUID merchantId, Instant t) {
        return history(merchantId).map(h -> h.stream().filter(s -> s.activeAt(t)).findFirst());
    }

    /** The plan in force at {@code t}. */
    public Uni<Optional<Plan>> planAt(UUID merchantId, Instant t) {
        return at(merchantId, t).map(s -> s.map(x -> catalog().require(x.planId())));
    }

    /** The change scheduled after {@code now}, if any. */
    public Uni<Optional<Subscription>> scheduled(UUID merchantId, Instant now) {
        return history(merchantId).map(h -> h.stream().filter(s -> s.effectiveFrom().isAfter(now)).findFirst());
    }

    /** A merchant's plans over a calendar month (segments, days, allowance, overage price). */
    public Uni<PlanMonth> month(UUID merchantId, YearMonth month) {
        return history(merchantId).map(h -> PlanMonth.of(month, h, catalog()));
    }

    /** Every merchant's segments overlapping [from, to) (MRR, ARR and other analytics). */
    public Uni<Map<UUID, List<Subscription>>> overlapping(Instant from, Instant to) {
        return repository.overlapping(from, to);
    }

    /**
     * The outcome of a plan change.
     *
     * @param direction upgrade, downgrade (or lateral) or unchanged
     * @param effectiveFrom when the new plan applies (now for an applied change, the next period start for
     *     a scheduled one, the current segment's start when unchanged)
     * @param previous the segment in force when the change was asked for
     * @param history the merchant's whole history afterwards
     */
    public record Change(PlanChangeRule.Direction direction, Instant effectiveFrom, Subscription previous,
            List<Subscription> history) {
    }

    /**
     * Moves a merchant to {@code planId} (with {@code commitmentYears} for an annual plan; null = its shortest
     * term). A pending scheduled change is replaced by this one (or cancelled when the target is the plan in
     * force). Empty when the merchant does not exist.
     *
     * @throws IllegalArgumentException (as a failed Uni) when the plan or the commitment is not valid
     */
    public Uni<Optional<Change>> change(UUID merchantId, String planId, Integer commitmentYears,
            PlanChangeRule.Timing timing, String source, String requestedBy) {
        Plan target;
        Integer years;
        try {
            target = catalog().find(planId).orElseThrow(() -> new IllegalArgumentException("unknown plan " + planId
                    + "; GET /admin/plans lists the plans"));
            years = commitment(target, commitmentYears);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(e);
        }
        return repository.locked(merchantId, l -> apply(l, target, years, timing, source, requestedBy))
                .invoke(done -> limits.forget(merchantId));
    }

    /** The commitment a plan is signed for: null for monthly plans, one of the plan's terms for annual ones. */
    public static Integer commitment(Plan plan, Integer requested) {
        if (!plan.annual()) {
            if (requested != null) {
                throw new IllegalArgumentException("plan " + plan.id() + " is billed monthly and takes no commitmentYears");
            }
            return null;
        }
        if (requested == null) {
            return plan.commitmentYears().stream().min(Integer::compare).orElseThrow();
        }
        if (!plan.commitmentYears().contains(requested)) {
            throw new IllegalArgumentException("plan " + plan.id() + " is signed for " + plan.commitmentYears()
                    + " years, not " + requested);
        }
        return requested;
    }

    private Uni<Change> apply(SubscriptionRepository.Locked l, Plan target, Integer years,
            PlanChangeRule.Timing timing, String source, String requestedBy) {
        Instant now = l.now();
        Optional<Subscription> current = l.history().stream().filter(s -> s.activeAt(now)).findFirst();
        List<Subscription> pending = l.history().stream().filter(s -> s.effectiveFrom().isAfter(now)).toList();
        Uni<Void> cleared = Uni.createFrom().voidItem();
        for (Subscription p : pending) {
            cleared = cleared.call(() -> l.delete(p));
        }
        if (current.isEmpty()) {
            // a merchant without a history yet (created before plans existed and not backfilled): start it now
            return cleared.chain(() -> l.insert(target.id(), years, now, source, requestedBy))
                    .call(s -> l.mirror(target.id()))
                    .chain(s -> reread(l, PlanChangeRule.Direction.UPGRADE, now, null));
        }
        Subscription cur = current.get();
        PlanChangeRule.Decision decision = PlanChangeRule.decide(cur, catalog().require(cur.planId()), target, years,
                now, timing);
        if (decision.direction() == PlanChangeRule.Direction.UNCHANGED) {
            Uni<Void> reopened = cur.effectiveTo() == null ? cleared : cleared.chain(() -> l.end(cur, null));
            return reopened.chain(() -> reread(l, decision.direction(), decision.effectiveFrom(), cur));
        }
        Instant at = decision.effectiveFrom();
        return cleared.chain(() -> l.end(cur, at))
                .chain(() -> l.insert(target.id(), years, at, source, requestedBy))
                .call(s -> at.equals(now) ? l.mirror(target.id()) : Uni.createFrom().voidItem())
                .chain(s -> reread(l, decision.direction(), at, cur));
    }

    private static Uni<Change> reread(SubscriptionRepository.Locked l, PlanChangeRule.Direction direction,
            Instant effectiveFrom, Subscription previous) {
        return SubscriptionRepository.history(l.conn(), l.merchantId())
                .map(h -> new Change(direction, effectiveFrom, previous, h));
    }
}
