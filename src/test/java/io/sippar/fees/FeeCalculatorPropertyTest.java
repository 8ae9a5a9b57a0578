package io.sippar.fees;

import static io.sippar.fees.Fees.SETTLED;
import static io.sippar.fees.Fees.charge;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hand-rolled property tests over many seeded random payments. The seed is fixed so a failure
 * reproduces; each assertion message carries the failing request.
 */
class FeeCalculatorPropertyTest {

    private static final long SEED = 20261123L;
    private static final int CASES = 20_000;
    private static final String[] TIERS = {null, "standard", "enterprise", "high-frequency"};
    private static final BigDecimal FIVE_PERCENT = new BigDecimal("0.05");

    private final Random random = new Random(SEED);

    @Test
    void matchesAnIndependentReferenceModelOfTheSeedSchedule() {
        for (int i = 0; i < CASES; i++) {
            int decimals = random.nextBoolean() ? 6 : 18;
            FeeRequest r = randomFlags(FeeRequest.stablecoin(randomAmount(decimals), decimals, SETTLED));
            Fee fee = charge(r);
            assertEquals(reference(r), fee.atomic(), r::toString);
            assertEquals(referenceBand(usd(r)), fee.band(), r::toString);
        }
    }

    @Test
    void neverNegativeNeverAboveTheCapOrThePaymentAndWithinHalfAUnitOfTheExactRule() {
        for (int i = 0; i < CASES; i++) {
            int decimals = random.nextInt(19);
            BigDecimal rate = random.nextInt(4) == 0 ? null : randomRate();
            BigInteger amount = randomAmount(decimals);
            FeeRequest r = randomFlags(rate == null ? FeeRequest.stablecoin(amount, decimals, SETTLED)
                    : FeeRequest.priced(amount, decimals, rate, SETTLED));
            Fee fee = charge(r);
            BigInteger cap = new BigDecimal(amount).multiply(FIVE_PERCENT).setScale(0, RoundingMode.FLOOR)
                    .toBigIntegerExact();
            assertTrue(fee.atomic().signum() >= 0, r::toString);
            assertTrue(fee.atomic().compareTo(cap) <= 0, () -> "above 5% cap: " + fee + " for " + r);
            assertTrue(fee.atomic().compareTo(amount) <= 0, () -> "above payment: " + fee + " for " + r);
            BigDecimal exact = exactUncappedAtomic(r);
            if (fee.rule().contains("capped")) {
                assertEquals(cap, fee.atomic(), r::toString);
                assertTrue(exact.compareTo(new BigDecimal(cap)) > 0, r::toString);
            } else {
                BigDecimal error = new BigDecimal(fee.atomic()).subtract(exact).abs();
                assertTrue(error.compareTo(new BigDecimal("0.5")) <= 0, () -> "rounding error " + error + " for " + r);
            }
            // usd is the value of the atomic fee, never a separately rounded figure
            BigDecimal effectiveRate = rate == null ? BigDecimal.ONE : rate;
            assertEquals(0, new BigDecimal(fee.atomic()).multiply(effectiveRate).movePointLeft(decimals)
                    .compareTo(fee.usd()), r::toString);
        }
    }

    @Test
    void isMonotoneNonDecreasingInTheAmountWithinABand() {
        for (int i = 0; i < CASES; i++) {
            int decimals = random.nextBoolean() ? 6 : 18;
            BigDecimal rate = random.nextBoolean() ? null : randomRate();
            BigInteger a = randomAmount(decimals);
            BigInteger b = a.add(randomAmount(random.nextInt(decimals + 1)));
            FeeRequest ra = randomFlags(rate == null ? FeeRequest.stablecoin(a, decimals, SETTLED)
                    : FeeRequest.priced(a, decimals, rate, SETTLED));
            FeeRequest rb = ra.amount(b);
            Fee fa = charge(ra);
            Fee fb = charge(rb);
            if (fa.band().equals(fb.band())) {
                assertTrue(fa.atomic().compareTo(fb.atomic()) <= 0, () -> fa + " > " + fb + " for " + ra + " / " + rb);
            }
        }
    }

    @Test
    void givesTheSameFeeForTheSameInputEveryTime() {
        var reloaded = new FeeCalculator(FeeScheduleJson.parse(FeeScheduleJson.write(Fees.DEFAULT), "reloaded"));
        for (int i = 0; i < CASES / 4; i++) {
            int decimals = random.nextInt(19);
            FeeRequest r = randomFlags(FeeRequest.priced(randomAmount(decimals), decimals, randomRate(), SETTLED));
            Fee first = charge(r);
            assertEquals(first, charge(r), r::toString);
            assertEquals(first, charge(reloaded, r), r::toString);
        }
    }

    @Test
    void chargesTheSameUsdWhateverTheAssetsDecimals() {
        BigInteger scale = BigInteger.TEN.pow(12);
        BigDecimal sixDecimalUnit = new BigDecimal("0.000001");
        for (int i = 0; i < CASES; i++) {
            FeeRequest r6 = randomFlags(FeeRequest.stablecoin(randomAmount(6), 6, SETTLED));
            FeeRequest r18 = new FeeRequest(r6.amountAtomic().multiply(scale), 18, true, null, SETTLED,
                    r6.crossChainTier(), r6.agentMonthlyTransactions(), r6.plan());
            Fee f6 = charge(r6);
            Fee f18 = charge(r18);
            assertEquals(f6.band(), f18.band(), r6::toString);
            assertTrue(f6.usd().subtract(f18.usd()).abs().compareTo(sixDecimalUnit) < 0, () -> f6 + " vs " + f18);
            if (!f6.rule().contains("capped") && !f18.rule().contains("capped")) {
                // every seed rate has at most 6 fractional digits as a fraction, so the 18-decimal fee
                // is exact and rounding it to 6 decimals must give the 6-decimal fee
                assertEquals(f6.atomic(), new BigDecimal(f18.atomic()).divide(new BigDecimal(scale), 0,
                        RoundingMode.HALF_UP).toBigIntegerExact(), () -> f6 + " vs " + f18);
            }
        }
    }

    @Test
    void chargesTheSameUsdWhateverTheAssetsRate() {
        // k units of an asset worth $r each is the same payment as k*r of a stablecoin
        for (int i = 0; i < CASES; i++) {
            BigInteger rateInt = BigInteger.valueOf(1 + random.nextInt(5000));
            FeeRequest priced = randomFlags(FeeRequest.priced(randomAmount(6), 6, new BigDecimal(rateInt), SETTLED));
            FeeRequest stable = new FeeRequest(priced.amountAtomic().multiply(rateInt), 6, true, null, SETTLED,
                    priced.crossChainTier(), priced.agentMonthlyTransactions(), priced.plan());
            Fee fp = charge(priced);
            Fee fs = charge(stable);
            assertEquals(fs.band(), fp.band(), priced::toString);
            // each side is within half of its own smallest unit of the same exact USD fee (when neither is capped)
            if (!fp.rule().contains("capped") && !fs.rule().contains("capped")) {
                BigDecimal tolerance = new BigDecimal(rateInt).add(BigDecimal.ONE).movePointLeft(6).divide(BigDecimal.TWO);
                assertTrue(fp.usd().subtract(fs.usd()).abs().compareTo(tolerance) <= 0, () -> fp + " vs " + fs);
            }
        }
    }

    // --- generators ---

    /** Amounts spread over every order of magnitude, with a third of them pinned near a band edge. */
    private BigInteger randomAmount(int decimals) {
        if (random.nextInt(3) == 0) {
            String[] edges = {"1", "100", "10000", "0.2"};
            // a 0-decimal asset cannot express $0.20: take the nearest unit above
            BigInteger edge = new BigDecimal(edges[random.nextInt(edges.length)]).movePointRight(decimals)
                    .setScale(0, RoundingMode.CEILING).toBigIntegerExact();
            BigInteger offset = BigInteger.valueOf(random.nextInt(7) - 3);
            BigInteger v = edge.add(offset);
            return v.signum() < 0 ? BigInteger.ZERO : v;
        }
        int digits = 1 + random.nextInt(decimals + 9);
        return new BigInteger(digits * 4, random).mod(BigInteger.TEN.pow(digits));
    }

    /** Rates from fractions of a cent to tens of thousands of dollars, with awkward digits. */
    private BigDecimal randomRate() {
        return BigDecimal.valueOf(1 + random.nextInt(9_999_999), random.nextInt(10));
    }

    private FeeRequest randomFlags(FeeRequest r) {
        String tier = TIERS[random.nextInt(TIERS.length)];
        if (tier != null) {
            r = r.crossChain(tier);
        }
        if (random.nextInt(3) == 0) {
            long[] volumes = {0, 999_999, 1_000_000, 5_000_000, 10_000_000, 99_999_999, 100_000_000, 3_000_000_000L};
            r = r.agent(random.nextBoolean() ? volumes[random.nextInt(volumes.length)] : random.nextLong(200_000_000));
        }
        return r;
    }

    // --- reference model, written from the seed numbers rather than from the schedule code ---

    private static BigDecimal usd(FeeRequest r) {
        BigDecimal rate = r.usdRate() == null ? BigDecimal.ONE : r.usdRate();
        return new BigDecimal(r.amountAtomic()).multiply(rate).movePointLeft(r.decimals());
    }

    private static String referenceBand(BigDecimal usd) {
        if (usd.compareTo(BigDecimal.ONE) < 0) {
            return "micro";
        }
        if (usd.compareTo(new BigDecimal("100")) <= 0) {
            return "small";
        }
        return usd.compareTo(new BigDecimal("10000")) <= 0 ? "medium" : "large";
    }

    /** The exact fee in USD before rounding and cap. */
    private static BigDecimal exactUsdFee(FeeRequest r) {
        BigDecimal usd = usd(r);
        BigDecimal fee;
        if (r.agentMonthlyTransactions().isPresent()) {
            long v = r.agentMonthlyTransactions().getAsLong();
            String pct = v >= 100_000_000 ? "0.00001" : v >= 10_000_000 ? "0.000025" : v >= 1_000_000 ? "0.00005" : "0.0001";
            fee = usd.multiply(new BigDecimal(pct));
        } else {
            fee = switch (referenceBand(usd)) {
                case "micro" -> new BigDecimal("0.01");
                case "small" -> new BigDecimal("0.05");
                case "medium" -> usd.multiply(new BigDecimal("0.001"));
                default -> usd.multiply(new BigDecimal("0.0005"));
            };
        }
        if (r.crossChainTier().isPresent()) {
            String pct = switch (r.crossChainTier().get()) {
                case "standard" -> "0.001";
                case "enterprise" -> "0.0005";
                default -> "0.0002";
            };
            fee = fee.add(usd.multiply(new BigDecimal(pct)));
        }
        return fee;
    }

    private static BigDecimal exactUncappedAtomic(FeeRequest r) {
        BigDecimal rate = r.usdRate() == null ? BigDecimal.ONE : r.usdRate();
        return exactUsdFee(r).movePointRight(r.decimals()).divide(rate, new MathContext(200));
    }

    private static BigInteger reference(FeeRequest r) {
        BigInteger rounded = exactUsdFee(r).movePointRight(r.decimals()).setScale(0, RoundingMode.HALF_UP)
                .toBigIntegerExact();
        BigInteger cap = new BigDecimal(r.amountAtomic()).multiply(FIVE_PERCENT).setScale(0, RoundingMode.FLOOR)
                .toBigIntegerExact();
        return rounded.min(cap);
    }
}
