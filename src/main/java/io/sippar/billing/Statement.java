package io.sippar.billing;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * A merchant's statement for one month: open (computed from the ledger on every read) or closed
 * (frozen at close; every read returns the stored figures).
 *
 * @param closedAt null while open
 * @param closedBy who closed it ({@code operator:<key id>} or {@code scheduler}); null while open
 * @param includedTransactions null = unlimited
 * @param totalExactUsd the exact sum of the charge lines
 * @param totalDueUsd {@code totalExactUsd} rounded once, half-up, to cents
 */
public record Statement(UUID merchantId, StatementPeriod period, OffsetDateTime closedAt, String closedBy,
        String planId, String planName, boolean annual, int commitmentYears, Long includedTransactions,
        BigDecimal overagePriceUsd, long transactions, long overageTransactions, BigDecimal volumeUsd,
        BigDecimal feesUsd, BigDecimal subscriptionUsd, BigDecimal discountUsd, BigDecimal overageUsd,
        BigDecimal adjustmentsUsd, BigDecimal totalExactUsd, BigDecimal totalDueUsd, List<StatementLine> lines) {

    public Statement {
        lines = List.copyOf(lines);
    }

    /** Whether the statement is frozen. */
    public boolean closed() {
        return closedAt != null;
    }

    /** The same figures, marked closed. */
    Statement closedAs(OffsetDateTime at, String by) {
        return new Statement(merchantId, period, at, by, planId, planName, annual, commitmentYears,
                includedTransactions, overagePriceUsd, transactions, overageTransactions, volumeUsd, feesUsd,
                subscriptionUsd, discountUsd, overageUsd, adjustmentsUsd, totalExactUsd, totalDueUsd, lines);
    }
}
