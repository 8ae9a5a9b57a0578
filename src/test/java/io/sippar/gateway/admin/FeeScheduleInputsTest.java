package io.sippar.gateway.admin;

import static io.restassured.RestAssured.given;
import static io.sippar.gateway.admin.RouteApiFixtures.ADMIN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.sippar.evm.TestPayments;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.testsupport.TokenReader;
import io.sippar.x402.HeaderCodec;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every fee input the calculator supports, fed from the merchant's terms, on payments really settled
 * on anvil through the gateway: the recorded fee, band, rule and schedule version, and the fee
 * posting, for the same $2 payment under each set of terms.
 */
@QuarkusTest
class FeeScheduleInputsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Pool pool;

    private record Charged(long fee, String band, String rule, String version, long revenuePosting) {
    }

    /** Pays the route once with the official wire format and reads what the ledger recorded. */
    private Charged pay(String path) {
        AnvilFixture chain = ChainsTestResource.devnet();
        String header = TestPayments.v2Header(RouteApiFixtures.offered(path), chain.account(7).privateKey());
        Response paid = given().header("PAYMENT-SIGNATURE", header).get(path);
        assertEquals(200, paid.statusCode(), paid.asString());
        String tx = HeaderCodec.decodeJson(paid.getHeader("PAYMENT-RESPONSE")).get("transaction").asText();
        try (TokenReader token = new TokenReader(chain)) {
            assertEquals("0x1", token.receipt(tx).getStatus(), "the settlement is mined");
        }
        Row row = pool.preparedQuery("""
                SELECT p.fee_atomic, p.fee_band, p.fee_rule, p.fee_schedule_version,
                       (SELECT coalesce(sum(x.amount), 0) FROM posting x JOIN journal_entry e ON e.id = x.entry_id
                         WHERE e.payment_id = p.id AND x.account = 'gateway:fee_revenue') AS revenue
                  FROM payment p WHERE p.tx_hash = $1 AND p.state = 'settled'""")
                .execute(Tuple.of(tx)).await().atMost(WAIT).iterator().next();
        return new Charged(row.getBigDecimal("fee_atomic").longValueExact(), row.getString("fee_band"),
                row.getString("fee_rule"), row.getString("fee_schedule_version"),
                row.getBigDecimal("revenue").longValueExact());
    }

    private static void terms(String merchantId, String patch) {
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(patch)
                .patch("/admin/merchants/" + merchantId).then().statusCode(200);
    }

    private static void assertCharged(Charged c, long fee, String rule) {
        assertEquals(fee, c.fee(), c.toString());
        assertEquals(fee, c.revenuePosting(), "the fee is posted to gateway revenue: " + c);
        assertEquals(rule, c.rule());
        assertEquals("small", c.band(), "the band is the payment's whatever rule applied");
        assertEquals("2025-01-seed", c.version());
    }

    @Test
    void eachFeeInputOfTheMerchantsTermsIsChargedOnASettledPayment() {
        RouteApiFixtures.Merchant m = RouteApiFixtures.merchant("professional");
        String path = RouteApiFixtures.randomPath();
        // $2 on eip155:31337: a "small" payment, $0.05 flat by the seed schedule
        given().header("Authorization", m.bearer()).contentType(ContentType.JSON)
                .body(RouteApiFixtures.route(RouteApiFixtures.unique("fees"), path,
                        RouteApiFixtures.upstreamUrl("/paid"), "$2").toString())
                .post("/merchant/routes").then().statusCode(201);

        assertCharged(pay(path), 50_000, "small: flat 0.05 USD");

        // settled away from the home network: the cross-chain rate of the merchant's tier is added
        terms(m.id(), "{\"homeNetwork\":\"eip155:84532\"}");
        assertCharged(pay(path), 52_000, "small: flat 0.05 USD; cross-chain standard 0.1%");
        terms(m.id(), "{\"crossChainTier\":\"enterprise\"}");
        assertCharged(pay(path), 51_000, "small: flat 0.05 USD; cross-chain enterprise 0.05%");
        terms(m.id(), "{\"crossChainTier\":\"high-frequency\"}");
        assertCharged(pay(path), 50_400, "small: flat 0.05 USD; cross-chain high-frequency 0.02%");
        // settled on the home network: no cross-chain fee
        terms(m.id(), "{\"homeNetwork\":\"eip155:31337\"}");
        assertCharged(pay(path), 50_000, "small: flat 0.05 USD");

        // AI-agent pricing replaces the band fee, tiered by the month's agent volume
        terms(m.id(), "{\"homeNetwork\":null,\"agentPricing\":true}");
        assertCharged(pay(path), 200, "ai-agent 0.01% (from 0 tx/month)");
        assertEquals(1L, agentTransactions(m.id()), "the agent transaction is counted");
        pool.preparedQuery("""
                UPDATE merchant_usage SET transactions = 1000000, agent_transactions = 1000000
                 WHERE merchant_id = $1 AND period_start = date_trunc('month', now() AT TIME ZONE 'UTC')::date""")
                .execute(Tuple.of(UUID.fromString(m.id()))).await().atMost(WAIT);
        assertCharged(pay(path), 100, "ai-agent 0.005% (from 1000000 tx/month)");
        // both: the agent rate plus the cross-chain rate, rounded once
        terms(m.id(), "{\"homeNetwork\":\"eip155:84532\",\"crossChainTier\":\"standard\"}");
        assertCharged(pay(path), 2_100, "ai-agent 0.005% (from 1000000 tx/month); cross-chain standard 0.1%");
        assertEquals(1_000_002L, agentTransactions(m.id()));
    }

    private long agentTransactions(String merchantId) {
        return pool.preparedQuery("""
                SELECT agent_transactions FROM merchant_usage
                 WHERE merchant_id = $1 AND period_start = date_trunc('month', now() AT TIME ZONE 'UTC')::date""")
                .execute(Tuple.of(UUID.fromString(merchantId))).await().atMost(WAIT).iterator().next()
                .getLong("agent_transactions");
    }
}
