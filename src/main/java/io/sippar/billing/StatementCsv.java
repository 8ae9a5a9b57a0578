package io.sippar.billing;

import java.util.List;

/**
 * CSV exports (RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a comma, quote or
 * line break). Text fields that a spreadsheet would run as a formula are prefixed with a quote.
 */
final class StatementCsv {

    /** Media type of the exports. */
    static final String MEDIA_TYPE = "text/csv";

    static final String STATEMENT_HEADER = "merchant_id,period,status,section,kind,description,line_period,band,network,"
            + "asset,decimals,transactions,volume_atomic,fee_atomic,quantity,unit_price_usd,amount_usd\r\n";

    static final String PAYMENTS_HEADER = "payment_id,statement_period,settled_at,settled_period,late,network,asset,payer,"
            + "amount_atomic,fee_atomic,fee_usd,fee_band,fee_rule,fee_schedule_version,tx_hash,journal_entry_id\r\n";

    private StatementCsv() {
    }

    /** The statement's lines, then its totals as rows of section {@code total}. */
    static String statement(Statement s) {
        StringBuilder out = new StringBuilder(STATEMENT_HEADER);
        String prefix = s.merchantId() + "," + s.period() + "," + (s.closed() ? "closed" : "open") + ",";
        for (StatementLine l : s.lines()) {
            out.append(prefix);
            row(out, l.section(), l.kind(), text(l.description()), l.period() == null ? "" : l.period().toString(),
                    text(l.band()), text(l.network()), text(l.asset()), str(l.decimals()), str(l.transactions()),
                    str(l.volumeAtomic()), str(l.feeAtomic()), Money.plain(l.quantity()), Money.usd(l.unitPriceUsd()),
                    Money.usd(l.amountUsd()));
        }
        total(out, prefix, "fees_usd", "Transaction fees", Money.usd(s.feesUsd()));
        total(out, prefix, "subscription_usd", "Subscription", Money.usd(s.subscriptionUsd()));
        total(out, prefix, "commitment_discount_usd", "Commitment discount", Money.usd(s.discountUsd()));
        total(out, prefix, "overage_usd", "Overage", Money.usd(s.overageUsd()));
        total(out, prefix, "adjustments_usd", "Adjustments", Money.usd(s.adjustmentsUsd()));
        total(out, prefix, "total_exact_usd", "Total (exact)", Money.usd(s.totalExactUsd()));
        total(out, prefix, "total_due_usd", "Total due (exact total rounded half-up to cents)",
                s.totalDueUsd().setScale(2).toPlainString());
        return out.toString();
    }

    /** Rows for a page of payments (no header). */
    static String payments(List<StatementRepository.PaymentLine> page, StatementPeriod statement) {
        StringBuilder out = new StringBuilder(page.size() * 320);
        for (StatementRepository.PaymentLine p : page) {
            row(out, p.paymentId().toString(), statement.toString(), p.settledAt().toString(),
                    p.settledPeriod().toString(), Boolean.toString(!p.settledPeriod().equals(statement)),
                    text(p.network()), text(p.asset()), text(p.payer()), str(p.amountAtomic()), str(p.feeAtomic()),
                    Money.usd(p.feeUsd()), text(p.feeBand()), text(p.feeRule()), text(p.feeScheduleVersion()),
                    text(p.txHash()), str(p.journalEntryId()));
        }
        return out.toString();
    }

    private static void total(StringBuilder out, String prefix, String kind, String description, String amount) {
        out.append(prefix);
        row(out, "total", kind, description, "", "", "", "", "", "", "", "", "", "", amount);
    }

    static void row(StringBuilder out, String... fields) {
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(quote(fields[i] == null ? "" : fields[i]));
        }
        out.append("\r\n");
    }

    static String quote(String field) {
        boolean needs = false;
        for (int i = 0; i < field.length() && !needs; i++) {
            char c = field.charAt(i);
            needs = c == ',' || c == '"' || c == '\r' || c == '\n';
        }
        return needs ? '"' + field.replace("\"", "\"\"") + '"' : field;
    }

    /** Free text: neutralise a leading formula character (=, +, -, @, tab, CR) with a quote. */
    static String text(String v) {
        if (v == null || v.isEmpty()) {
            return v;
        }
        char c = v.charAt(0);
        return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' ? "'" + v : v;
    }

    private static String str(Object v) {
        return v == null ? "" : v.toString();
    }
}
