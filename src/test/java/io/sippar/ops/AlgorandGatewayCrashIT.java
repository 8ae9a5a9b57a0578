package io.sippar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sippar.algorand.TestAvmPayments;
import io.sippar.testsupport.AlgodFixture;
import io.sippar.testsupport.AlgodQueries;
import io.sippar.testsupport.FaultGateway;
import io.sippar.testsupport.FaultStack;
import io.sippar.x402.HeaderCodec;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged gateway killed with SIGKILL while an Algorand group waits for its confirmation (the
 * devnet holds its pool, so the kill lands between the submit and the recording), then started again
 * on the same database: its reconciler finishes the payment from the chain, records it once and
 * closes the dead process's gas hold once.
 */
class AlgorandGatewayCrashIT {

    /** What the fee payer pays for the client's group of two (2 x 1000 microAlgo). */
    private static final BigInteger GROUP_FEE = BigInteger.valueOf(2000);

    private static FaultStack stack;

    @BeforeAll
    static void start() {
        stack = FaultStack.startWithAlgorand();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @AfterEach
    void chainAndLedgerAgree() {
        stack.algorand().resume();
        stack.auditAlgorand();
    }

    @Test
    void killedBetweenSubmitAndRecordingThenRestartedTheReconcilerRecordsTheGroupOnceAndChargesItsHoldOnce()
            throws Exception {
        AlgodQueries chain = stack.algorand();
        AlgodFixture.Account payer = stack.algod().account("payer-1");
        String merchant = stack.algod().merchant().address();
        String feePayer = stack.algod().feePayer().address();
        BigInteger merchantBefore = usdc(merchant);
        BigInteger feePayerBefore = chain.algo(feePayer);
        List<BigInteger> gasBefore;
        String header;
        String tx;
        CompletableFuture<HttpResponse<String>> call;
        try (FaultGateway first = stack.gateway("gateway-a")) {
            // read once the first gateway has migrated the stack's fresh database
            gasBefore = networkGas();
            header = TestAvmPayments.v2Header(stack.offered(first, "/fault/algo"), payer, chain.lastRound());
            chain.pause();
            call = stack.getAsync(first, "/fault/algo", header);
            Map<String, Object> settling = stack.awaitPayment(payer.address(),
                    r -> "settling".equals(r.get("state")) && r.get("tx_hash") != null, Duration.ofSeconds(60),
                    "settling with its TxID recorded");
            tx = (String) settling.get("tx_hash");
            assertTrue(chain.pool().toString().contains(tx), "the group waits in the pool");
            assertEquals("held", stack.hold(settling.get("id")).get("state"));

            first.kill();
        }
        assertNotEquals(200, FaultStack.statusOrFailure(call), "a killed process serves nothing");
        chain.resume();
        assertTrue(chain.confirmedRound(tx) > 0, "the chain committed the group the dead process submitted");
        assertEquals(merchantBefore.add(FaultStack.PRICE), usdc(merchant));
        assertEquals(feePayerBefore.subtract(GROUP_FEE), chain.algo(feePayer));

        try (FaultGateway second = stack.gateway("gateway-b")) {
            Map<String, Object> settled = stack.awaitPayment(payer.address(),
                    FaultStack::settledAndReleasedByTheReconciler, Duration.ofSeconds(60),
                    "settled by the restarted gateway's reconciler");

            assertEquals(tx, settled.get("tx_hash"));
            assertEquals(tx, settled.get("chain_ref"));
            assertEquals(1L, stack.journalEntries(settled.get("id")));
            assertTrue(String.valueOf(settled.get("reconcile_note")).startsWith("SETTLED"),
                    String.valueOf(settled.get("reconcile_note")));
            Map<String, Object> hold = stack.awaitHoldClosed(settled.get("id"));
            assertEquals("charged", hold.get("state"));
            assertEquals(GROUP_FEE, ((BigDecimal) hold.get("spent")).toBigIntegerExact(), "the group's fee, exactly");
            List<BigInteger> gasAfter = networkGas();
            assertEquals(gasBefore.get(0), gasAfter.get(0), "nothing held any more");
            assertEquals(gasBefore.get(1).add(GROUP_FEE), gasAfter.get(1), "the fee counted once");

            HttpResponse<String> replay = stack.get(second, "/fault/algo", header);
            assertEquals(402, replay.statusCode());
            assertEquals("payment_already_used", HeaderCodec.decodeJson(
                    replay.headers().firstValue("PAYMENT-REQUIRED").orElseThrow()).get("error").asText());
            assertEquals(merchantBefore.add(FaultStack.PRICE), usdc(merchant), "paid exactly once");
        }
    }

    @Test
    void killedWhileTheGroupWaitedThenDroppedFromThePoolTheRestartedGatewayFailsItOnceItsRoundsPassedAndChargesNothing()
            throws Exception {
        AlgodQueries chain = stack.algorand();
        AlgodFixture.Account payer = stack.algod().account("payer-2");
        String feePayer = stack.algod().feePayer().address();
        BigInteger payerBefore = usdc(payer.address());
        BigInteger feePayerBefore = chain.algo(feePayer);
        List<BigInteger> gasBefore;
        long round = chain.lastRound();
        String tx;
        CompletableFuture<HttpResponse<String>> call;
        try (FaultGateway first = stack.gateway("gateway-a")) {
            gasBefore = networkGas();
            JsonNode offered = stack.offered(first, "/fault/algo");
            // valid for 6 rounds only, so that the group's fate is sealed soon after
            String header = HeaderCodec.encode(TestAvmPayments.v2Payload(offered, payer, round, round + 6));
            chain.pause();
            call = stack.getAsync(first, "/fault/algo", header);
            tx = (String) stack.awaitPayment(payer.address(),
                    r -> "settling".equals(r.get("state")) && r.get("tx_hash") != null, Duration.ofSeconds(60),
                    "settling with its TxID recorded").get("tx_hash");

            first.kill();
        }
        assertNotEquals(200, FaultStack.statusOrFailure(call));
        chain.evict(tx, "dropped while the gateway was down");

        try (FaultGateway second = stack.gateway("gateway-b")) {
            Map<String, Object> looked = stack.awaitPayment(payer.address(),
                    r -> String.valueOf(r.get("reconcile_note")).contains("pool-error"), Duration.ofSeconds(60),
                    "looked at by the restarted gateway's reconciler");
            assertEquals("settling", looked.get("state"), "still valid: anyone holding the group could submit it again");

            chain.rounds(10);
            Map<String, Object> failed = stack.awaitPayment(payer.address(), r -> "failed".equals(r.get("state")),
                    Duration.ofSeconds(60), "failed once its last valid round passed");

            assertEquals("settlement_dropped", failed.get("failure_reason"));
            assertEquals(0L, stack.journalEntries(failed.get("id")));
            assertEquals("released", stack.awaitHoldClosed(failed.get("id")).get("state"));
            assertEquals(gasBefore, networkGas(), "nothing held, nothing spent");
            assertEquals(payerBefore, usdc(payer.address()), "the payer was not charged");
            assertEquals(feePayerBefore, chain.algo(feePayer), "the fee payer paid nothing");
            assertEquals(0L, chain.confirmedRound(tx));
        }
    }

    private static BigInteger usdc(String address) {
        return stack.algorand().assetBalance(address, stack.algod().usdcAssetId());
    }

    /** Held and spent fees on the Algorand network, summed over every period. */
    private static List<BigInteger> networkGas() {
        Map<String, Object> row = stack.query("""
                SELECT coalesce(sum(held), 0) AS held, coalesce(sum(spent), 0) AS spent FROM gas_spend
                 WHERE scope = 'network' AND network = ?""", stack.algod().network()).get(0);
        return List.of(((BigDecimal) row.get("held")).toBigIntegerExact(),
                ((BigDecimal) row.get("spent")).toBigIntegerExact());
    }
}
