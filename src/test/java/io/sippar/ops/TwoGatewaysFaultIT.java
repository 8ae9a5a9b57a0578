package io.sippar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sippar.evm.TestPayments;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.FaultGateway;
import io.sippar.testsupport.FaultStack;
import io.sippar.x402.HeaderCodec;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two packaged gateways on one database (two pods), each settling from its own key: one payment sent
 * to both at once settles once, a payment settled on one is a refused replay on the other, and many
 * payments spread over both are each recorded exactly once.
 */
class TwoGatewaysFaultIT {

    private static FaultStack stack;
    private static FaultGateway a;
    private static FaultGateway b;

    @BeforeAll
    static void start() {
        stack = FaultStack.start();
        a = stack.gateway("pod-a", 9);
        b = stack.gateway("pod-b", 0);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {a, b, stack}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }

    @AfterEach
    void chainAndLedgerAgree() {
        stack.audit(9, 0);
    }

    private static String error(HttpResponse<String> r) {
        return HeaderCodec.decodeJson(r.headers().firstValue("PAYMENT-REQUIRED").orElseThrow()).get("error").asText();
    }

    @Test
    void duplicateSubmissionsOfOnePaymentAcrossTwoGatewaysSettleOnce() throws Exception {
        AnvilFixture.Account payer = stack.anvil().account(1);
        BigInteger before = stack.balance(payer.address());
        String header = TestPayments.v2Header(stack.offered(a, "/demo/weather"), payer.privateKey());
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(stack.getAsync(i % 2 == 0 ? a : b, "/demo/weather", header));
        }

        int served = 0;
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> r = call.get(90, TimeUnit.SECONDS);
            if (r.statusCode() == 200) {
                served++;
            } else {
                assertEquals(402, r.statusCode(), r.body());
                assertTrue(List.of("payment_in_progress", "payment_already_used").contains(error(r)), error(r));
            }
        }

        assertEquals(1, served);
        assertEquals(before.subtract(FaultStack.PRICE), stack.balance(payer.address()));
    }

    @Test
    void paymentSettledThroughOneGatewayIsARefusedReplayOnTheOther() {
        AnvilFixture.Account payer = stack.anvil().account(3);
        BigInteger before = stack.balance(payer.address());
        String header = TestPayments.v2Header(stack.offered(a, "/demo/weather"), payer.privateKey());

        assertEquals(200, stack.get(a, "/demo/weather", header).statusCode());
        HttpResponse<String> replay = stack.get(b, "/demo/weather", header);

        assertEquals(402, replay.statusCode());
        assertEquals("payment_already_used", error(replay));
        assertEquals(before.subtract(FaultStack.PRICE), stack.balance(payer.address()));
    }

    @Test
    void manyPaymentsSpreadOverTwoGatewaysAreEachRecordedOnce() throws Exception {
        int[] payers = {4, 5, 6, 7};
        String merchant = stack.anvil().merchant().address();
        BigInteger merchantBefore = stack.balance(merchant);
        JsonNode offered = stack.offered(a, "/demo/weather");
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String header = TestPayments.v2Header(offered, stack.anvil().account(payers[i % payers.length]).privateKey());
            calls.add(stack.getAsync(i % 2 == 0 ? a : b, "/demo/weather", header));
        }

        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> r = call.get(90, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
        }

        assertEquals(merchantBefore.add(FaultStack.PRICE.multiply(BigInteger.valueOf(16))), stack.balance(merchant));
        for (int settler : new int[] {9, 0}) {
            BigInteger sent = stack.chain().web3j().ethGetTransactionCount(stack.anvil().account(settler).address(),
                    org.web3j.protocol.core.DefaultBlockParameterName.LATEST).send().getTransactionCount();
            assertTrue(sent.signum() > 0, "pod with settler #" + settler + " settled some of the payments");
        }
    }
}
