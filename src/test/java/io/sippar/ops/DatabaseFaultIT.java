package io.sippar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sippar.evm.TestPayments;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.FaultGateway;
import io.sippar.testsupport.FaultStack;
import io.sippar.x402.HeaderCodec;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL stopped mid-run and started again under the packaged gateway: requests during the outage
 * get 503 and are not charged; a settlement already broadcast when the database went away is still
 * served, and recorded once the database is back.
 */
class DatabaseFaultIT {

    private static FaultStack stack;
    private static FaultGateway gateway;

    @BeforeAll
    static void start() {
        stack = FaultStack.start();
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

    @AfterEach
    void chainAndLedgerAgree() {
        stack.db().restart();
        stack.chain().automine(true);
        stack.audit(9);
    }

    @Test
    void requestsDuringADatabaseOutageAre503AndChargeNothing() {
        AnvilFixture.Account payer = stack.anvil().account(1);
        BigInteger before = stack.balance(payer.address());
        List<String> headers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            headers.add(TestPayments.v2Header(stack.offered(gateway, "/demo/weather"), payer.privateKey()));
        }
        stack.db().stop();

        for (String header : headers) {
            long started = System.nanoTime();
            HttpResponse<String> r = stack.get(gateway, "/demo/weather", header);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("Retry-After").isPresent());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
            assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0, "bounded: " + took);
        }
        // the facilitator API too: its key check and settlement need the database
        com.fasterxml.jackson.databind.node.ObjectNode body = io.sippar.x402.X402Json.MAPPER.createObjectNode();
        body.put("x402Version", 2);
        body.set("paymentPayload", TestPayments.v2Payload(stack.offered(gateway, "/demo/weather"), payer.privateKey()));
        body.set("paymentRequirements", stack.offered(gateway, "/demo/weather"));
        for (String path : List.of("/settle", "/verify")) {
            HttpResponse<String> facilitator = stack.postWithApiKey(gateway, path, body.toString());
            assertEquals(503, facilitator.statusCode(), path + ": " + facilitator.body());
            assertTrue(facilitator.headers().firstValue("Retry-After").isPresent());
        }
        assertEquals(before, stack.balance(payer.address()), "nothing charged during the outage");

        stack.db().restart();
        HttpResponse<String> after = awaitNot503(headers.get(0));
        assertEquals(200, after.statusCode(), after.body());
        assertEquals(before.subtract(FaultStack.PRICE), stack.balance(payer.address()));
    }

    @Test
    void settlementBroadcastBeforeTheOutageIsServedAndRecordedOnceTheDatabaseIsBack() throws Exception {
        AnvilFixture.Account payer = stack.anvil().account(3);
        BigInteger before = stack.balance(payer.address());
        String header = TestPayments.v2Header(stack.offered(gateway, "/demo/weather"), payer.privateKey());
        stack.chain().automine(false);
        CompletableFuture<HttpResponse<String>> call = stack.getAsync(gateway, "/demo/weather", header);
        Map<String, Object> settling = stack.awaitPayment(payer.address(),
                r -> "settling".equals(r.get("state")) && r.get("tx_hash") != null, Duration.ofSeconds(60),
                "settling with its transaction recorded");
        stack.db().stop();
        stack.chain().mine();

        HttpResponse<String> answer = call.get(90, TimeUnit.SECONDS);

        // the chain said yes: the client gets what it paid for although the ledger could not be written yet
        assertEquals(200, answer.statusCode(), answer.body());
        String tx = HeaderCodec.decodeJson(answer.headers().firstValue("PAYMENT-RESPONSE").orElseThrow())
                .get("transaction").asText();
        assertEquals(settling.get("tx_hash"), tx);
        assertEquals(before.subtract(FaultStack.PRICE), stack.balance(payer.address()));
        stack.db().restart();
        Map<String, Object> settled = stack.awaitPayment(payer.address(), r -> "settled".equals(r.get("state")),
                Duration.ofSeconds(60), "settled by the reconciler");
        assertEquals(tx, settled.get("tx_hash"));
        assertEquals(1L, stack.journalEntries(settled.get("id")));
    }

    @Test
    void paymentVerifiedBeforeTheOutageIsNotChargedAndIsReleasedAfterwards() throws Exception {
        AnvilFixture.Account payer = stack.anvil().account(4);
        BigInteger before = stack.balance(payer.address());
        String header = TestPayments.v2Header(stack.offered(gateway, "/crash/slow"), payer.privateKey());
        CompletableFuture<HttpResponse<String>> call = stack.getAsync(gateway, "/crash/slow?ms=3000", header);
        stack.awaitPayment(payer.address(), r -> "verified".equals(r.get("state")), Duration.ofSeconds(60), "verified");
        stack.db().stop();

        HttpResponse<String> answer = call.get(90, TimeUnit.SECONDS);

        assertEquals(503, answer.statusCode(), answer.body());
        assertTrue(!answer.body().contains("sleptMs"), "no resource without payment");
        assertEquals(before, stack.balance(payer.address()));
        stack.db().restart();
        stack.awaitPayment(payer.address(), r -> "released".equals(r.get("state")), Duration.ofSeconds(60),
                "released by the reconciler");
        // the outage outlasted the key lease: broadcasting resumes once a renewal gets through
        gateway.awaitSettlementKey(Duration.ofSeconds(60));
        HttpResponse<String> retry = stack.get(gateway, "/crash/slow?ms=1", header);
        assertEquals(200, retry.statusCode(), retry.body());
        assertEquals(before.subtract(FaultStack.PRICE), stack.balance(payer.address()));
    }

    @Test
    void aFrozenDatabaseIsA503WithinTheDeadlineNotAHangAndChargesNothing() {
        AnvilFixture.Account payer = stack.anvil().account(5);
        BigInteger before = stack.balance(payer.address());
        String header = TestPayments.v2Header(stack.offered(gateway, "/demo/weather"), payer.privateKey());
        stack.db().freeze();
        try {
            long started = System.nanoTime();
            HttpResponse<String> r = stack.get(gateway, "/demo/weather", header);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("Retry-After").isPresent());
            assertTrue(took.compareTo(FaultStack.DATABASE_TIMEOUT.plusSeconds(10)) < 0, "bounded: " + took);
        } finally {
            stack.db().thaw();
        }
        assertEquals(before, stack.balance(payer.address()), "nothing charged while the database was frozen");
        // whatever the thawed database still did for that request (a late reservation) the reconciler
        // undoes; the same payment then pays exactly once
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> after = stack.get(gateway, "/demo/weather", header);
        while (after.statusCode() != 200 && System.nanoTime() < deadline) {
            FaultStack.sleep(500);
            after = stack.get(gateway, "/demo/weather", header);
        }
        assertEquals(200, after.statusCode(), after.body());
        assertEquals(before.subtract(FaultStack.PRICE), stack.balance(payer.address()));
    }

    /** Retries (at most 60 s) while the gateway still reports the outage. */
    private HttpResponse<String> awaitNot503(String header) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> r = stack.get(gateway, "/demo/weather", header);
        while (r.statusCode() == 503 && System.nanoTime() < deadline) {
            FaultStack.sleep(500);
            r = stack.get(gateway, "/demo/weather", header);
        }
        return r;
    }
}
