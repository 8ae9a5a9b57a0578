package io.sippar.billing;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A statement's totals are the sums of the ledger rows it covers, across bands, networks and assets. */
@QuarkusTest
class StatementTotalsTest {

    static final String ADMIN = "Bearer sk_test_operator_0123456789abcdefghij";

    /** Amounts in 6-decimal stablecoin units on both sides of every band edge. */
    static final long[] AMOUNTS = {500, 999_999, 1_000_000, 100_000_000, 100_000_001, 5_000_000_000L,
        10_000_000_000L, 10_000_000_001L, 73_456_789_012L};

    @Inject
    StatementFixture fixture;
    @Inject
    Pool pool;

    @Test
    void statementTotalsEqualDirectSumsOverPaymentsAndPostings() {
        StatementPeriod period = StatementFixture.monthsAgo(1);
        UUID merchant = fixture.merchant("totals", "developer", period.start().minusDays(3));
        List<StatementFixture.Rail> rails = List.of(StatementFixture.ANVIL, StatementFixture.BASE,
                StatementFixture.BASE_SEPOLIA, StatementFixture.ALGORAND_TESTNET);
        List<Uni<UUID>> work = new ArrayList<>();
        int n = 0;
        for (int round = 0; round < 3; round++) {
            for (StatementFixture.Rail rail : rails) {
                for (long amount : AMOUNTS) {
                    BigInteger value = BigInteger.valueOf(amount + round);
                    var at = StatementFixture.in(period, n % 28, n % 24);
                    n++;
                    work.add(fixture.settling(merchant, rail, value)
                            .call(id -> fixture.settle(id, merchant, rail, value, at)));
                }
            }
        }
        Uni.join().all(work).usingConcurrencyOf(16).andFailFast().await().atMost(StatementFixture.WAIT);
        // a payment of the month before and one of the month after must not be counted
        fixture.paid(merchant, StatementFixture.BASE, BigInteger.valueOf(2_000_000), period.start().minusSeconds(1));
        fixture.paid(merchant, StatementFixture.BASE, BigInteger.valueOf(2_000_000), period.end());

        JsonPath s = given().header("Authorization", ADMIN).log().ifValidationFails()
                .get("/admin/merchants/" + merchant + "/statements/" + period).then().statusCode(200)
                .extract().jsonPath();
        assertEquals("open", s.getString("status"));
        assertEquals(n, s.getLong("transactions"));

        Row sums = pool.preparedQuery("""
                SELECT count(*) AS n, sum(fee_usd) AS fee_usd FROM payment
                 WHERE merchant_id = $1 AND state = 'settled' AND settled_at >= $2 AND settled_at < $3""")
                .execute(Tuple.of(merchant, period.start(), period.end())).await().atMost(StatementFixture.WAIT)
                .iterator().next();
        assertEquals(n, sums.getLong("n"));
        BigDecimal feesUsd = sums.getBigDecimal("fee_usd");
        assertEquals(0, feesUsd.compareTo(new BigDecimal(s.getString("totals.feesUsd"))));
        assertEquals(feesUsd.setScale(2, RoundingMode.HALF_UP).toPlainString(), s.getString("totals.totalDueUsd"));

        // per asset: fee postings to revenue and payer postings, from the journal entries of those payments
        Map<String, BigInteger> fee = new HashMap<>();
        Map<String, BigInteger> volume = new HashMap<>();
        long entries = 0;
        for (Row r : pool.preparedQuery("""
                SELECT po.account, po.asset, sum(po.amount) AS total, count(DISTINCT j.id) AS entries
                  FROM posting po JOIN journal_entry j ON j.id = po.entry_id JOIN payment p ON p.id = j.payment_id
                 WHERE p.merchant_id = $1 AND j.kind = 'settlement' AND p.settled_at >= $2 AND p.settled_at < $3
                   AND (po.account = 'gateway:fee_revenue' OR po.account LIKE 'payer:%')
                 GROUP BY po.account, po.asset""")
                .execute(Tuple.of(merchant, period.start(), period.end())).await().atMost(StatementFixture.WAIT)) {
            BigInteger total = r.getBigDecimal("total").toBigIntegerExact();
            if (r.getString("account").equals("gateway:fee_revenue")) {
                fee.put(r.getString("asset"), total);
            } else {
                volume.put(r.getString("asset"), total.negate());
                entries += r.getLong("entries");
            }
        }
        assertEquals(n, entries);
        assertEquals(rails.size(), s.getList("volume").size());
        for (StatementFixture.Rail rail : rails) {
            String key = rail.network() + ":" + rail.asset().toLowerCase();
            String asset = rail.asset().toLowerCase();
            assertEquals(volume.get(key).toString(), s.getString("volume.find { it.network == '" + rail.network()
                    + "' && it.asset == '" + asset + "' }.amountAtomic"), "volume of " + key);
            Map<String, Object> byNetwork = s.getMap("feesByNetwork.find { it.network == '" + rail.network() + "' }");
            @SuppressWarnings("unchecked")
            Map<String, Object> assetFees = ((List<Map<String, Object>>) byNetwork.get("byAsset")).get(0);
            assertEquals(fee.get(key).toString(), assetFees.get("feeAtomic"), "fees of " + key);
            // the band lines of this asset add up to the network line
            BigInteger bands = BigInteger.ZERO;
            for (Map<String, Object> band : s.<Map<String, Object>>getList("feesByBand")) {
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> perAsset = (List<Map<String, Object>>) band.get("byAsset");
                for (Map<String, Object> a : perAsset) {
                    if (a.get("network").equals(rail.network())) {
                        bands = bands.add(new BigInteger((String) a.get("feeAtomic")));
                    }
                }
            }
            assertEquals(fee.get(key), bands, "band fees of " + key);
        }
        assertEquals(List.of("micro", "small", "medium", "large"), s.getList("feesByBand.band"));
        BigDecimal bandUsd = s.<String>getList("feesByBand.feesUsd").stream().map(BigDecimal::new)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertEquals(0, feesUsd.compareTo(bandUsd));
        // stablecoins at 1:1: the statement's USD volume is the atomic volume at 6 decimals
        BigDecimal volumeUsd = volume.values().stream().map(v -> new BigDecimal(v).movePointLeft(6))
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertEquals(0, volumeUsd.compareTo(new BigDecimal(s.getString("volumeUsd"))));
        assertTrue(s.getBoolean("volumeUsdComplete"));
        assertEquals(0L, pool.query("SELECT count(*) AS n FROM ledger_unbalanced_entries").execute()
                .await().atMost(StatementFixture.WAIT).iterator().next().getLong("n"));

        // the drill-down lists exactly these payments, each with its tx hash and journal entry
        List<Map<String, Object>> lines = new ArrayList<>();
        String after = null;
        do {
            var req = given().header("Authorization", ADMIN).queryParam("limit", 25);
            if (after != null) {
                req = req.queryParam("after", after);
            }
            JsonPath page = req.get("/admin/merchants/" + merchant + "/statements/" + period + "/lines").then()
                    .statusCode(200).extract().jsonPath();
            lines.addAll(page.getList("payments"));
            after = page.getString("nextCursor");
        } while (after != null);
        assertEquals(n, lines.size());
        assertEquals(n, lines.stream().map(l -> l.get("paymentId")).distinct().count());
        assertTrue(lines.stream().allMatch(l -> l.get("txHash") != null && l.get("journalEntryId") != null));
        BigDecimal linesUsd = lines.stream().map(l -> new BigDecimal((String) l.get("feeUsd")))
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertEquals(0, feesUsd.compareTo(linesUsd));
    }
}
