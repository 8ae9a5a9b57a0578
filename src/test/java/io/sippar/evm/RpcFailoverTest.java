package io.sippar.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sippar.scheme.BroadcastListener;
import io.sippar.scheme.SchemeUnavailableException;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.x402.Payment;
import io.sippar.x402.VerifyResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;

/** Endpoint failover, breakers and "our outage is not an invalid payment". */
class RpcFailoverTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static AnvilFixture anvil;
    private static AnvilPayments chain;

    @BeforeAll
    static void start() {
        anvil = AnvilFixture.builder().blockTime(0).start();
        chain = new AnvilPayments(anvil);
    }

    @AfterAll
    static void stop() {
        chain.close();
        anvil.close();
    }

    /** A loopback port nobody listens on: connections are refused at once. */
    private static String deadUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    private static ExactEvmScheme scheme(Duration rpcTimeout, String... urls) {
        TestEvmConfig.TestNetwork n = new TestEvmConfig.TestNetwork(anvil.chainId(), anvil.settler().privateKey(),
                urls);
        n.rpcTimeout = rpcTimeout;
        return new ExactEvmScheme(TestEvmConfig.of(n));
    }

    private static VerifyResponse verify(ExactEvmScheme scheme, Payment p) {
        return scheme.verify(p, p.acceptedRequirements().orElseThrow()).await().atMost(WAIT);
    }

    @Test
    void verifyFailsOverFromDeadFirstEndpoint() throws Exception {
        try (ExactEvmScheme scheme = scheme(Duration.ofSeconds(2), deadUrl(), anvil.rpcUrl())) {
            VerifyResponse r = verify(scheme, chain.payment(anvil.payer(), "5"));
            assertTrue(r.isValid(), () -> r.invalidReason() + ": " + r.invalidMessage());
        }
    }

    @Test
    void settleFailsOverFromDeadFirstEndpoint() throws Exception {
        try (ExactEvmScheme scheme = scheme(Duration.ofSeconds(2), deadUrl(), anvil.rpcUrl())) {
            Payment p = chain.payment(anvil.account(7), "5");
            assertTrue(scheme.settle(p, p.acceptedRequirements().orElseThrow(), BroadcastListener.NONE)
                    .await().atMost(WAIT).success());
        }
    }

    @Test
    void allEndpointsDeadIsUnavailableNeverInvalid() throws Exception {
        try (ExactEvmScheme scheme = scheme(Duration.ofSeconds(2), deadUrl(), deadUrl())) {
            Payment p = chain.payment(anvil.payer(), "5");
            SchemeUnavailableException verifyErr = assertThrows(SchemeUnavailableException.class,
                    () -> verify(scheme, p));
            assertTrue(verifyErr.retryAfterSeconds() > 0);
            assertThrows(SchemeUnavailableException.class, () -> scheme.settle(p,
                    p.acceptedRequirements().orElseThrow(), BroadcastListener.NONE).await().atMost(WAIT));
        }
    }

    @Test
    void slowFirstNodeBeyondRpcTimeoutFailsOverQuickly() throws Exception {
        try (SlowProxy slow = new SlowProxy(anvil.rpcUrl(), Duration.ofSeconds(5));
                ExactEvmScheme scheme = scheme(Duration.ofMillis(300), slow.url(), anvil.rpcUrl())) {
            long start = System.nanoTime();
            VerifyResponse r = verify(scheme, chain.payment(anvil.payer(), "5"));
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("[evm] verify with a 5 s node first, rpcTimeout 300 ms: %d ms%n", millis);
            assertTrue(r.isValid(), () -> r.invalidReason() + ": " + r.invalidMessage());
            assertTrue(millis < 4_000, "took " + millis + " ms");
        }
    }

    @Test
    void onlySlowNodesIsUnavailableWithinBoundedTime() throws Exception {
        try (SlowProxy slow = new SlowProxy(anvil.rpcUrl(), Duration.ofSeconds(5));
                ExactEvmScheme scheme = scheme(Duration.ofMillis(300), slow.url(), slow.url())) {
            long start = System.nanoTime();
            assertThrows(SchemeUnavailableException.class, () -> verify(scheme, chain.payment(anvil.payer(), "5")));
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("[evm] verify with only 5 s nodes, rpcTimeout 300 ms: unavailable after %d ms%n", millis);
            // 2 passes x 2 endpoints x 300 ms, plus slack
            assertTrue(millis < 3_000, "took " + millis + " ms");
        }
    }

    @Test
    void breakerOpensOnDeadEndpointAndIsThenSkipped() throws Exception {
        try (EvmRpc rpc = new EvmRpc("test", List.of(deadUrl(), anvil.rpcUrl()), Duration.ofSeconds(1), 1,
                Duration.ofMinutes(1))) {
            rpc.read("eth_blockNumber", w -> w.ethBlockNumber()).await().atMost(WAIT);
            assertEquals(CircuitBreaker.State.OPEN, rpc.endpoints().get(0).breaker.state());
            assertEquals(CircuitBreaker.State.CLOSED, rpc.endpoints().get(1).breaker.state());
            // open: skipped without a connection attempt, the second endpoint answers
            assertTrue(rpc.read("eth_blockNumber", w -> w.ethBlockNumber()).await().atMost(WAIT)
                    .getBlockNumber().signum() >= 0);
        }
    }

    @Test
    void revertIsAnAnswerNotAnOutage() throws Exception {
        try (EvmRpc rpc = new EvmRpc("test", List.of(anvil.rpcUrl()), Duration.ofSeconds(1), 1,
                Duration.ofMinutes(1))) {
            // transferWithAuthorization with a garbage signature reverts
            Eip3009Authorization auth = chain.authorization(anvil.payer().address(), "1");
            String data = TokenAbi.transferWithAuthorization(auth, new byte[65]);
            var r = rpc.read("eth_call", w -> w.ethCall(Transaction.createEthCallTransaction(null,
                    anvil.token().address(), data), DefaultBlockParameterName.LATEST)).await().atMost(WAIT);
            assertTrue(r.hasError());
            assertTrue(EvmRpc.isRevert(r.getError()), r.getError().getMessage());
            assertEquals(CircuitBreaker.State.CLOSED, rpc.endpoints().get(0).breaker.state());
        }
    }

    @Test
    void breakerOpenOnEveryEndpointFailsFastAsUnavailable() throws Exception {
        try (EvmRpc rpc = new EvmRpc("test", List.of(deadUrl()), Duration.ofSeconds(1), 1, Duration.ofMinutes(1))) {
            assertThrows(SchemeUnavailableException.class,
                    () -> rpc.read("eth_blockNumber", w -> w.ethBlockNumber()).await().atMost(WAIT));
            long start = System.nanoTime();
            Throwable t = assertThrows(SchemeUnavailableException.class,
                    () -> rpc.read("eth_blockNumber", w -> w.ethBlockNumber()).await().atMost(WAIT));
            assertTrue((System.nanoTime() - start) / 1_000_000 < 200);
            assertFalse(t.getMessage().isEmpty());
            assertInstanceOf(IOException.class, t.getCause());
        }
    }
}
