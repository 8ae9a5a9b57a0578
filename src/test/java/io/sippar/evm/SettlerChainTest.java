package io.sippar.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sippar.testsupport.AnvilFixture;
import io.sippar.x402.Payment;
import io.sippar.x402.SettleResponse;
import io.smallrye.mutiny.Uni;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.utils.Numeric;

/**
 * The settler's nonce and receipt handling against anvil. Stuck transactions are produced by turning
 * automine off ({@code evm_setAutomine false}): the transaction then waits in the pool until the test
 * calls {@code evm_mine}, which is deterministic, unlike racing a block timer or a fee floor.
 */
class SettlerChainTest {

    @RegisterExtension
    static final AnvilChain CHAIN = new AnvilChain();

    private static AnvilFixture anvil;
    private static AnvilPayments chain;

    @BeforeAll
    static void chain() {
        anvil = CHAIN.anvil();
        chain = CHAIN.payments();
    }

    private static ExactEvmScheme scheme(Duration stuckAfter, Duration receiptTimeout) {
        TestEvmConfig.TestNetwork n = new TestEvmConfig.TestNetwork(anvil.chainId(), anvil.settler().privateKey(),
                anvil.rpcUrl());
        n.stuckAfter = stuckAfter;
        n.receiptTimeout = receiptTimeout;
        n.pollInterval = Duration.ofMillis(100);
        return new ExactEvmScheme(TestEvmConfig.of(n));
    }

    @Test
    void stuckTransactionIsRepricedAndTheMinedReplacementIsReported() throws Exception {
        try (ExactEvmScheme scheme = scheme(Duration.ofSeconds(1), Duration.ofSeconds(30))) {
            Payment p = chain.payment(anvil.payer(), "7");
            BigInteger merchantBefore = chain.balanceOf(anvil.merchant().address());
            List<String> hashes = new CopyOnWriteArrayList<>();
            chain.control("evm_setAutomine", false);

            CompletableFuture<SettleResponse> settled = scheme.settle(p, p.acceptedRequirements().orElseThrow(),
                    tx -> {
                        hashes.add(tx);
                        return Uni.createFrom().voidItem();
                    }).subscribeAsCompletionStage();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (hashes.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(hashes.size() >= 2, "expected a replacement broadcast, got " + hashes);
            chain.control("evm_mine");
            SettleResponse r = settled.get(15, TimeUnit.SECONDS);

            assertTrue(r.success(), () -> r.errorReason() + ": " + r.errorMessage());
            assertTrue(hashes.contains(r.transaction()));
            assertNotEquals(hashes.get(0), r.transaction(), "the pool keeps only the re-priced replacement");
            var mined = chain.web3j.ethGetTransactionByHash(r.transaction()).send().getTransaction().orElseThrow();
            var first = chain.web3j.ethGetTransactionByHash(hashes.get(0)).send().getTransaction();
            assertTrue(first.isEmpty() || first.get().getBlockHash() == null, "the original must not be mined");
            assertTrue(mined.getMaxFeePerGas().signum() > 0);
            assertEquals(merchantBefore.add(BigInteger.valueOf(7)), chain.balanceOf(anvil.merchant().address()));
        }
    }

    @Test
    void receiptTimeoutLeavesTheOutcomePendingWithTheHash() throws Exception {
        try (ExactEvmScheme scheme = scheme(Duration.ofSeconds(30), Duration.ofSeconds(1))) {
            Payment p = chain.payment(anvil.account(3), "3");
            List<String> hashes = new CopyOnWriteArrayList<>();
            chain.control("evm_setAutomine", false);

            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> scheme.settle(p, p.acceptedRequirements().orElseThrow(), tx -> {
                        hashes.add(tx);
                        return Uni.createFrom().voidItem();
                    }).subscribeAsCompletionStage().get(15, TimeUnit.SECONDS));

            SettlementPendingException pending = assertInstanceOf(SettlementPendingException.class, e.getCause());
            assertEquals(hashes.get(hashes.size() - 1), pending.transactionHash());
            // what the reconciler would then find: the transaction lands later
            chain.control("evm_mine");
            assertTrue(chain.web3j.ethGetTransactionReceipt(pending.transactionHash()).send()
                    .getTransactionReceipt().orElseThrow().isStatusOK());
            assertTrue(chain.authorizationState(anvil.account(3).address(), chain.nonceOf(p)));
        }
    }

    @Test
    void nonceTooLowAfterAnOutsideTransactionResyncsWithoutLosingThePayment() throws Exception {
        try (ExactEvmScheme scheme = scheme(Duration.ofSeconds(20), Duration.ofSeconds(30))) {
            Payment first = chain.payment(anvil.account(6), "1");
            assertTrue(scheme.settle(first, first.acceptedRequirements().orElseThrow(),
                    io.sippar.scheme.BroadcastListener.NONE).await().atMost(Duration.ofSeconds(30)).success());

            // someone else (another replica, an operator) uses the settler key: our cached nonce is now stale
            Credentials settler = Credentials.create(anvil.settler().privateKey());
            BigInteger nonce = chain.web3j.ethGetTransactionCount(settler.getAddress(),
                    DefaultBlockParameterName.PENDING).send().getTransactionCount();
            RawTransaction tx = RawTransaction.createTransaction(anvil.chainId(), nonce, BigInteger.valueOf(21_000),
                    anvil.account(0).address(), BigInteger.ONE, "", BigInteger.valueOf(1_000_000_000L),
                    BigInteger.valueOf(100_000_000_000L));
            String sent = chain.web3j.ethSendRawTransaction(Numeric.toHexString(
                    TransactionEncoder.signMessage(tx, anvil.chainId(), settler))).send().getTransactionHash();
            assertTrue(sent != null);

            Payment second = chain.payment(anvil.account(6), "1");
            BigInteger before = chain.balanceOf(anvil.merchant().address());
            SettleResponse r = scheme.settle(second, second.acceptedRequirements().orElseThrow(),
                    io.sippar.scheme.BroadcastListener.NONE).await().atMost(Duration.ofSeconds(30));

            assertTrue(r.success(), () -> r.errorReason() + ": " + r.errorMessage());
            assertEquals(before.add(BigInteger.ONE), chain.balanceOf(anvil.merchant().address()));
        }
    }

    @Test
    void refusedBroadcastIsUnavailableAndLeavesNoNonceGap() throws Exception {
        // a fresh settler without ETH: the node refuses the transaction (funds for gas)
        Credentials fresh = Credentials.create(org.web3j.crypto.Keys.createEcKeyPair());
        String key = Numeric.toHexStringWithPrefixZeroPadded(fresh.getEcKeyPair().getPrivateKey(), 64);
        TestEvmConfig.TestNetwork n = new TestEvmConfig.TestNetwork(anvil.chainId(), key, anvil.rpcUrl());
        n.receiptTimeout = Duration.ofSeconds(10);
        n.pollInterval = Duration.ofMillis(100);
        try (ExactEvmScheme scheme = new ExactEvmScheme(TestEvmConfig.of(n))) {
            Payment refused = chain.payment(anvil.account(7), "1");
            org.junit.jupiter.api.Assertions.assertThrows(io.sippar.scheme.SchemeUnavailableException.class,
                    () -> scheme.settle(refused, refused.acceptedRequirements().orElseThrow(),
                            io.sippar.scheme.BroadcastListener.NONE).await().atMost(Duration.ofSeconds(30)));

            chain.control("anvil_setBalance", fresh.getAddress(), "0x56BC75E2D63100000");
            Payment next = chain.payment(anvil.account(7), "1");
            SettleResponse r = scheme.settle(next, next.acceptedRequirements().orElseThrow(),
                    io.sippar.scheme.BroadcastListener.NONE).await().atMost(Duration.ofSeconds(30));

            // nonce 0 was not burnt by the refused broadcast: had it been, this one would wait at nonce 1 forever
            assertTrue(r.success(), () -> r.errorReason() + ": " + r.errorMessage());
            assertEquals(BigInteger.ZERO, chain.web3j.ethGetTransactionByHash(r.transaction()).send()
                    .getTransaction().orElseThrow().getNonce());
        }
    }

    @Test
    void sameAuthorizationSettledTwiceAtOnceMovesFundsOnce() throws Exception {
        try (ExactEvmScheme scheme = scheme(Duration.ofSeconds(20), Duration.ofSeconds(30))) {
            Payment p = chain.payment(anvil.account(8), "11");
            BigInteger before = chain.balanceOf(anvil.merchant().address());
            chain.control("evm_setAutomine", false);
            var a = scheme.settle(p, p.acceptedRequirements().orElseThrow(), io.sippar.scheme.BroadcastListener.NONE)
                    .subscribeAsCompletionStage();
            var b = scheme.settle(p, p.acceptedRequirements().orElseThrow(), io.sippar.scheme.BroadcastListener.NONE)
                    .subscribeAsCompletionStage();
            Thread.sleep(1_000);
            chain.control("evm_mine");
            SettleResponse ra = a.get(20, TimeUnit.SECONDS);
            SettleResponse rb = b.get(20, TimeUnit.SECONDS);

            assertEquals(1, (ra.success() ? 1 : 0) + (rb.success() ? 1 : 0), ra + " / " + rb);
            SettleResponse failed = ra.success() ? rb : ra;
            // either caught at estimation (pending state) or mined and reverted: both name the reason
            assertTrue(List.of("invalid_exact_evm_nonce_already_used", "invalid_exact_evm_transaction_failed")
                    .contains(failed.errorReason()), failed.toString());
            if ("invalid_exact_evm_transaction_failed".equals(failed.errorReason())) {
                assertTrue(failed.transaction().startsWith("0x"), failed.toString());
            }
            assertEquals(before.add(BigInteger.valueOf(11)), chain.balanceOf(anvil.merchant().address()));
        }
    }
}
