package io.sippar.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sippar.pricing.Asset;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The statement arithmetic on its own: what each charge adds and how the total is rounded. */
class StatementCalculatorTest {

    static final StatementPeriod NOV = new StatementPeriod(YearMonth.of(2026, 11));
    static final Asset USDC = new Asset("eip155:8453", "0xusdc", 6, "USD Coin", "2", true);
    static final UUID M = UUID.fromString("00000000-0000-0000-0000-000000000001");

    private static StatementCalculator.Cell cell(StatementPeriod late, String band, long n, String feeUsd) {
        return new StatementCalculator.Cell(late, "eip155:8453", "0xusdc", band, n, BigInteger.valueOf(n * 1_000_000),
                new BigDecimal(feeUsd).movePointRight(6).toBigInteger(), new BigDecimal(feeUsd));
    }

    private static MonthTerms plan(Long included, String overage, MonthTerms.SubscriptionCharge... charges) {
        return new MonthTerms("p", "Plan", false, 1, included, new BigDecimal(overage), List.of(charges));
    }

    private static Statement compute(List<StatementCalculator.Cell> cells, MonthTerms terms,
            Map<StatementPeriod, StatementCalculator.LateContext> late) {
        return StatementCalculator.compute(M, NOV, cells, terms, late, c -> Optional.of(USDC));
    }

    @Test
    void feesOfTreasuryModePaymentsAreShownAndSubtractedAsAlreadyKeptOnChain() {
        StatementCalculator.Cell mixed = new StatementCalculator.Cell(null, "eip155:8453", "0xusdc", "small", 3,
                BigInteger.valueOf(3_000_000), BigInteger.valueOf(150_000), new BigDecimal("0.15"),
                new BigDecimal("0.10"));
        StatementCalculator.Cell lateTreasury = new StatementCalculator.Cell(new StatementPeriod(YearMonth.of(2026, 10)),
                "eip155:8453", "0xusdc", "small", 1, BigInteger.valueOf(1_000_000), BigInteger.valueOf(50_000),
                new BigDecimal("0.05"), new BigDecimal("0.05"));
        Statement s = compute(List.of(mixed, lateTreasury), plan(null, "0"), Map.of(
                new StatementPeriod(YearMonth.of(2026, 10)),
                new StatementCalculator.LateContext(new StatementPeriod(YearMonth.of(2026, 10)), 0, null, BigDecimal.ZERO)));
        StatementLine withheld = s.lines().stream()
                .filter(l -> StatementLine.Kind.FEES_WITHHELD_ON_CHAIN.equals(l.kind())).findFirst().orElseThrow();
        assertEquals("-0.15", Money.usd(withheld.amountUsd()), "this month's and the late treasury fees");
        assertEquals("0.15", Money.usd(s.feesUsd()), "the fees are still shown in full");
        assertEquals("0.05", Money.usd(s.totalExactUsd()), "only the direct payments' $0.05 is due");
        assertEquals(0, s.lines().stream().filter(StatementLine::isCharge).map(StatementLine::amountUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add).compareTo(s.totalExactUsd()), "the total is the sum of the charges");
        Statement direct = compute(List.of(cell(null, "small", 1, "0.05")), plan(null, "0"), Map.of());
        assertEquals(0, direct.lines().stream().filter(l -> StatementLine.Kind.FEES_WITHHELD_ON_CHAIN.equals(l.kind()))
                .count(), "no line for a merchant without treasury payments");
    }

    @Test
    void theTotalIsRoundedOnceHalfUpToCentsFromExactLines() {
        // three fees of $0.001665 sum to $0.004995: each alone would round to $0.00, the total to $0.00 too
        Statement down = compute(List.of(cell(null, "micro", 3, "0.004995")), plan(null, "0"), Map.of());
        assertEquals("0.004995", Money.usd(down.totalExactUsd()));
        assertEquals("0.00", down.totalDueUsd().toPlainString());
        Statement up = compute(List.of(cell(null, "micro", 1, "0.004995"), cell(null, "small", 1, "0.000005")),
                plan(null, "0"), Map.of());
        assertEquals("0.005", Money.usd(up.totalExactUsd()));
        assertEquals("0.01", up.totalDueUsd().toPlainString(), "half-up at exactly half a cent");
    }

    @Test
    void overageIsTheCountAboveTheAllowanceAtTheEndPlansPriceAndNoneWhenUnlimited() {
        List<StatementCalculator.Cell> cells = List.of(cell(null, "micro", 1003, "10.03"));
        Statement limited = compute(cells, plan(1000L, "0.01"), Map.of());
        assertEquals(3, limited.overageTransactions());
        assertEquals("0.03", Money.usd(limited.overageUsd()));
        Statement unlimited = compute(cells, plan(null, "0"), Map.of());
        assertEquals(0, unlimited.overageTransactions());
        Statement exactly = compute(List.of(cell(null, "micro", 1000, "10.00")), plan(1000L, "0.01"), Map.of());
        assertEquals(0, exactly.overageTransactions(), "the 1,000th transaction is included");
    }

    @Test
    void theCommitmentDiscountIsTakenOffEachChargeAndOffACredit() {
        MonthTerms terms = new MonthTerms("g", "Growth", true, 3, null, BigDecimal.ZERO, List.of(
                new MonthTerms.SubscriptionCharge("Growth", "year 2", BigDecimal.ONE, new BigDecimal("1000000"),
                        new BigDecimal("1000000"), new BigDecimal("0.15"), 3),
                new MonthTerms.SubscriptionCharge("Foundation", "credit", new BigDecimal("-0.5"), new BigDecimal("500000"),
                        new BigDecimal("-250000"), new BigDecimal("0.15"), 3)));
        Statement s = compute(List.of(), terms, Map.of());
        assertEquals("750000.00", Money.usd(s.subscriptionUsd()));
        assertEquals("112500.00", Money.usd(s.discountUsd()), "15% of 1,000,000 less 15% of the 250,000 credit");
        assertEquals("637500.00", s.totalDueUsd().toPlainString());
        assertEquals(List.of("subscription", "commitment_discount", "subscription_credit", "commitment_discount"),
                s.lines().stream().filter(StatementLine::isCharge).map(StatementLine::kind)
                        .filter(k -> !k.equals("transaction_fees")).toList());
    }

    @Test
    void lateSettlementsAddTheirFeesAndOnlyTheOverageTheirMonthHadNotYetCharged() {
        StatementPeriod oct = NOV.previous();
        List<StatementCalculator.Cell> cells = List.of(cell(null, "micro", 10, "0.10"), cell(oct, "micro", 5, "0.05"));
        // October had counted 998 of 1,000 included: of the 5 late ones, 3 are overage at October's $0.01
        Statement s = compute(cells, plan(1000L, "0.02"), Map.of(oct,
                new StatementCalculator.LateContext(oct, 998, 1000L, new BigDecimal("0.01"))));
        assertEquals(10, s.transactions(), "late settlements are not the month's own");
        assertEquals("0.08", Money.usd(s.adjustmentsUsd()));
        StatementLine overage = s.lines().stream().filter(l -> "adjustment_overage".equals(l.kind())).findFirst()
                .orElseThrow();
        assertEquals(3L, overage.transactions());
        assertEquals(oct, overage.period());
        assertEquals("0.18", Money.usd(s.totalExactUsd()));
    }

    @Test
    void feesAreBrokenDownByBandInBandOrderAndByNetwork() {
        Statement s = compute(List.of(cell(null, "large", 1, "5.00"), cell(null, "micro", 2, "0.02"),
                cell(null, "medium", 1, "0.20")), plan(null, "0"), Map.of());
        assertEquals(List.of("micro", "medium", "large"), s.lines().stream()
                .filter(l -> l.section().equals(StatementLine.FEES_BY_BAND)).map(StatementLine::band).toList());
        StatementLine network = s.lines().stream().filter(l -> l.section().equals(StatementLine.FEES_BY_NETWORK))
                .findFirst().orElseThrow();
        assertEquals(4L, network.transactions());
        assertEquals("5.22", Money.usd(network.amountUsd()));
        assertEquals("4.00", Money.usd(s.volumeUsd()));
    }
}
