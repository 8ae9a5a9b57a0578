package io.sippar.billing;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * A merchant's usage of one calendar month against its plan(s): the counter from the settlement
 * transactions, and what the month's plans make of it.
 *
 * @param used settled transactions counted in the month
 * @param feesUsd transaction fees charged in the month (USD, from the same counter)
 * @param asOf the instant the report describes (now, for the current month)
 */
public record UsageReport(UUID merchantId, PlanMonth month, long used, BigDecimal feesUsd, Instant asOf) {

    /** The month. */
    public YearMonth period() {
        return month.month();
    }

    /** Included transactions; empty when unlimited (or no plan that month). */
    public OptionalLong included() {
        return month.included();
    }

    /** Included transactions not yet used; empty when unlimited. */
    public OptionalLong remaining() {
        OptionalLong inc = included();
        return inc.isPresent() ? OptionalLong.of(Math.max(0, inc.getAsLong() - used)) : OptionalLong.empty();
    }

    /** The plan the report is priced by: in force at {@code asOf}, else the month's last. */
    public Optional<Plan> plan() {
        return month.planAt(asOf).or(month::planAtEnd);
    }

    /** Whether the plan hard-stops and every included transaction is used. */
    public boolean limitReached() {
        return plan().map(Plan::hardStop).orElse(false) && remaining().orElse(1) == 0;
    }
}
