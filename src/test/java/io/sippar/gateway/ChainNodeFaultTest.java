package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.sippar.evm.TestPayments;
import io.sippar.ops.Reconciler;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.FaultAudit;
import io.sippar.testsupport.FaultChainResource;
import io.sippar.testsupport.FaultProfile;
import io.sippar.testsupport.FaultProxy;
import io.sippar.testsupport.TokenReader;
import io.sippar.x402.HeaderCodec;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The chain's nodes stopped (nothing listening), slowed past the RPC timeout, and back again: the
 * second RPC URL takes over when the first fails; with every node gone the client gets 503 and is not
 * charged; nodes lost right after a broadcast either come back within the receipt wait (the client is
 * served) or leave the row to the reconciler, which records it once.
 */
@QuarkusTest
@TestProfile(FaultProfile.class)
class ChainNodeFaultTest {

    private static final BigInteger PRICE = BigInteger.valueOf(1000);
    /** Longer than the profile's 1 s RPC timeout. */
    private static final Duration TOO_SLOW = Duration.ofSeconds(3);

    @Inject
    Pool pool;
    @Inject
    Reconciler reconciler;

    private final FaultProxy primary = FaultChainResource.primary();
    private final FaultProxy secondary = FaultChainResource.secondary();

    @BeforeEach
    void nodesUp() throws InterruptedException {
        primary.heal();
        secondary.heal();
        // an earlier test may have opened a breaker: its 1 s delay must pass before the trial call
        Thread.sleep(1500);
    }

    private static JsonNode offered() {
        return HeaderCodec.decodeJson(given().get("/fault/chain").getHeader("PAYMENT-REQUIRED")).at("/accepts/0");
    }

    private static BigInteger balance(AnvilFixture.Account a) {
        try (TokenReader token = new TokenReader(FaultChainResource.anvil())) {
            return token.balance(a.address());
        }
    }

    private static String paid(Response r) {
        assertEquals(200, r.statusCode(), r.body().asString());
        assertTrue(r.body().asString().contains("sippar-demo"), "the resource is served");
        JsonNode settlement = HeaderCodec.decodeJson(r.getHeader("PAYMENT-RESPONSE"));
        assertTrue(settlement.get("success").asBoolean(), settlement.toString());
        return settlement.get("transaction").asText();
    }

    private static void unavailableAndNotCharged(Response r, AnvilFixture.Account payer, BigInteger before) {
        assertEquals(503, r.statusCode(), r.body().asString());
        assertNotNull(r.getHeader("Retry-After"));
        assertEquals("facilitator_unavailable", r.jsonPath().getString("reason"));
        assertNull(r.getHeader("PAYMENT-RESPONSE"));
        assertEquals(before, balance(payer), "nothing charged while the chain cannot be reached");
    }

    @Test
    void firstNodeStoppedTheSecondRpcUrlTakesOver() {
        AnvilFixture.Account payer = FaultChainResource.anvil().account(1);
        BigInteger before = balance(payer);
        primary.stop();

        paid(given().header("PAYMENT-SIGNATURE", TestPayments.v2Header(offered(), payer.privateKey())).get("/fault/chain"));

        assertTrue(secondary.relayed() > 0, "the second RPC URL served the payment");
        assertEquals(before.subtract(PRICE), balance(payer));
    }

    @Test
    void firstNodeSlowerThanTheRpcTimeoutTheSecondRpcUrlTakesOver() {
        AnvilFixture.Account payer = FaultChainResource.anvil().account(3);
        BigInteger before = balance(payer);
        primary.slow(TOO_SLOW);
        long started = System.nanoTime();

        paid(given().header("PAYMENT-SIGNATURE", TestPayments.v2Header(offered(), payer.privateKey())).get("/fault/chain"));

        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(secondary.relayed() > 0, "the second RPC URL served the payment");
        assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0, "a slow first node costs timeouts, not a hang: " + took);
        assertEquals(before.subtract(PRICE), balance(payer));
    }

    @Test
    void everyNodeStoppedIs503WithoutChargeAndTheSamePaymentPaysOnceTheyReturn() throws InterruptedException {
        AnvilFixture.Account payer = FaultChainResource.anvil().account(4);
        String header = TestPayments.v2Header(offered(), payer.privateKey());
        BigInteger before = balance(payer);
        primary.stop();
        secondary.stop();

        unavailableAndNotCharged(given().header("PAYMENT-SIGNATURE", header).get("/fault/chain"), payer, before);

        nodesUp();
        paid(given().header("PAYMENT-SIGNATURE", header).get("/fault/chain"));
        assertEquals(before.subtract(PRICE), balance(payer));
    }

    @Test
    void everyNodeSlowerThanTheRpcTimeoutIs503WithoutChargeAndTheSamePaymentPaysAfterwards()
            throws InterruptedException {
        AnvilFixture.Account payer = FaultChainResource.anvil().account(5);
        String header = TestPayments.v2Header(offered(), payer.privateKey());
        BigInteger before = balance(payer);
        primary.slow(TOO_SLOW);
        secondary.slow(TOO_SLOW);

        unavailableAndNotCharged(given().header("PAYMENT-SIGNATURE", header).get("/fault/chain"), payer, before);

        nodesUp();
        paid(given().header("PAYMENT-SIGNATURE", header).get("/fault/chain"));
        assertEquals(before.subtract(PRICE), balance(payer));
    }

    @Test
    void nodesLostRightAfterTheBroadcastAndBackWithinTheReceiptWaitStillServeThePayment() {
        AnvilFixture.Account payer = FaultChainResource.anvil().account(6);
        BigInteger before = balance(payer);
        primary.afterNextBroadcast(() -> outage(Duration.ofMillis(1500)));

        String tx = paid(given().header("PAYMENT-SIGNATURE", TestPayments.v2Header(offered(), payer.privateKey()))
                .get("/fault/chain"));

        assertEquals(before.subtract(PRICE), balance(payer));
        Row row = paymentByTx(tx);
        assertEquals("settled", row.getString("state"));
        assertEquals(1L, journalEntries(row));
    }

    @Test
    void nodesLostAfterTheBroadcastPastTheReceiptWaitLeaveTheRowToTheReconcilerWhichRecordsItOnce() {
        AnvilFixture.Account payer = FaultChainResource.anvil().account(7);
        String header = TestPayments.v2Header(offered(), payer.privateKey());
        BigInteger before = balance(payer);
        primary.afterNextBroadcast(() -> outage(Duration.ofSeconds(FaultChainResource.RECEIPT_TIMEOUT_SECONDS + 3)));

        Response r = given().header("PAYMENT-SIGNATURE", header).get("/fault/chain");

        // the transaction went out and was mined, but its outcome could not be read in time
        assertEquals(503, r.statusCode(), r.body().asString());
        assertNotNull(r.getHeader("Retry-After"));
        assertEquals(before.subtract(PRICE), balance(payer), "the broadcast settlement was mined");
        Row row = pool.preparedQuery("SELECT * FROM payment WHERE payer = $1 AND network = $2 AND state = 'settling'")
                .execute(Tuple.of(payer.address(), FaultChainResource.NETWORK)).await().atMost(Duration.ofSeconds(10))
                .iterator().next();
        assertNotNull(row.getString("tx_hash"), "the broadcast was recorded before the wait");
        awaitNodesBack();
        pool.preparedQuery("UPDATE payment SET state_changed_at = now() - interval '1 day' WHERE id = $1")
                .execute(Tuple.of(row.getUUID("id"))).await().atMost(Duration.ofSeconds(10));

        Reconciler.Decision d = reconciler.runOnce().await().atMost(Duration.ofSeconds(60)).stream()
                .filter(x -> x.paymentId().equals(row.getUUID("id"))).findFirst().orElseThrow();

        assertEquals(Reconciler.Outcome.SETTLED, d.outcome(), d.toString());
        Row settled = paymentByTx(row.getString("tx_hash"));
        assertEquals("settled", settled.getString("state"));
        assertEquals(1L, journalEntries(settled));
        // the same payment presented again is not charged a second time
        Response again = given().header("PAYMENT-SIGNATURE", header).get("/fault/chain");
        assertEquals(402, again.statusCode());
        assertEquals("payment_already_used",
                HeaderCodec.decodeJson(again.getHeader("PAYMENT-REQUIRED")).get("error").asText());
        assertEquals(before.subtract(PRICE), balance(payer));
    }

    /** Both nodes stop for {@code d}, then listen again. */
    private void outage(Duration d) {
        primary.stop();
        secondary.stop();
        sleep(d);
        primary.heal();
        secondary.heal();
    }

    /** Waits until the outage begun after the broadcast is over, and the breakers' delay with it. */
    private void awaitNodesBack() {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!(primary.listening() && secondary.listening()) && System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(100));
        }
        assertTrue(primary.listening() && secondary.listening(), "the nodes did not come back");
        sleep(Duration.ofMillis(1500));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Row paymentByTx(String tx) {
        return pool.preparedQuery("SELECT * FROM payment WHERE tx_hash = $1").execute(Tuple.of(tx))
                .await().atMost(Duration.ofSeconds(10)).iterator().next();
    }

    private long journalEntries(Row payment) {
        return pool.preparedQuery("SELECT count(*) FROM journal_entry WHERE payment_id = $1")
                .execute(Tuple.of(payment.getUUID("id"))).await().atMost(Duration.ofSeconds(10)).iterator().next()
                .getLong(0);
    }

    @AfterAll
    static void chainAndLedgerAgree() {
        AnvilFixture chain = FaultChainResource.anvil();
        FaultAudit.assertChainAndLedgerAgree(chain.rpcUrl(), chain.token().address(), chain.settler().address(),
                FaultChainResource.NETWORK, BigInteger.ZERO, Instant.EPOCH, FaultAudit.Database.ofTests());
    }
}
