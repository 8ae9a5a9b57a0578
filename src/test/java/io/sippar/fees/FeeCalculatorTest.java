package io.sippar.fees;

import static io.sippar.fees.Fees.SETTLED;
import static io.sippar.fees.Fees.charge;
import static io.sippar.fees.Fees.refuse;
import static io.sippar.fees.Fees.usdc;
import static io.sippar.fees.Fees.usdcPayment;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FeeCalculatorTest {

    @ParameterizedTest(name = "${0} -> {1}, fee {2} atomic")
    @CsvSource({
            // micro / small edge at $1: $1 itself is small ("below $1" is micro)
            "0.999999,       micro,  10000",
            "1,              small,  50000",
            "1.000001,       small,  50000",
            // small / medium edge at $100: $100 itself is small
            "99.999999,      small,  50000",
            "100,            small,  50000",
            "100.000001,     medium, 100000",
            // medium / large edge at $10,000: $10,000 itself is medium (0.1% = $10)
            "9999.999999,    medium, 10000000",
            "10000,          medium, 10000000",
            "10000.000001,   large,  5000000",
            // well inside each band
            "0.50,           micro,  10000",
            "50,             small,  50000",
            "1000,           medium, 1000000",
            "1000000,        large,  500000000",
    })
    void placesEachBandEdgeOnItsDocumentedSide(String dollars, String band, long feeAtomic) {
        Fee fee = charge(usdcPayment(dollars));
        assertEquals(band, fee.band());
        assertEquals(BigInteger.valueOf(feeAtomic), fee.atomic());
        assertEquals("2025-01-seed", fee.scheduleVersion());
    }

    @Test
    void recordsUsdAtTheAssetsScaleAndDescribesTheRule() {
        Fee fee = charge(usdcPayment("100"));
        assertEquals(new BigDecimal("0.050000"), fee.usd());
        assertEquals("small: flat 0.05 USD", fee.rule());
        assertEquals("medium: 0.1%", charge(usdcPayment("500")).rule());
    }

    @ParameterizedTest(name = "${0} pays {1} atomic")
    @CsvSource({
            // $0.001 must not pay $0.01: 5% of 1000 atomic = 50 atomic ($0.00005)
            "0.001,     50",
            "0.10,      5000",
            "0.19,      9500",
            // at $0.20 the flat $0.01 is exactly 5%: the flat fee applies, the cap does not bite
            "0.20,      10000",
            "0.21,      10000",
            // floor, not round: 5% of 19 atomic is 0.95, charged 0
            "0.000019,  0",
            "0.000020,  1",
            "0.000001,  0",
            "0,         0",
    })
    void capsAFlatFeeAboveFivePercentOfThePayment(String dollars, long feeAtomic) {
        Fee fee = charge(usdcPayment(dollars));
        assertEquals(BigInteger.valueOf(feeAtomic), fee.atomic());
        assertTrue(fee.atomic().compareTo(usdc(dollars)) <= 0, "fee above payment");
    }

    @Test
    void saysInTheRuleWhenTheCapApplied() {
        assertEquals("micro: flat 0.01 USD; capped at 5% of payment", charge(usdcPayment("0.001")).rule());
        assertFalse(charge(usdcPayment("0.20")).rule().contains("capped"));
    }

    @Test
    void neverChargesMoreThanThePaymentEvenWithAHundredPercentCap() {
        FeeSchedule s = schedule("v", "2025-01-01T00:00:00Z", "100", "5.00");
        var calc = new FeeCalculator(FeeSchedules.of(s));
        Fee fee = charge(calc, FeeRequest.stablecoin(usdc("0.30"), 6, SETTLED));
        assertEquals(usdc("0.30"), fee.atomic());
    }

    @ParameterizedTest(name = "{0} atomic -> fee {1}")
    @CsvSource({
            // medium 0.1%: 100000.5 rounds up, 100000.499 down
            "100000500,   100001",
            "100000499,   100000",
            // large 0.05%: 5000000.5 rounds up, 5000000.4995 down
            "10000001000, 5000001",
            "10000000999, 5000000",
    })
    void roundsHalfUpAtTheSmallestUnit(String atomic, String expected) {
        Fee fee = charge(FeeRequest.stablecoin(new BigInteger(atomic), 6, SETTLED));
        assertEquals(new BigInteger(expected), fee.atomic());
    }

    @Test
    void roundsAgentFeesHalfUp() {
        // 0.01% of 5000 atomic = 0.5 -> 1; of 4999 = 0.4999 -> 0
        assertEquals(BigInteger.ONE, charge(FeeRequest.stablecoin(BigInteger.valueOf(5000), 6, SETTLED).agent(0)).atomic());
        assertEquals(BigInteger.ZERO, charge(FeeRequest.stablecoin(BigInteger.valueOf(4999), 6, SETTLED).agent(0)).atomic());
    }

    @Test
    void roundsAFlatFeeConvertedAtANonStableRateHalfUp() {
        // 100 whole units of a 0-decimal asset at $0.004 = $0.40, micro: $0.01 / 0.004 = 2.5 units -> 3
        Fee fee = charge(FeeRequest.priced(BigInteger.valueOf(100), 0, new BigDecimal("0.004"), SETTLED));
        assertEquals("micro", fee.band());
        assertEquals(BigInteger.valueOf(3), fee.atomic());
        assertEquals(new BigDecimal("0.012"), fee.usd());
    }

    @Test
    void chargesEighteenDecimalStablecoinsOnTheSameEdges() {
        BigInteger oneDollar = BigInteger.TEN.pow(18);
        assertEquals("micro", charge(FeeRequest.stablecoin(oneDollar.subtract(BigInteger.ONE), 18, SETTLED)).band());
        Fee one = charge(FeeRequest.stablecoin(oneDollar, 18, SETTLED));
        assertEquals("small", one.band());
        assertEquals(new BigInteger("50000000000000000"), one.atomic());
        assertEquals(new BigDecimal("0.050000000000000000"), one.usd());

        BigInteger hundred = oneDollar.multiply(BigInteger.valueOf(100));
        assertEquals("small", charge(FeeRequest.stablecoin(hundred, 18, SETTLED)).band());
        Fee justAbove = charge(FeeRequest.stablecoin(hundred.add(BigInteger.ONE), 18, SETTLED));
        assertEquals("medium", justAbove.band());
        // 0.1% of (10^20 + 1) = 10^17 + 0.001 -> 10^17
        assertEquals(BigInteger.TEN.pow(17), justAbove.atomic());

        BigInteger tenK = oneDollar.multiply(BigInteger.valueOf(10_000));
        assertEquals("medium", charge(FeeRequest.stablecoin(tenK, 18, SETTLED)).band());
        assertEquals("large", charge(FeeRequest.stablecoin(tenK.add(BigInteger.ONE), 18, SETTLED)).band());
    }

    @Test
    void valuesANonStableEighteenDecimalAssetAtTheGivenRate() {
        // 0.0001 ETH at $3000 = $0.30, micro: $0.01 = 1/300000 ETH = 3333333333333.33 wei -> 3333333333333
        Fee fee = charge(FeeRequest.priced(BigInteger.TEN.pow(14), 18, new BigDecimal("3000"), SETTLED));
        assertEquals("micro", fee.band());
        assertEquals(new BigInteger("3333333333333"), fee.atomic());
        assertEquals(new BigDecimal("0.009999999999999000"), fee.usd());

        // 5 ETH at $3000.17 = $15000.85, large: 0.05% of 5 ETH = 0.0025 ETH
        Fee large = charge(FeeRequest.priced(BigInteger.TEN.pow(18).multiply(BigInteger.valueOf(5)), 18,
                new BigDecimal("3000.17"), SETTLED));
        assertEquals("large", large.band());
        assertEquals(new BigInteger("2500000000000000"), large.atomic());
        assertEquals(new BigDecimal("7.50042500000000000000"), large.usd());
    }

    @Test
    void picksTheBandFromTheUsdValueNotTheTokenAmount() {
        // 1 unit of a 6-decimal asset at $100.000001 is medium although it is "1 token"
        Fee fee = charge(FeeRequest.priced(BigInteger.TEN.pow(6), 6, new BigDecimal("100.000001"), SETTLED));
        assertEquals("medium", fee.band());
    }

    @Test
    void addsTheCrossChainPercentToTheBandFee() {
        // $500 medium 0.1% + standard 0.1% = $1.00
        Fee fee = charge(usdcPayment("500").crossChain("standard"));
        assertEquals(usdc("1"), fee.atomic());
        assertEquals("medium", fee.band());
        assertEquals("medium: 0.1%; cross-chain standard 0.1%", fee.rule());
        // $0.50 micro $0.01 + 0.1% ($0.0005) = $0.0105
        assertEquals(usdc("0.0105"), charge(usdcPayment("0.50").crossChain("standard")).atomic());
        // $20000 large 0.05% + enterprise 0.05% = $20; + high-frequency 0.02% = $14
        assertEquals(usdc("20"), charge(usdcPayment("20000").crossChain("enterprise")).atomic());
        assertEquals(usdc("14"), charge(usdcPayment("20000").crossChain("high-frequency")).atomic());
    }

    @Test
    void refusesAnUnknownCrossChainTier() {
        var refused = refuse(usdcPayment("10").crossChain("premium"));
        assertEquals(FeeOutcome.Reason.UNKNOWN_CROSS_CHAIN_TIER, refused.reason());
        assertTrue(refused.detail().contains("premium"), refused.detail());
    }

    @ParameterizedTest(name = "{0} agent tx this month -> {1}% of $1000 = {2} atomic")
    @CsvSource({
            "0,           0.01,   100000",
            "999999,      0.01,   100000",
            "1000000,     0.005,  50000",
            "9999999,     0.005,  50000",
            "10000000,    0.0025, 25000",
            "100000000,   0.001,  10000",
            "5000000000,  0.001,  10000",
    })
    void appliesTheAgentVolumeTierInsteadOfTheBandFee(long volume, String percent, long feeAtomic) {
        Fee fee = charge(usdcPayment("1000").agent(volume));
        assertEquals(BigInteger.valueOf(feeAtomic), fee.atomic());
        assertEquals("medium", fee.band(), "band still reports the value band");
        assertTrue(fee.rule().startsWith("ai-agent " + percent + "%"), fee.rule());
    }

    @Test
    void addsCrossChainToTheAgentRate() {
        // $1000 at 0.005% + 0.05% = $0.55
        Fee fee = charge(usdcPayment("1000").agent(2_000_000).crossChain("enterprise"));
        assertEquals(usdc("0.55"), fee.atomic());
        assertEquals("ai-agent 0.005% (from 1000000 tx/month); cross-chain enterprise 0.05%", fee.rule());
    }

    @Test
    void appliesPlanOverridesAndFallsBackToTheBaseForOtherPlans() {
        FeeSchedule base = Fees.DEFAULT.versions().get(0);
        var override = new PlanOverride(Map.of("large", new FeeRule.Percent(new BigDecimal("0.04"))),
                Map.of("standard", new BigDecimal("0.05")),
                List.of(new AgentTier(0, new BigDecimal("0.005")), new AgentTier(1_000_000, new BigDecimal("0.001"))));
        var s = new FeeSchedule("with-plans", base.effectiveFrom(), base.capPercentOfPayment(), base.bands(),
                base.crossChainPercent(), base.aiAgent(), Map.of("enterprise", override));
        var calc = new FeeCalculator(FeeSchedules.of(s));

        Fee enterprise = charge(calc, usdcPayment("20000").plan("enterprise").crossChain("standard"));
        // 0.04% + 0.05% of $20000 = $18
        assertEquals(usdc("18"), enterprise.atomic());
        assertEquals("large: 0.04% (plan enterprise); cross-chain standard 0.05% (plan enterprise)", enterprise.rule());
        // base: 0.05% + 0.1% = $30
        assertEquals(usdc("30"), charge(calc, usdcPayment("20000").plan("business").crossChain("standard")).atomic());
        assertEquals(usdc("30"), charge(calc, usdcPayment("20000").crossChain("standard")).atomic());
        // un-overridden band for the overridden plan uses the base fee
        assertEquals(usdc("0.05"), charge(calc, usdcPayment("50").plan("enterprise")).atomic());
        // agent tiers override: $1000 at 0.005% = $0.05
        assertEquals(usdc("0.05"), charge(calc, usdcPayment("1000").plan("enterprise").agent(10)).atomic());
    }

    @Test
    void refusesANonStableAssetWithoutARate() {
        var refused = refuse(FeeRequest.priced(BigInteger.TEN.pow(18), 18, null, SETTLED));
        assertEquals(FeeOutcome.Reason.MISSING_USD_RATE, refused.reason());
    }

    @Test
    void refusesANonPositiveRate() {
        assertEquals(FeeOutcome.Reason.INVALID_USD_RATE,
                refuse(FeeRequest.priced(BigInteger.TEN, 18, BigDecimal.ZERO, SETTLED)).reason());
        assertEquals(FeeOutcome.Reason.INVALID_USD_RATE,
                refuse(FeeRequest.priced(BigInteger.TEN, 18, new BigDecimal("-1"), SETTLED)).reason());
    }

    @Test
    void valuesStablecoinsOneToOneAndRefusesAConflictingRate() {
        var withOne = new FeeRequest(usdc("50"), 6, true, new BigDecimal("1.00"), SETTLED,
                java.util.Optional.empty(), java.util.OptionalLong.empty(), java.util.Optional.empty());
        assertEquals(usdc("0.05"), charge(withOne).atomic());
        var depegged = new FeeRequest(usdc("50"), 6, true, new BigDecimal("0.98"), SETTLED,
                java.util.Optional.empty(), java.util.OptionalLong.empty(), java.util.Optional.empty());
        assertEquals(FeeOutcome.Reason.INCONSISTENT_USD_RATE, refuse(depegged).reason());
    }

    @Test
    void refusesAPaymentSettledBeforeTheFirstSchedule() {
        var refused = refuse(FeeRequest.stablecoin(usdc("5"), 6, Instant.parse("2024-12-31T23:59:59Z")));
        assertEquals(FeeOutcome.Reason.NO_SCHEDULE_IN_FORCE, refused.reason());
    }

    @Test
    void chargesByTheVersionInForceWhenThePaymentSettled() {
        var v1 = schedule("v1", "2025-01-01T00:00:00Z", "5", "0.05");
        var v2 = schedule("v2", "2026-03-01T00:00:00Z", "5", "0.04");
        var calc = new FeeCalculator(FeeSchedules.of(v2, v1));
        Fee before = charge(calc, FeeRequest.stablecoin(usdc("50"), 6, Instant.parse("2026-02-28T23:59:59.999Z")));
        Fee at = charge(calc, FeeRequest.stablecoin(usdc("50"), 6, Instant.parse("2026-03-01T00:00:00Z")));
        assertEquals("v1", before.scheduleVersion());
        assertEquals(usdc("0.05"), before.atomic());
        assertEquals("v2", at.scheduleVersion());
        assertEquals(usdc("0.04"), at.atomic());
    }

    @Test
    void rejectsStructurallyImpossibleRequests() {
        assertThrows(IllegalArgumentException.class, () -> FeeRequest.stablecoin(BigInteger.valueOf(-1), 6, SETTLED));
        assertThrows(IllegalArgumentException.class, () -> FeeRequest.stablecoin(BigInteger.ONE, -1, SETTLED));
        assertThrows(IllegalArgumentException.class, () -> FeeRequest.stablecoin(BigInteger.ONE, 6, SETTLED).agent(-1));
    }

    /** The default bands with the micro and small flat fees set to {@code flatUsd}, for version and cap tests. */
    static FeeSchedule schedule(String version, String from, String capPercent, String flatUsd) {
        FeeSchedule base = Fees.DEFAULT.versions().get(0);
        var bands = base.bands().stream()
                .map(b -> b.name().equals("small") || b.name().equals("micro")
                        ? new Band(b.name(), b.upToUsd(), b.upToInclusive(), new FeeRule.Flat(new BigDecimal(flatUsd)))
                        : b)
                .toList();
        return new FeeSchedule(version, Instant.parse(from), new BigDecimal(capPercent), bands,
                base.crossChainPercent(), base.aiAgent(), Map.of());
    }
}
