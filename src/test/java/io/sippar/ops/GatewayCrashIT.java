package io.sippar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sippar.evm.TestPayments;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.FaultGateway;
import io.sippar.testsupport.FaultStack;
import io.sippar.x402.HeaderCodec;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * The packaged gateway killed with SIGKILL in the middle of a payment, then started again on the same
 * database: its reconciler finishes what the dead process left, from the chain, and records it once.
 * Mining is switched off while the first process waits for its receipt, so the kill lands exactly
 * between the broadcast and the recording.
 */
class GatewayCrashIT {

    private static FaultStack stack;

    @BeforeAll
    static void start() {
        stack = FaultStack.start();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @AfterEach
    void chainAndLedgerAgree() {
        stack.chain().automine(true);
        stack.audit(9);
    }

    @Test
    void killedBetweenBroadcastAndRecordingThenRestartedTheReconcilerRecordsTheSettlementOnce() throws Exception {
        AnvilFixture.Account payer = stack.anvil().account(1);
        BigInteger before = stack.balance(payer.address());
        String header;
        String tx;
        CompletableFuture<HttpResponse<String>> call;
        try (FaultGateway first = stack.gateway("gateway-a")) {
            JsonNode offered = stack.offered(first, "/demo/weather");
            header = TestPayments.v2Header(offered, payer.privateKey());
            stack.chain().automine(false);
            call = stack.getAsync(first, "/demo/weather", header);
            Map<String, Object> settling = stack.awaitPayment(payer.address(),
                    r -> "settling".equals(r.get("state")) && r.get("tx_hash") != null, Duration.ofSeconds(60),
                    "settling with its transaction recorded");
            tx = (String) settling.get("tx_hash");
            assertTrue(stack.chain().pending(tx), "the settlement waits in the mempool");

            first.kill();
        }
        assertNotEquals(200, FaultStack.statusOrFailure(call), "a killed process serves nothing");
        stack.chain().mine();
        TransactionReceipt receipt = stack.chain().web3j().ethGetTransactionReceipt(tx).send().getTransactionReceipt()
                .orElseThrow();
        assertTrue(receipt.isStatusOK(), () -> "the settlement reverted: " + whyReverted(receipt));
        assertEquals(before.subtract(FaultStack.PRICE), stack.balance(payer.address()));

        try (FaultGateway second = stack.gateway("gateway-b")) {
            Map<String, Object> settled = stack.awaitPayment(payer.address(),
                    FaultStack::settledAndReleasedByTheReconciler, Duration.ofSeconds(60),
                    "settled by the restarted gateway's reconciler");

            assertEquals(tx, settled.get("tx_hash"));
            assertEquals(1L, stack.journalEntries(settled.get("id")));
            assertEquals(50L, ((java.math.BigDecimal) settled.get("fee_atomic")).longValueExact());
            assertTrue(String.valueOf(settled.get("reconcile_note")).startsWith("SETTLED"),
                    String.valueOf(settled.get("reconcile_note")));
            // the dead process's gas hold: charged once, with what the receipt says the settlement cost
            Map<String, Object> hold = stack.awaitHoldClosed(settled.get("id"));
            assertEquals("charged", hold.get("state"));
            assertEquals(receipt.getGasUsed().multiply(org.web3j.utils.Numeric.decodeQuantity(
                    receipt.getEffectiveGasPrice())), ((java.math.BigDecimal) hold.get("spent")).toBigIntegerExact());
            assertEquals(java.math.BigDecimal.ZERO.compareTo((java.math.BigDecimal) stack.query(
                    "SELECT coalesce(sum(held), 0) AS held FROM gas_spend WHERE network = ?", stack.anvil().network())
                    .get(0).get("held")), 0, "nothing left held");
            HttpResponse<String> replay = stack.get(second, "/demo/weather", header);
            assertEquals(402, replay.statusCode());
            assertEquals("payment_already_used", HeaderCodec.decodeJson(
                    replay.headers().firstValue("PAYMENT-REQUIRED").orElseThrow()).get("error").asText());
            assertEquals(before.subtract(FaultStack.PRICE), stack.balance(payer.address()), "charged exactly once");
        }
    }

    @Test
    void killedWhileTheUpstreamServedThenRestartedThePaymentIsReleasedAndPaysOnce() throws Exception {
        AnvilFixture.Account payer = stack.anvil().account(3);
        BigInteger before = stack.balance(payer.address());
        String header;
        CompletableFuture<HttpResponse<String>> call;
        try (FaultGateway first = stack.gateway("gateway-a")) {
            header = TestPayments.v2Header(stack.offered(first, "/crash/slow"), payer.privateKey());
            call = stack.getAsync(first, "/crash/slow?ms=4500", header);
            stack.awaitPayment(payer.address(), r -> "verified".equals(r.get("state")), Duration.ofSeconds(60),
                    "verified");

            first.kill();
        }
        assertNotEquals(200, FaultStack.statusOrFailure(call));

        try (FaultGateway second = stack.gateway("gateway-b")) {
            Map<String, Object> released = stack.awaitPayment(payer.address(), r -> "released".equals(r.get("state")),
                    Duration.ofSeconds(60), "released by the restarted gateway's reconciler");
            assertEquals(before, stack.balance(payer.address()), "nothing was broadcast, nothing charged");

            HttpResponse<String> retry = stack.get(second, "/crash/slow?ms=1", header);

            assertEquals(200, retry.statusCode(), retry.body());
            assertTrue(HeaderCodec.decodeJson(retry.headers().firstValue("PAYMENT-RESPONSE").orElseThrow())
                    .get("success").asBoolean());
            assertEquals(before.subtract(FaultStack.PRICE), stack.balance(payer.address()));
            assertEquals(1L, stack.journalEntries(released.get("id")));
        }
    }

    /** The transaction replayed as a call on the block before it, for the revert reason. */
    private static String whyReverted(TransactionReceipt receipt) {
        try {
            var web3j = stack.chain().web3j();
            var t = web3j.ethGetTransactionByHash(receipt.getTransactionHash()).send().getTransaction().orElseThrow();
            var replay = web3j.ethCall(org.web3j.protocol.core.methods.request.Transaction.createEthCallTransaction(
                    t.getFrom(), t.getTo(), t.getInput()), org.web3j.protocol.core.DefaultBlockParameter.valueOf(
                    receipt.getBlockNumber().subtract(BigInteger.ONE))).send();
            return receipt + "; gas limit " + t.getGas() + "; replayed: "
                    + (replay.hasError() ? replay.getError().getMessage() : "succeeds");
        } catch (java.io.IOException e) {
            return receipt + " (" + e + ")";
        }
    }
}
