package io.sippar.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A month's plans: days per plan, the day-weighted allowance, overage and prorated monthly prices. */
class PlanMonthTest {

    private static final PlanCatalog CATALOG = PlanCatalogLoader.loadDefault();
    private static final UUID M = UUID.randomUUID();
    private static final YearMonth MARCH = YearMonth.of(2026, 3);

    private static Subscription seg(long id, String plan, String from, String to) {
        return new Subscription(id, M, plan, CATALOG.require(plan).annual() ? 1 : null, Instant.parse(from),
                to == null ? null : Instant.parse(to), "api", Instant.parse(from), "test");
    }

    @Test
    void aPlanInForceAllMonthGivesExactlyItsAllowance() {
        PlanMonth m = PlanMonth.of(MARCH, List.of(seg(1, "professional", "2025-01-01T00:00:00Z", null)), CATALOG);
        assertEquals(1, m.segments().size());
        assertEquals(31, m.segments().get(0).days());
        assertEquals(OptionalLong.of(100_000), m.included());
        assertEquals(new BigDecimal("500.000000"), m.proratedMonthlyPriceUsd(m.segments().get(0)));
        assertEquals(0, m.overageTransactions(99_999));
        assertEquals(250, m.overageTransactions(100_250));
        assertEquals(new BigDecimal("2.500000"), m.overageUsd(100_250));
    }

    @Test
    void anUpgradeOnThe21stSplitsTheMonthByDaysAndTheChangeDayBelongsToTheNewPlan() {
        PlanMonth m = PlanMonth.of(MARCH, List.of(
                seg(1, "professional", "2025-01-01T00:00:00Z", "2026-03-21T15:30:00Z"),
                seg(2, "business", "2026-03-21T15:30:00Z", null)), CATALOG);
        assertEquals(20, m.segments().get(0).days());
        assertEquals(11, m.segments().get(1).days());
        // (100,000 x 20 + 1,000,000 x 11) / 31 = 419,354.8 -> 419,355
        assertEquals(OptionalLong.of(419_355), m.included());
        // 500 x 20/31 and 2,500 x 11/31
        assertEquals(new BigDecimal("322.580645"), m.proratedMonthlyPriceUsd(m.segments().get(0)));
        assertEquals(new BigDecimal("887.096774"), m.proratedMonthlyPriceUsd(m.segments().get(1)));
        // overage is priced by the plan at the end of the month
        assertEquals("business", m.planAtEnd().orElseThrow().id());
        assertEquals(new BigDecimal("0.005000"), m.overageUsd(419_356).divide(BigDecimal.ONE));
        assertEquals("professional", m.planAt(Instant.parse("2026-03-21T15:29:59Z")).orElseThrow().id());
        assertEquals("business", m.planAt(Instant.parse("2026-03-21T15:30:00Z")).orElseThrow().id());
    }

    @Test
    void aMerchantJoiningMidMonthGetsThePlansFullAllowance() {
        PlanMonth m = PlanMonth.of(MARCH, List.of(seg(1, "developer", "2026-03-25T08:00:00Z", null)), CATALOG);
        assertEquals(7, m.segments().get(0).days());
        assertEquals(OptionalLong.of(1000), m.included());
        assertTrue(m.subscribed());
    }

    @Test
    void anyUnlimitedDayMakesTheMonthUnlimited() {
        PlanMonth m = PlanMonth.of(MARCH, List.of(
                seg(1, "business", "2025-01-01T00:00:00Z", "2026-03-31T12:00:00Z"),
                seg(2, "enterprise", "2026-03-31T12:00:00Z", null)), CATALOG);
        assertTrue(m.unlimited());
        assertEquals(OptionalLong.empty(), m.included());
        assertEquals(0, m.overageTransactions(5_000_000));
        assertEquals(new BigDecimal("0.000000"), m.overageUsd(5_000_000));
    }

    @Test
    void twoChangesOnOneDayBillOnlyTheLastAndSegmentsOutsideTheMonthAreIgnored() {
        PlanMonth m = PlanMonth.of(MARCH, List.of(
                seg(1, "developer", "2026-01-01T00:00:00Z", "2026-02-10T00:00:00Z"),
                seg(2, "professional", "2026-02-10T00:00:00Z", "2026-03-05T09:00:00Z"),
                seg(3, "business", "2026-03-05T09:00:00Z", "2026-03-05T17:00:00Z"),
                seg(4, "enterprise-growth", "2026-03-05T17:00:00Z", null)), CATALOG);
        assertEquals(List.of(4, 0, 27), m.segments().stream().map(PlanMonth.Segment::days).toList());
        // (100,000 x 4 + 500,000 x 27) / 31 = 448,387.1
        assertEquals(OptionalLong.of(448_387), m.included());
        // an annual contract's price follows its contract year, not the month
        assertEquals(new BigDecimal("0.000000"), m.proratedMonthlyPriceUsd(m.segments().get(2)));
    }

    @Test
    void aMonthBeforeTheMerchantExistedHasNoPlan() {
        PlanMonth m = PlanMonth.of(YearMonth.of(2025, 12), List.of(seg(1, "developer", "2026-01-01T00:00:00Z", null)),
                CATALOG);
        assertFalse(m.subscribed());
        assertEquals(OptionalLong.empty(), m.included());
        assertEquals(0, m.overageTransactions(10));
    }

    @Test
    void februaryOfALeapYearHas29Days() {
        PlanMonth m = PlanMonth.of(YearMonth.of(2028, 2), List.of(
                seg(1, "professional", "2027-01-01T00:00:00Z", "2028-02-15T00:00:00Z"),
                seg(2, "business", "2028-02-15T00:00:00Z", null)), CATALOG);
        assertEquals(29, m.daysInMonth());
        assertEquals(List.of(14, 15), m.segments().stream().map(PlanMonth.Segment::days).toList());
    }
}
