package io.sippar.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.sippar.gateway.FeeBook;
import io.sippar.ledger.MerchantRepository;
import io.sippar.ledger.PaymentRepository;
import io.sippar.pricing.AssetRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The AI-agent volume that selects the rate tier is exact under concurrency: each settlement reads
 * the month's agent count under the counter row's lock, so payments racing across the 1M threshold
 * split exactly at it.
 */
@QuarkusTest
class FeeScheduleAgentVolumeTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @Inject
    Pool pool;
    @Inject
    FeeBook fees;
    @Inject
    PaymentRepository payments;
    @Inject
    MerchantRepository merchants;
    @Inject
    AssetRegistry assets;

    @Test
    void concurrentAgentSettlementsAcrossTheMillionThresholdSplitExactlyAtIt() {
        UUID merchant = merchants.upsert(RouteApiFixtures.unique("agent"), "Agent volume", "business")
                .await().atMost(WAIT);
        merchants.changeFeeTerms(merchant, new MerchantRepository.FeeTermsChange(Optional.empty(), Optional.empty(),
                Optional.of(true))).await().atMost(WAIT);
        // ten agent transactions short of the first volume discount this month
        pool.preparedQuery("""
                INSERT INTO merchant_usage (merchant_id, period_start, transactions, agent_transactions)
                VALUES ($1, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 999990, 999990)""")
                .execute(Tuple.of(merchant)).await().atMost(WAIT);

        FeeScheduleSettlements settlements = new FeeScheduleSettlements(payments, fees, assets);
        BigInteger amount = BigInteger.valueOf(2_000_000); // $2, a "small" payment
        List<UUID> ids = Uni.join().all(java.util.stream.IntStream.range(0, 20)
                .mapToObj(i -> settlements.settling(merchant, amount)).toList()).andFailFast().await().atMost(WAIT);
        List<Uni<Boolean>> settling = new ArrayList<>();
        ids.forEach(id -> settling.add(settlements.settle(id, merchant, amount)));
        List<Boolean> settled = Uni.join().all(settling).andFailFast().await().atMost(WAIT);
        assertEquals(20L, settled.stream().filter(Boolean::booleanValue).count());

        Map<String, Integer> byRule = new HashMap<>();
        for (Row r : pool.preparedQuery("SELECT fee_atomic, fee_rule, fee_band FROM payment WHERE merchant_id = $1")
                .execute(Tuple.of(merchant)).await().atMost(WAIT)) {
            byRule.merge(r.getBigDecimal("fee_atomic") + " " + r.getString("fee_rule") + " " + r.getString("fee_band"),
                    1, Integer::sum);
        }
        assertEquals(Map.of(
                "200 ai-agent 0.01% (from 0 tx/month) small", 10,
                "100 ai-agent 0.005% (from 1000000 tx/month) small", 10), byRule);
        Row usage = pool.preparedQuery("""
                SELECT transactions, agent_transactions FROM merchant_usage
                 WHERE merchant_id = $1 AND period_start = date_trunc('month', now() AT TIME ZONE 'UTC')::date""")
                .execute(Tuple.of(merchant)).await().atMost(WAIT).iterator().next();
        assertEquals(1_000_010L, usage.getLong("transactions"));
        assertEquals(1_000_010L, usage.getLong("agent_transactions"));
    }
}
