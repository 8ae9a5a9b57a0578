package io.sippar.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sippar.scheme.BroadcastListener;
import io.sippar.scheme.KeyLease;
import io.sippar.scheme.SchemeUnavailableException;
import io.sippar.x402.Payment;
import io.sippar.x402.SettleResponse;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.web3j.protocol.core.DefaultBlockParameterName;

/**
 * The settler signs only under a valid lease: nothing is signed or sent once the lease is gone or
 * about to end, a stuck transaction is not replaced after the lease moved on, and a process taking
 * a key over continues the chain's nonce sequence. Two schemes on one anvil stand for two pods.
 */
class LeasedSettlerTest {

    @RegisterExtension
    static final AnvilChain CHAIN = new AnvilChain();


    private static ExactEvmScheme pod(Duration stuckAfter) {
        TestEvmConfig.TestNetwork n = new TestEvmConfig.TestNetwork(CHAIN.anvil().chainId(), null, CHAIN.anvil().rpcUrl());
        n.settlementKeys = List.of(CHAIN.anvil().account(9).privateKey(), CHAIN.anvil().account(8).privateKey());
        n.stuckAfter = stuckAfter;
        n.pollInterval = Duration.ofMillis(100);
        n.rpcTimeout = Duration.ofSeconds(2);
        return new ExactEvmScheme(TestEvmConfig.of(n));
    }

    private static KeyLease lease(String signer, Duration valid) {
        return new KeyLease(CHAIN.anvil().network(), signer, 1, System.nanoTime() + valid.toNanos());
    }

    private static long pendingNonce(String address) throws Exception {
        return CHAIN.payments().web3j.ethGetTransactionCount(address, DefaultBlockParameterName.PENDING).send()
                .getTransactionCount().longValueExact();
    }

    private static SettleResponse settle(ExactEvmScheme scheme, Payment p, BroadcastListener listener)
            throws Exception {
        return scheme.settle(p, p.acceptedRequirements().orElseThrow(), listener).subscribeAsCompletionStage()
                .get(30, TimeUnit.SECONDS);
    }

    @Test
    void aRevokedLeaseRefusesTheSettlementBeforeAnythingIsSignedOrSent() throws Exception {
        try (ExactEvmScheme scheme = pod(Duration.ofSeconds(20))) {
            String signer = CHAIN.anvil().account(8).address();
            KeyLease lease = lease(signer, Duration.ofMinutes(1));
            scheme.use(lease);
            lease.revoke();
            long before = pendingNonce(signer);
            Payment p = CHAIN.payments().payment(CHAIN.anvil().payer(), "5");
            ExecutionException e = assertThrows(ExecutionException.class, () -> settle(scheme, p,
                    BroadcastListener.NONE));
            assertInstanceOf(SchemeUnavailableException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("no longer holds the settlement key lease"),
                    e.getCause().getMessage());
            assertEquals(before, pendingNonce(signer), "no transaction sent");
            assertFalse(CHAIN.payments().authorizationState(CHAIN.anvil().payer().address(), CHAIN.payments().nonceOf(p)), "not charged");
            assertTrue(scheme.settlementUnavailable(CHAIN.anvil().network()).orElseThrow().contains("has lapsed"));
        }
    }

    @Test
    void aLeaseEndingWithinTheBroadcastMarginIsAsGoodAsGone() throws Exception {
        try (ExactEvmScheme scheme = pod(Duration.ofSeconds(20))) {
            String signer = CHAIN.anvil().account(8).address();
            // 1 s left, but a broadcast may take the 2 s rpc-timeout: it could reach a node after the lease ended
            scheme.use(lease(signer, Duration.ofSeconds(1)));
            long before = pendingNonce(signer);
            ExecutionException e = assertThrows(ExecutionException.class, () -> settle(scheme,
                    CHAIN.payments().payment(CHAIN.anvil().payer(), "5"), BroadcastListener.NONE));
            assertInstanceOf(SchemeUnavailableException.class, e.getCause());
            assertEquals(before, pendingNonce(signer));
        }
    }

    @Test
    void withoutALeaseNothingSettlesAndTheReasonIsKnownBeforeReserving() throws Exception {
        try (ExactEvmScheme scheme = pod(Duration.ofSeconds(20))) {
            scheme.stopUsing(CHAIN.anvil().network());
            assertEquals("none of the 2 settlement keys of " + CHAIN.anvil().network()
                    + " is leased to this gateway (all in use by other gateways)",
                    scheme.settlementUnavailable(CHAIN.anvil().network()).orElseThrow());
            ExecutionException e = assertThrows(ExecutionException.class, () -> settle(scheme,
                    CHAIN.payments().payment(CHAIN.anvil().payer(), "5"), BroadcastListener.NONE));
            assertInstanceOf(SchemeUnavailableException.class, e.getCause());
            assertEquals(0, scheme.settlementsInFlight(CHAIN.anvil().network()));
        }
    }

    @Test
    void aStuckTransactionIsNotReplacedOnceTheLeaseHasMovedOn() throws Exception {
        try (ExactEvmScheme scheme = pod(Duration.ofMillis(500))) {
            KeyLease lease = lease(CHAIN.anvil().account(8).address(), Duration.ofMinutes(1));
            scheme.use(lease);
            Payment p = CHAIN.payments().payment(CHAIN.anvil().account(4), "6");
            List<String> hashes = new CopyOnWriteArrayList<>();
            CHAIN.payments().control("evm_setAutomine", false);
            CompletableFuture<SettleResponse> settled = scheme.settle(p, p.acceptedRequirements().orElseThrow(), tx -> {
                hashes.add(tx);
                // the lease is lost right after the first broadcast (another pod took the key)
                lease.revoke();
                return Uni.createFrom().voidItem();
            }).subscribeAsCompletionStage();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (hashes.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, scheme.settlementsInFlight(CHAIN.anvil().network()), "the settlement waits for its receipt");
            // four times stuck-after: an unleased settler would have re-priced by now (SettlerChainTest)
            Thread.sleep(2_000);
            assertEquals(1, hashes.size(), "no replacement after the lease moved on: " + hashes);
            CHAIN.payments().control("evm_mine");
            SettleResponse r = settled.get(30, TimeUnit.SECONDS);
            assertTrue(r.success(), r.errorReason() + " " + r.errorMessage());
            assertEquals(hashes.get(0), r.transaction(), "it still sees its own transaction mined");
            assertEquals(0, scheme.settlementsInFlight(CHAIN.anvil().network()));
        }
    }

    @Test
    void aPodTakingTheKeyOverContinuesTheChainsNonceSequence() throws Exception {
        String signer = CHAIN.anvil().account(9).address();
        try (ExactEvmScheme first = pod(Duration.ofSeconds(20)); ExactEvmScheme second = pod(Duration.ofSeconds(20))) {
            second.stopUsing(CHAIN.anvil().network());
            KeyLease firstLease = lease(signer, Duration.ofMinutes(1));
            first.use(firstLease);
            long start = pendingNonce(signer);
            SettleResponse a = settle(first, CHAIN.payments().payment(CHAIN.anvil().account(5), "2"), BroadcastListener.NONE);
            SettleResponse b = settle(first, CHAIN.payments().payment(CHAIN.anvil().account(5), "2"), BroadcastListener.NONE);
            // the handover: the first pod's lease ends, the second takes the key with the next epoch
            firstLease.revoke();
            first.stopUsing(CHAIN.anvil().network());
            second.use(new KeyLease(CHAIN.anvil().network(), signer, 2, System.nanoTime() + Duration.ofMinutes(1).toNanos()));
            SettleResponse c = settle(second, CHAIN.payments().payment(CHAIN.anvil().account(5), "2"), BroadcastListener.NONE);
            for (SettleResponse r : List.of(a, b, c)) {
                assertTrue(r.success(), r.errorReason() + " " + r.errorMessage());
            }
            long[] nonces = new long[3];
            int i = 0;
            for (SettleResponse r : List.of(a, b, c)) {
                var tx = CHAIN.payments().web3j.ethGetTransactionByHash(r.transaction()).send().getTransaction().orElseThrow();
                assertEquals(signer.toLowerCase(), tx.getFrom().toLowerCase());
                nonces[i++] = tx.getNonce().longValueExact();
            }
            assertEquals(start, nonces[0]);
            assertEquals(start + 1, nonces[1]);
            assertEquals(start + 2, nonces[2], "the new holder read pending from the chain: no gap, no reuse");
            ExecutionException e = assertThrows(ExecutionException.class, () -> settle(first,
                    CHAIN.payments().payment(CHAIN.anvil().account(5), "2"), BroadcastListener.NONE));
            assertInstanceOf(SchemeUnavailableException.class, e.getCause(), "the old holder no longer settles");
        }
    }
}
