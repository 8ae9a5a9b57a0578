package io.sippar.billing;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * One line of a statement, in the single shape that is stored, rendered as JSON and exported as CSV.
 * Which fields are set depends on the section and kind (see README, Statements).
 *
 * @param section {@code volume}, {@code fees_by_band}, {@code fees_by_network} or {@code charge}
 * @param kind for charges: what the line charges (see {@link Kind}); for breakdowns, the section again
 * @param period for adjustments: the closed period the late settlements belong to
 * @param amountUsd exact USD: volume value, fees, or the charge (negative for a discount); null when
 *     the volume of an asset without a USD value
 */
public record StatementLine(String section, String kind, String description, StatementPeriod period, String band,
        String network, String asset, Integer decimals, Long transactions, BigInteger volumeAtomic,
        BigInteger feeAtomic, BigDecimal quantity, BigDecimal unitPriceUsd, BigDecimal amountUsd) {

    /** Sections, in the order a statement lists them. */
    public static final String VOLUME = "volume";
    public static final String FEES_BY_BAND = "fees_by_band";
    public static final String FEES_BY_NETWORK = "fees_by_network";
    public static final String CHARGE = "charge";

    /** Kinds of charge lines: together they make the total due. */
    public static final class Kind {
        public static final String TRANSACTION_FEES = "transaction_fees";
        public static final String SUBSCRIPTION = "subscription";
        public static final String SUBSCRIPTION_CREDIT = "subscription_credit";
        public static final String COMMITMENT_DISCOUNT = "commitment_discount";
        public static final String OVERAGE = "overage";
        public static final String ADJUSTMENT_FEES = "adjustment_fees";
        public static final String ADJUSTMENT_OVERAGE = "adjustment_overage";
        /** Minus the fees of treasury-mode payments (this month's and late ones): the gateway kept them on chain. */
        public static final String FEES_WITHHELD_ON_CHAIN = "fees_withheld_on_chain";

        private Kind() {
        }
    }

    /** Whether this line adds to the total due. */
    public boolean isCharge() {
        return CHARGE.equals(section);
    }
}
