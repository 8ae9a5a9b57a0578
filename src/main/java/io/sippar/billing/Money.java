package io.sippar.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** USD amounts in statements: exact at 18 decimal places (the ledger's fee scale), cents only for the total due. */
final class Money {

    /** Scale of every stored USD amount (NUMERIC(38,18), as {@code payment.fee_usd}). */
    static final int SCALE = 18;
    static final BigDecimal ZERO = BigDecimal.ZERO.setScale(SCALE);

    private Money() {
    }

    /**
     * {@code v} at the stored scale. Exact for every amount the ledger produces; only prorated
     * subscription charges and their discounts can have more digits, and those round half-up here.
     */
    static BigDecimal exact(BigDecimal v) {
        return v == null ? null : v.setScale(SCALE, RoundingMode.HALF_UP);
    }

    /** The total due: rounded once, half-up, to cents. */
    static BigDecimal cents(BigDecimal v) {
        return v.setScale(2, RoundingMode.HALF_UP);
    }

    /** Wire form: plain digits, trailing zeros dropped but at least cents ({@code 0.05}, {@code 0.00005}, {@code 500.00}). */
    static String usd(BigDecimal v) {
        if (v == null) {
            return null;
        }
        BigDecimal s = v.stripTrailingZeros();
        if (s.scale() < 2) {
            s = s.setScale(2, RoundingMode.UNNECESSARY);
        }
        return s.toPlainString();
    }

    /** Wire form of a quantity or rate: plain digits, no trailing zeros. */
    static String plain(BigDecimal v) {
        if (v == null) {
            return null;
        }
        BigDecimal s = v.stripTrailingZeros();
        return (s.scale() < 0 ? s.setScale(0, RoundingMode.UNNECESSARY) : s).toPlainString();
    }
}
