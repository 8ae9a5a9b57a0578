package io.sippar.fees;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;

/** Shared fixtures: the default schedule, a settlement instant inside it, USD-to-atomic helpers. */
final class Fees {

    static final Instant SETTLED = Instant.parse("2026-06-01T12:00:00Z");
    static final FeeSchedules DEFAULT = FeeScheduleLoader.loadDefault();
    static final FeeCalculator CALC = new FeeCalculator(DEFAULT);

    private Fees() {
    }

    /** Atomic units of a 6-decimal stablecoin worth {@code dollars}. */
    static BigInteger usdc(String dollars) {
        return new BigDecimal(dollars).movePointRight(6).toBigIntegerExact();
    }

    static FeeRequest usdcPayment(String dollars) {
        return FeeRequest.stablecoin(usdc(dollars), 6, SETTLED);
    }

    static Fee charge(FeeCalculator calc, FeeRequest request) {
        return assertInstanceOf(Fee.class, calc.calculate(request), () -> "refused: " + calc.calculate(request));
    }

    static Fee charge(FeeRequest request) {
        return charge(CALC, request);
    }

    static FeeOutcome.Refused refuse(FeeRequest request) {
        FeeOutcome out = CALC.calculate(request);
        return assertInstanceOf(FeeOutcome.Refused.class, out, () -> "charged: " + out);
    }
}
