package io.sippar.billing;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.UUID;

/**
 * One segment of a merchant's plan history: the merchant was (or will be) on {@code planId} from
 * {@code effectiveFrom} until {@code effectiveTo} (open when null). A merchant's segments never
 * overlap and leave no gaps from its creation on; a started segment is only ever closed, never edited.
 *
 * @param id row id (orders segments requested at the same instant)
 * @param commitmentYears contract length of an annual plan (1, 3 or 5 by default); null for monthly plans.
 *     A term starts at {@code effectiveFrom}; after it ends the contract renews year by year without a
 *     commitment discount until changed
 * @param source who made it: {@code created} (with the merchant), {@code config} (the merchant's
 *     configured plan), {@code api} (an operator), {@code migration} (existing merchants)
 * @param requestedBy the API key id or component that asked for it, for audit
 */
public record Subscription(long id, UUID merchantId, String planId, Integer commitmentYears, Instant effectiveFrom,
        Instant effectiveTo, String source, Instant requestedAt, String requestedBy) {

    /** Whether this segment is in force at {@code t}. */
    public boolean activeAt(Instant t) {
        return !effectiveFrom.isAfter(t) && (effectiveTo == null || t.isBefore(effectiveTo));
    }

    /** When the segment ends, if it is closed or a change is scheduled. */
    public Optional<Instant> end() {
        return Optional.ofNullable(effectiveTo);
    }

    /** The end of the committed term of an annual contract (start + commitment years); empty for monthly plans. */
    public Optional<Instant> termEnd() {
        return commitmentYears == null ? Optional.empty()
                : Optional.of(utc(effectiveFrom).plusYears(commitmentYears).toInstant());
    }

    /** Whether {@code t} falls within the committed term (where the commitment discount applies). */
    public boolean withinTerm(Instant t) {
        return termEnd().map(end -> !t.isBefore(effectiveFrom) && t.isBefore(end)).orElse(false);
    }

    /** The start of the contract year containing {@code t} (an anniversary of {@code effectiveFrom}). */
    public Instant contractYearStart(Instant t) {
        ZonedDateTime start = utc(effectiveFrom);
        ZonedDateTime at = utc(t);
        int years = Math.max(0, at.getYear() - start.getYear());
        ZonedDateTime candidate = start.plusYears(years);
        while (candidate.isAfter(at) && years > 0) {
            years--;
            candidate = start.plusYears(years);
        }
        return candidate.toInstant();
    }

    /**
     * The next instant after {@code now} at which a change that waits for the end of the billing period
     * takes effect: the next calendar month for a monthly plan; for an annual contract the first
     * contract anniversary after {@code now} that is not inside the committed term.
     */
    public Instant nextPeriodStart(Plan plan, Instant now) {
        if (!plan.annual()) {
            return YearMonth.from(utc(now)).plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
        ZonedDateTime start = utc(effectiveFrom);
        int years = commitmentYears == null ? 1 : commitmentYears;
        ZonedDateTime candidate = start.plusYears(years);
        while (!candidate.toInstant().isAfter(now)) {
            years++;
            candidate = start.plusYears(years);
        }
        return candidate.toInstant();
    }

    private static ZonedDateTime utc(Instant t) {
        return t.atZone(ZoneOffset.UTC);
    }
}
