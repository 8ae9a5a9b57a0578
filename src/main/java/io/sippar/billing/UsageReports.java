package io.sippar.billing;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.UUID;

/** Usage reports: the month's counter joined with the merchant's plans for the month. */
@ApplicationScoped
public class UsageReports {

    private final Pool pool;
    private final Subscriptions subscriptions;

    public UsageReports(Pool pool, Subscriptions subscriptions) {
        this.pool = pool;
        this.subscriptions = subscriptions;
    }

    /** The merchant's usage in {@code period}, described as of {@code asOf}. */
    public Uni<UsageReport> report(UUID merchantId, YearMonth period, Instant asOf) {
        return subscriptions.month(merchantId, period).chain(month -> pool.preparedQuery(
                        "SELECT transactions, fees_usd FROM merchant_usage WHERE merchant_id = $1 AND period_start = $2")
                .execute(Tuple.of(merchantId, period.atDay(1)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return new UsageReport(merchantId, month, 0, BigDecimal.ZERO, asOf);
                    }
                    Row r = rows.iterator().next();
                    return new UsageReport(merchantId, month, r.getLong("transactions"), r.getBigDecimal("fees_usd"),
                            asOf);
                }));
    }
}
