package io.sippar.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.sippar.testsupport.Settlements;
import io.sippar.ledger.MerchantRepository;
import io.sippar.ledger.PaymentRepository;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The 80% / 100% notices are written by the settlement that crosses the threshold, once per merchant,
 * month and threshold, also with hundreds of settlements racing; and the database's allowance agrees
 * with {@link PlanMonth}'s.
 */
@QuarkusTest
class UsageNoticeTest {

    private static final Duration DB = Duration.ofSeconds(30);

    @Inject
    Pool pool;
    @Inject
    PaymentRepository payments;
    @Inject
    MerchantRepository merchants;
    @Inject
    Subscriptions subscriptions;

    private UUID merchant(String plan) {
        return merchants.upsert("n-" + UUID.randomUUID().toString().substring(0, 12), "Notices", plan).await().atMost(DB);
    }

    private List<Row> notices(UUID merchant) {
        List<Row> out = new ArrayList<>();
        pool.preparedQuery("SELECT * FROM usage_notice WHERE merchant_id = $1 ORDER BY period_start, threshold")
                .execute(Tuple.of(merchant)).await().atMost(DB).forEach(out::add);
        return out;
    }

    private Row usage(UUID merchant, LocalDate month) {
        return pool.preparedQuery("SELECT * FROM merchant_usage WHERE merchant_id = $1 AND period_start = $2")
                .execute(Tuple.of(merchant, month)).await().atMost(DB).iterator().next();
    }

    private static LocalDate thisMonth() {
        return LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);
    }

    @Test
    void concurrentSettlementsCrossingBothThresholdsWriteExactlyOneNoticeEach() {
        UUID m = merchant("developer");
        BillingFixtures.setUsage(pool, m, 780, 0);
        assertEquals(250L, Settlements.settle(payments, m, 250));
        Row counter = usage(m, thisMonth());
        assertEquals(1030L, counter.getLong("transactions"));
        assertEquals(100, counter.getInteger("notified_threshold"));
        List<Row> n = notices(m);
        assertEquals(2, n.size(), n.toString());
        assertEquals(80, n.get(0).getInteger("threshold"));
        assertEquals(800L, n.get(0).getLong("used"), "the settlement that made 800 wrote the 80% notice");
        assertEquals(1000L, n.get(0).getLong("included"));
        assertEquals("developer", n.get(0).getString("plan_id"));
        assertEquals(100, n.get(1).getInteger("threshold"));
        assertEquals(1000L, n.get(1).getLong("used"));
        // the ledger stays balanced and every settlement counted once
        assertEquals(List.of(), payments.unbalancedEntries().await().atMost(DB));
    }

    @Test
    void aNewMonthStartsFresh() {
        UUID m = merchant("developer");
        LocalDate lastMonth = thisMonth().minusMonths(1);
        pool.withTransaction(c -> c.query("SET LOCAL sippar.billing_history_repair = 'on'").execute()
                .chain(() -> c.preparedQuery("UPDATE merchant_subscription SET effective_from = $2 WHERE merchant_id = $1")
                        .execute(Tuple.of(m, lastMonth.atStartOfDay().atOffset(ZoneOffset.UTC))))
                .chain(() -> c.preparedQuery("""
                        INSERT INTO merchant_usage (merchant_id, period_start, transactions, notified_threshold)
                        VALUES ($1, $2, 1000, 100)""").execute(Tuple.of(m, lastMonth)))
                .chain(() -> c.preparedQuery("""
                        INSERT INTO usage_notice (merchant_id, period_start, threshold, used, included, plan_id, status)
                        VALUES ($1, $2, 80, 800, 1000, 'developer', 'no_webhook'),
                               ($1, $2, 100, 1000, 1000, 'developer', 'no_webhook')""").execute(Tuple.of(m, lastMonth))))
                .await().atMost(DB);
        // last month's full counter neither stops nor pre-notifies this month
        BillingFixtures.setUsage(pool, m, 798, 0);
        assertEquals(1L, Settlements.settle(payments, m, 1));
        assertEquals(2, notices(m).size());
        assertEquals(1L, Settlements.settle(payments, m, 1));
        List<Row> n = notices(m);
        assertEquals(3, n.size());
        assertEquals(thisMonth(), n.get(2).getLocalDate("period_start"));
        assertEquals(80, n.get(2).getInteger("threshold"));
        assertEquals(800L, n.get(2).getLong("used"));
        assertEquals(1000L, usage(m, lastMonth).getLong("transactions"));
    }

    @Test
    void unlimitedPlansAreNeverNotified() {
        UUID m = merchant("enterprise");
        BillingFixtures.setUsage(pool, m, 5_000_000, 0);
        assertEquals(3L, Settlements.settle(payments, m, 3));
        assertEquals(0, notices(m).size());
        assertEquals(0, usage(m, thisMonth()).getInteger("notified_threshold"));
    }

    @Test
    void anUpgradeMidMonthMovesTheNextThreshold() {
        UUID m = merchant("developer");
        BillingFixtures.setUsage(pool, m, 850, 80);
        subscriptions.change(m, "professional", null, PlanChangeRule.Timing.RULE, "api", "test").await().atMost(DB);
        assertEquals(200L, Settlements.settle(payments, m, 200));
        // 1,050 is far below the month's allowance now: no 100% notice
        assertEquals(0, notices(m).size());
        PlanMonth month = subscriptions.month(m, YearMonth.now(ZoneOffset.UTC)).await().atMost(DB);
        assertTrue(month.included().getAsLong() > 1050, month.toString());
        assertEquals(month.included(), sqlAllowance(m, YearMonth.now(ZoneOffset.UTC)));
    }

    private OptionalLong sqlAllowance(UUID m, YearMonth month) {
        Row r = pool.preparedQuery("SELECT * FROM merchant_allowance($1, $2, now())")
                .execute(Tuple.of(m, month.atDay(1))).await().atMost(DB).iterator().next();
        Long included = r.getLong("included");
        return included == null ? OptionalLong.empty() : OptionalLong.of(included);
    }

    /** Writes a past history for a fresh merchant (the repair switch lifts the guard for this transaction). */
    private UUID withHistory(String[][] segments) {
        UUID m = UUID.randomUUID();
        OffsetDateTime created = OffsetDateTime.parse(segments[0][1]);
        pool.withTransaction(c -> {
            var chain = c.query("SET LOCAL sippar.billing_history_repair = 'on'").execute()
                    .chain(() -> c.preparedQuery("INSERT INTO merchant (id, slug, name, plan, created_at) "
                            + "VALUES ($1, $2, 'History', $3, $4)").execute(Tuple.of(m, "h-" + m.toString().substring(0, 12),
                            segments[0][0], created)));
            if (segments.length > 1) {
                chain = chain.chain(() -> c.preparedQuery("UPDATE merchant_subscription SET effective_to = $2 "
                        + "WHERE merchant_id = $1").execute(Tuple.of(m, OffsetDateTime.parse(segments[1][1]))));
            }
            for (int i = 1; i < segments.length; i++) {
                String[] s = segments[i];
                OffsetDateTime to = i + 1 < segments.length ? OffsetDateTime.parse(segments[i + 1][1]) : null;
                chain = chain.chain(() -> c.preparedQuery("INSERT INTO merchant_subscription (merchant_id, plan_id, "
                        + "commitment_years, effective_from, effective_to, source) VALUES ($1, $2, $3, $4, $5, 'api')")
                        .execute(Tuple.of(m, s[0], s[0].startsWith("enterprise-") ? (short) 1 : null,
                                OffsetDateTime.parse(s[1]), to)));
            }
            return chain;
        }).await().atMost(DB);
        return m;
    }

    @Test
    void theDatabasesAllowanceIsTheJavaOne() {
        String[][][] histories = {
            {{"professional", "2025-01-01T00:00:00Z"}},
            {{"professional", "2025-01-01T00:00:00Z"}, {"business", "2025-03-21T15:30:00Z"}},
            {{"developer", "2025-03-25T08:00:00Z"}},
            {{"business", "2025-01-01T00:00:00Z"}, {"enterprise", "2025-03-31T12:00:00Z"}},
            {{"developer", "2025-01-01T00:00:00Z"}, {"professional", "2025-02-10T00:00:00Z"},
                {"business", "2025-03-05T09:00:00Z"}, {"enterprise-growth", "2025-03-05T17:00:00Z"}},
            {{"enterprise-growth", "2025-01-01T00:00:00Z"}, {"professional", "2025-03-01T00:00:00Z"}},
        };
        for (String[][] h : histories) {
            UUID m = withHistory(h);
            List<Subscription> history = subscriptions.history(m).await().atMost(DB);
            for (YearMonth month : List.of(YearMonth.of(2025, 1), YearMonth.of(2025, 2), YearMonth.of(2025, 3),
                    YearMonth.of(2025, 4))) {
                PlanMonth java = PlanMonth.of(month, history, subscriptions.catalog());
                var rows = pool.preparedQuery("SELECT * FROM merchant_allowance($1, $2, $3)")
                        .execute(Tuple.of(m, month.atDay(1), month.atDay(15).atStartOfDay().atOffset(ZoneOffset.UTC)))
                        .await().atMost(DB);
                if (!java.subscribed()) {
                    assertEquals(0, rows.size(), month + " of " + history + ": no plan, no allowance");
                    continue;
                }
                assertEquals(java.included(), sqlAllowance(m, month), month + " of " + history);
                Row r = rows.iterator().next();
                assertEquals(java.unlimited(), r.getBoolean("unlimited"), month + " of " + history);
                Instant mid = month.atDay(15).atStartOfDay().toInstant(ZoneOffset.UTC);
                assertEquals(java.planAt(mid).or(java::planAtEnd).orElseThrow().id(), r.getString("plan_id"),
                        month + " of " + history);
            }
        }
    }

    @Test
    void aStartedSegmentIsNeverRewrittenAndSegmentsNeverOverlap() {
        UUID m = merchant("professional");
        String e1 = assertThrows(RuntimeException.class, () -> pool.preparedQuery(
                "UPDATE merchant_subscription SET plan_id = 'business' WHERE merchant_id = $1")
                .execute(Tuple.of(m)).await().atMost(DB)).getMessage();
        assertTrue(e1.contains("may only have its end changed"), e1);
        String e2 = assertThrows(RuntimeException.class, () -> pool.preparedQuery(
                "DELETE FROM merchant_subscription WHERE merchant_id = $1").execute(Tuple.of(m)).await().atMost(DB))
                .getMessage();
        assertTrue(e2.contains("has started and cannot be removed"), e2);
        String e3 = assertThrows(RuntimeException.class, () -> pool.preparedQuery(
                "UPDATE merchant_subscription SET effective_to = now() - interval '1 day' WHERE merchant_id = $1")
                .execute(Tuple.of(m)).await().atMost(DB)).getMessage();
        assertTrue(e3.contains("cannot be ended in the past") || e3.contains("subscription_range"), e3);
        String e4 = assertThrows(RuntimeException.class, () -> pool.preparedQuery("""
                INSERT INTO merchant_subscription (merchant_id, plan_id, effective_from, source)
                VALUES ($1, 'business', now() + interval '1 day', 'api')""").execute(Tuple.of(m)).await().atMost(DB))
                .getMessage();
        assertTrue(e4.contains("overlaps another segment"), e4);
    }
}
