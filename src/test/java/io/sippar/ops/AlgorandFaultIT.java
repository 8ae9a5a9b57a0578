package io.sippar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sippar.algorand.TestAvmPayments;
import io.sippar.testsupport.AlgodFixture;
import io.sippar.testsupport.AlgodQueries;
import io.sippar.testsupport.FaultGateway;
import io.sippar.testsupport.FaultProxy;
import io.sippar.testsupport.FaultStack;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Algorand payments through the packaged gateway while its algod nodes, its database or the
 * network's pool misbehave: the first algod URL stopped or slower than the algod timeout (the second
 * takes over), every node stopped (503, not charged, the same group pays once they return), nodes
 * lost right after the submit (served if they come back within the confirmation wait, else 503 and
 * the reconciler records it once), a group dropped from the pool (failed, not charged), and
 * PostgreSQL stopped and restarted. Each test ends with the devnet's committed transfers and the
 * ledger agreeing exactly. The two algod URLs are proxies in front of one devnet: a second devnet
 * would be another chain.
 */
class AlgorandFaultIT {

    /** Longer than the stack's 1 s algod timeout. */
    private static final Duration TOO_SLOW = Duration.ofSeconds(3);
    /** What the fee payer pays for the client's group of two. */
    private static final BigInteger GROUP_FEE = BigInteger.valueOf(2000);

    private static FaultStack stack;
    private static FaultGateway gateway;

    @BeforeAll
    static void start() {
        stack = FaultStack.startWithAlgorand();
        gateway = stack.gateway("gateway");
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @BeforeEach
    void nodesUp() {
        primary().heal();
        secondary().heal();
        // an earlier test may have opened a breaker: its 1 s delay must pass before the trial call
        FaultStack.sleep(1500);
    }

    @AfterEach
    void chainAndLedgerAgree() {
        stack.db().restart();
        stack.algorand().resume();
        primary().heal();
        secondary().heal();
        stack.auditAlgorand();
    }

    // ------------------------------------------------------------------ algod nodes

    @Test
    void firstAlgodUrlStoppedTheSecondTakesOver() {
        AlgodFixture.Account payer = account("payer-1");
        BigInteger before = usdc(payer.address());
        primary().stop();

        paid(stack.get(gateway, "/fault/algo", header(payer)));

        assertTrue(secondary().relayed() > 0, "the second algod URL served the payment");
        assertEquals(before.subtract(FaultStack.PRICE), usdc(payer.address()));
    }

    @Test
    void firstAlgodUrlSlowerThanTheAlgodTimeoutTheSecondTakesOver() {
        AlgodFixture.Account payer = account("payer-2");
        BigInteger before = usdc(payer.address());
        primary().slow(TOO_SLOW);
        long started = System.nanoTime();

        paid(stack.get(gateway, "/fault/algo", header(payer)));

        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(secondary().relayed() > 0, "the second algod URL served the payment");
        assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0, "a slow first node costs timeouts, not a hang: " + took);
        assertEquals(before.subtract(FaultStack.PRICE), usdc(payer.address()));
    }

    @Test
    void everyAlgodUrlStoppedIs503WithoutChargeAndTheSameGroupPaysOnceTheyReturn() {
        AlgodFixture.Account payer = account("payer-3");
        String header = header(payer);
        BigInteger before = usdc(payer.address());
        primary().stop();
        secondary().stop();

        HttpResponse<String> down = stack.get(gateway, "/fault/algo", header);

        unavailableAndNotCharged(down, payer, before);
        primary().heal();
        secondary().heal();
        FaultStack.sleep(1500);
        paid(stack.get(gateway, "/fault/algo", header));
        assertEquals(before.subtract(FaultStack.PRICE), usdc(payer.address()));
    }

    @Test
    void nodesLostRightAfterTheSubmitAndBackWithinTheConfirmationWaitTheClientIsServed() {
        AlgodFixture.Account payer = account("payer-4");
        BigInteger before = usdc(payer.address());
        primary().afterNextBroadcast(() -> {
            primary().stop();
            secondary().stop();
            FaultStack.sleep(2000);
            primary().heal();
            secondary().heal();
        });

        String tx = paid(stack.get(gateway, "/fault/algo", header(payer)));

        assertEquals(before.subtract(FaultStack.PRICE), usdc(payer.address()));
        Map<String, Object> row = stack.awaitPayment(payer.address(), r -> "settled".equals(r.get("state")),
                Duration.ofSeconds(30), "settled by the request");
        assertEquals(tx, row.get("tx_hash"));
        assertEquals("charged", stack.awaitHoldClosed(row.get("id")).get("state"));
    }

    @Test
    void nodesLostPastTheConfirmationWaitThe503IsRecordedOnceByTheReconcilerAndARetryIsRefused() {
        AlgodFixture.Account payer = account("payer-5");
        String header = header(payer);
        BigInteger before = usdc(payer.address());
        primary().afterNextBroadcast(() -> {
            primary().stop();
            secondary().stop();
        });

        HttpResponse<String> lost = stack.get(gateway, "/fault/algo", header);

        // the response lost after the submit: the documented exception to "served or not charged"
        assertEquals(503, lost.statusCode(), lost.body());
        assertTrue(lost.headers().firstValue("Retry-After").isPresent());
        Map<String, Object> settling = stack.latestPayment(payer.address()).orElseThrow();
        assertEquals("settling", settling.get("state"));
        assertEquals(settling.get("chain_ref"), settling.get("tx_hash"), "the row names its TxID for the reconciler");
        primary().heal();
        secondary().heal();

        Map<String, Object> settled = stack.awaitPayment(payer.address(),
                FaultStack::settledAndReleasedByTheReconciler, Duration.ofSeconds(60), "settled by the reconciler");
        assertEquals(1L, stack.journalEntries(settled.get("id")));
        assertTrue(String.valueOf(settled.get("reconcile_note")).startsWith("SETTLED"),
                String.valueOf(settled.get("reconcile_note")));
        Map<String, Object> hold = stack.awaitHoldClosed(settled.get("id"));
        assertEquals("charged", hold.get("state"));
        assertEquals(GROUP_FEE, ((BigDecimal) hold.get("spent")).toBigIntegerExact());
        HttpResponse<String> retry = stack.get(gateway, "/fault/algo", header);
        assertEquals(402, retry.statusCode());
        assertEquals("payment_already_used", HeaderCodec.decodeJson(
                retry.headers().firstValue("PAYMENT-REQUIRED").orElseThrow()).get("error").asText());
        assertEquals(before.subtract(FaultStack.PRICE), usdc(payer.address()), "charged exactly once");
    }

    // ------------------------------------------------------------------ the pool

    @Test
    void groupDroppedFromThePoolIsFailedNotServedAndNotCharged() throws Exception {
        AlgodQueries chain = stack.algorand();
        AlgodFixture.Account payer = account("payer-6");
        String feePayer = stack.algod().feePayer().address();
        BigInteger before = usdc(payer.address());
        BigInteger feePayerBefore = chain.algo(feePayer);
        chain.pause();
        CompletableFuture<HttpResponse<String>> call = stack.getAsync(gateway, "/fault/algo", header(payer));
        String tx = (String) stack.awaitPayment(payer.address(),
                r -> "settling".equals(r.get("state")) && r.get("tx_hash") != null, Duration.ofSeconds(60),
                "settling with its TxID recorded").get("tx_hash");

        chain.evict(tx, "dropped by the test");
        HttpResponse<String> answer = call.get(60, TimeUnit.SECONDS);

        assertEquals(402, answer.statusCode(), answer.body());
        assertFalse(answer.body().contains("sippar-demo"), "no resource without payment");
        JsonNode settlement = HeaderCodec.decodeJson(answer.headers().firstValue("PAYMENT-RESPONSE").orElseThrow());
        assertFalse(settlement.get("success").asBoolean(), settlement.toString());
        Map<String, Object> failed = stack.latestPayment(payer.address()).orElseThrow();
        assertEquals("failed", failed.get("state"));
        assertEquals(0L, stack.journalEntries(failed.get("id")));
        Map<String, Object> hold = stack.hold(failed.get("id"));
        assertEquals("charged", hold.get("state"));
        assertEquals(0, BigDecimal.ZERO.compareTo((BigDecimal) hold.get("spent")), "a dropped group costs no fee");
        chain.resume();
        assertEquals(before, usdc(payer.address()), "nothing moved");
        assertEquals(feePayerBefore, chain.algo(feePayer), "the fee payer paid nothing");
    }

    // ------------------------------------------------------------------ the database

    @Test
    void groupSubmittedBeforeADatabaseOutageIsServedAndRecordedOnceTheDatabaseIsBack() throws Exception {
        AlgodQueries chain = stack.algorand();
        AlgodFixture.Account payer = account("spare-1");
        BigInteger before = usdc(payer.address());
        chain.pause();
        CompletableFuture<HttpResponse<String>> call = stack.getAsync(gateway, "/fault/algo", header(payer));
        Map<String, Object> settling = stack.awaitPayment(payer.address(),
                r -> "settling".equals(r.get("state")) && r.get("tx_hash") != null, Duration.ofSeconds(60),
                "settling with its TxID recorded");
        stack.db().stop();
        chain.resume();

        HttpResponse<String> answer = call.get(90, TimeUnit.SECONDS);

        // the chain said yes: the client gets what it paid for although the ledger could not be written yet
        String tx = paid(answer);
        assertEquals(settling.get("tx_hash"), tx);
        assertEquals(before.subtract(FaultStack.PRICE), usdc(payer.address()));
        stack.db().restart();
        Map<String, Object> settled = stack.awaitPayment(payer.address(), r -> "settled".equals(r.get("state")),
                Duration.ofSeconds(60), "settled by the reconciler");
        assertEquals(tx, settled.get("tx_hash"));
        assertEquals(1L, stack.journalEntries(settled.get("id")));
        Map<String, Object> hold = stack.awaitHoldClosed(settled.get("id"));
        assertEquals("charged", hold.get("state"));
        assertEquals(GROUP_FEE, ((BigDecimal) hold.get("spent")).toBigIntegerExact());
    }

    @Test
    void requestsDuringADatabaseOutageAre503AndChargeNothingAndPayOnceItIsBack() {
        AlgodFixture.Account payer = account("spare-2");
        String header = header(payer);
        BigInteger before = usdc(payer.address());
        stack.db().stop();

        long started = System.nanoTime();
        HttpResponse<String> r = stack.get(gateway, "/fault/algo", header);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertEquals(503, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Retry-After").isPresent());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0, "bounded: " + took);
        assertEquals(before, usdc(payer.address()), "nothing charged during the outage");
        stack.db().restart();
        HttpResponse<String> after = stack.get(gateway, "/fault/algo", header);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (after.statusCode() == 503 && System.nanoTime() < deadline) {
            FaultStack.sleep(500);
            after = stack.get(gateway, "/fault/algo", header);
        }
        paid(after);
        assertEquals(before.subtract(FaultStack.PRICE), usdc(payer.address()));
    }

    // ------------------------------------------------------------------ helpers

    private static FaultProxy primary() {
        return stack.algodPrimary();
    }

    private static FaultProxy secondary() {
        return stack.algodSecondary();
    }

    private static AlgodFixture.Account account(String name) {
        return stack.algod().account(name);
    }

    private static BigInteger usdc(String address) {
        return stack.algorand().assetBalance(address, stack.algod().usdcAssetId());
    }

    /** A group paying /fault/algo from {@code payer}, valid for 1000 rounds from now. */
    private static String header(AlgodFixture.Account payer) {
        return TestAvmPayments.v2Header(stack.offered(gateway, "/fault/algo"), payer, stack.algorand().lastRound());
    }

    /** The resource with a successful PAYMENT-RESPONSE; its transaction. */
    private static String paid(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("sippar-demo"), "the resource is served");
        JsonNode settlement = HeaderCodec.decodeJson(r.headers().firstValue("PAYMENT-RESPONSE").orElseThrow());
        assertTrue(settlement.get("success").asBoolean(), settlement.toString());
        return settlement.get("transaction").asText();
    }

    private static void unavailableAndNotCharged(HttpResponse<String> r, AlgodFixture.Account payer, BigInteger before) {
        assertEquals(503, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Retry-After").isPresent());
        try {
            assertEquals("facilitator_unavailable", X402Json.MAPPER.readTree(r.body()).get("reason").asText());
        } catch (java.io.IOException e) {
            throw new AssertionError("not problem+json: " + r.body(), e);
        }
        assertTrue(r.headers().firstValue("PAYMENT-RESPONSE").isEmpty());
        assertEquals(before, usdc(payer.address()), "nothing charged while no algod could be reached");
    }
}
