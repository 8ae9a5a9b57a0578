package io.sippar.billing;

import io.sippar.merchant.ApiError;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestMulti;

/** What the merchant and the admin statement endpoints share; they differ only in whose statements and their path. */
@ApplicationScoped
class StatementEndpoints {

    private final Statements statements;
    private final StatementsConfig config;

    StatementEndpoints(Statements statements, StatementsConfig config) {
        this.statements = statements;
        this.config = config;
    }

    Uni<List<StatementViews.ListedView>> list(UUID merchantId, String base) {
        return statements.list(merchantId)
                .map(rows -> rows.stream().map(l -> StatementViews.ListedView.of(l, base)).toList());
    }

    Uni<StatementViews.StatementView> json(UUID merchantId, String period, String base) {
        StatementPeriod p = StatementPeriod.parse(period);
        return statements.statement(merchantId, p).map(s -> StatementViews.StatementView.of(s, base));
    }

    Uni<Response> csv(UUID merchantId, String period) {
        StatementPeriod p = StatementPeriod.parse(period);
        return statements.statement(merchantId, p).map(s -> Response.ok(StatementCsv.statement(s), StatementCsv.MEDIA_TYPE)
                .header("Content-Disposition", attachment("statement-" + merchantId + "-" + p + ".csv")).build());
    }

    Uni<StatementViews.PaymentPage> page(UUID merchantId, String period, Integer limit, String after) {
        StatementPeriod p = StatementPeriod.parse(period);
        int size = limit == null ? config.pageSize() : limit;
        if (size < 1 || size > config.maxPageSize()) {
            throw ApiError.badRequest("limit must be 1 to " + config.maxPageSize());
        }
        PaymentCursor cursor = after == null || after.isBlank() ? null : PaymentCursor.decode(after);
        // one more than asked tells whether another page exists without a count over the whole month
        return statements.payments(merchantId, p, cursor, size + 1).map(rows -> {
            List<StatementRepository.PaymentLine> shown = rows.size() > size ? rows.subList(0, size) : rows;
            String next = rows.size() > size
                    ? new PaymentCursor(shown.get(size - 1).settledAt(), shown.get(size - 1).paymentId()).encode()
                    : null;
            return new StatementViews.PaymentPage(p.toString(),
                    shown.stream().map(r -> StatementViews.PaymentView.of(r, p)).toList(), next);
        });
    }

    /** Every payment of the statement as CSV, streamed page by page after the checks pass. */
    RestMulti<String> paymentsCsv(UUID merchantId, String period) {
        StatementPeriod p = StatementPeriod.parse(period);
        return RestMulti.fromUniResponse(statements.billable(merchantId, p),
                ok -> Multi.createBy().concatenating().streams(Multi.createFrom().item(StatementCsv.PAYMENTS_HEADER),
                        statements.allPayments(merchantId, p).map(rows -> StatementCsv.payments(rows, p))),
                ok -> Map.of("Content-Type", List.of(StatementCsv.MEDIA_TYPE + ";charset=UTF-8"),
                        "Content-Disposition", List.of(attachment("statement-" + merchantId + "-" + p + "-payments.csv"))));
    }

    Uni<StatementViews.ClosedView> close(UUID merchantId, String period, String closedBy, String base) {
        StatementPeriod p = StatementPeriod.parse(period);
        return statements.close(merchantId, p, closedBy)
                .map(c -> new StatementViews.ClosedView(c.closedNow(), StatementViews.StatementView.of(c.statement(), base)));
    }

    private static String attachment(String filename) {
        return "attachment; filename=\"" + filename + "\"";
    }
}
