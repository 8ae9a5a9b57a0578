package io.sippar.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sippar.scheme.BroadcastListener;
import io.sippar.scheme.ChainStatus;
import io.sippar.scheme.NetworkFee;
import io.sippar.scheme.UnfinishedPayment;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.x402.Payment;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.SettleResponse;
import io.smallrye.mutiny.Uni;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/** Settlement batching through Multicall3 on anvil: per-payment outcomes, positions, fee shares, reconciler lookups. */
class SettlementBatcherTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
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

    @AfterEach
    void automineBackOn() throws Exception {
        chain.control("evm_setAutomine", true);
    }

    private static ExactEvmScheme batching(int maxSize, Duration maxWait, int maxInFlight) {
        TestEvmConfig.TestNetwork n = new TestEvmConfig.TestNetwork(anvil.chainId(), anvil.settler().privateKey(),
                anvil.rpcUrl());
        n.pollInterval = Duration.ofMillis(50);
        n.batchEnabled = true;
        n.batchMaxSize = maxSize;
        n.batchMaxWait = maxWait;
        n.batchMaxInFlight = maxInFlight;
        return new ExactEvmScheme(TestEvmConfig.of(n));
    }

    /** What one payment's listener heard. */
    private static final class Heard implements BroadcastListener {
        final List<String> hashes = new CopyOnWriteArrayList<>();
        final List<Integer> positions = new CopyOnWriteArrayList<>();
        final List<BigInteger> maxFees = new CopyOnWriteArrayList<>();
        final List<BigInteger> paid = new CopyOnWriteArrayList<>();

        @Override
        public Uni<Void> broadcast(String transactionId) {
            hashes.add(transactionId);
            return Uni.createFrom().voidItem();
        }

        @Override
        public Uni<Void> broadcast(String transactionId, int batchIndex) {
            positions.add(batchIndex);
            return broadcast(transactionId);
        }

        @Override
        public Uni<Void> beforeBroadcast(NetworkFee maxFee) {
            maxFees.add(maxFee.amount());
            return Uni.createFrom().voidItem();
        }

        @Override
        public Uni<Void> feePaid(NetworkFee fee) {
            paid.add(fee.amount());
            return Uni.createFrom().voidItem();
        }
    }

    private static List<CompletableFuture<SettleResponse>> settleAll(ExactEvmScheme scheme, List<Payment> payments,
            List<Heard> heard) {
        List<CompletableFuture<SettleResponse>> out = new ArrayList<>();
        for (int i = 0; i < payments.size(); i++) {
            Payment p = payments.get(i);
            out.add(scheme.settle(p, p.acceptedRequirements().orElseThrow(), heard.get(i)).subscribeAsCompletionStage());
        }
        return out;
    }

    private static List<Heard> listeners(int n) {
        List<Heard> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Heard());
        }
        return out;
    }

    /** Sends {@code p}'s transferWithAuthorization from account #0 (an outsider) with a high tip; returns its hash. */
    private static String outsiderUses(Payment p, long tipGwei) throws Exception {
        ExactEvmPayload payload = ExactEvmPayload.parse(p.payload());
        String data = TokenAbi.transferWithAuthorization(payload.authorization(), payload.signatureBytes());
        Credentials outsider = Credentials.create(anvil.account(0).privateKey());
        BigInteger nonce = chain.web3j.ethGetTransactionCount(outsider.getAddress(), DefaultBlockParameterName.PENDING)
                .send().getTransactionCount();
        BigInteger tip = BigInteger.valueOf(tipGwei).multiply(BigInteger.TEN.pow(9));
        RawTransaction tx = RawTransaction.createTransaction(anvil.chainId(), nonce, BigInteger.valueOf(200_000),
                anvil.token().address(), BigInteger.ZERO, data, tip, tip.multiply(BigInteger.TWO));
        var sent = chain.web3j.ethSendRawTransaction(Numeric.toHexString(
                TransactionEncoder.signMessage(tx, anvil.chainId(), outsider))).send();
        assertFalse(sent.hasError(), () -> sent.getError().getMessage());
        return sent.getTransactionHash();
    }

    /** The receipt of a transaction sent to the node, waiting (bounded) for the block that mines it. */
    private TransactionReceipt minedReceipt(String hash) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() - deadline < 0) {
            var receipt = chain.web3j.ethGetTransactionReceipt(hash).send().getTransactionReceipt();
            if (receipt.isPresent()) {
                return receipt.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("transaction " + hash + " was not mined within 20 s");
    }

    @Test
    void batchWithOneUsedAuthorizationSettlesTheOthersInOneTransaction() throws Exception {
        try (ExactEvmScheme scheme = batching(10, Duration.ofMillis(500), 1)) {
            int[] payers = {1, 4, 5, 6, 7, 8};
            List<Payment> payments = new ArrayList<>();
            for (int a : payers) {
                payments.add(chain.payment(anvil.account(a), "11"));
            }
            // the authorization of payment 2 is spent by someone else before the gateway settles it
            String outsider = outsiderUses(payments.get(2), 2);
            assertTrue(minedReceipt(outsider).isStatusOK());
            BigInteger before = chain.balanceOf(anvil.merchant().address());
            List<Heard> heard = listeners(payments.size());

            List<SettleResponse> results = new ArrayList<>();
            for (CompletableFuture<SettleResponse> f : settleAll(scheme, payments, heard)) {
                results.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            }

            SettleResponse refused = results.get(2);
            assertFalse(refused.success());
            assertEquals(ReasonCode.INVALID_EXACT_EVM_NONCE_ALREADY_USED.wire(), refused.errorReason());
            assertEquals("", refused.transaction(), "nothing was broadcast for it");
            assertTrue(heard.get(2).hashes.isEmpty() && heard.get(2).maxFees.isEmpty(), "its row never moved to settling");

            Set<String> txs = new HashSet<>();
            Set<Integer> positions = new HashSet<>();
            for (int i = 0; i < results.size(); i++) {
                if (i == 2) {
                    continue;
                }
                SettleResponse r = results.get(i);
                assertTrue(r.success(), () -> r.errorReason() + ": " + r.errorMessage());
                txs.add(r.transaction());
                assertEquals(List.of(r.transaction()), heard.get(i).hashes);
                positions.addAll(heard.get(i).positions);
            }
            assertEquals(1, txs.size(), "the five good authorizations went out in one transaction: " + txs);
            assertEquals(Set.of(0, 1, 2, 3, 4), positions, "each payment has its own call of the batch");
            String batch = txs.iterator().next();
            TransactionReceipt receipt = chain.web3j.ethGetTransactionReceipt(batch).send().getTransactionReceipt()
                    .orElseThrow();
            assertEquals(Multicall3.ADDRESS.toLowerCase(), receipt.getTo().toLowerCase());
            assertEquals(5, receipt.getLogs().stream()
                    .filter(l -> SettlementLookup.AUTHORIZATION_USED.equalsIgnoreCase(l.getTopics().get(0))).count());
            assertEquals(before.add(BigInteger.valueOf(55)), chain.balanceOf(anvil.merchant().address()));

            // the fee shares add up to exactly what the transaction cost
            BigInteger cost = receipt.getGasUsed().multiply(Numeric.decodeQuantity(receipt.getEffectiveGasPrice()));
            BigInteger shares = BigInteger.ZERO;
            for (int i = 0; i < heard.size(); i++) {
                if (i != 2) {
                    assertEquals(1, heard.get(i).paid.size());
                    shares = shares.add(heard.get(i).paid.get(0));
                    assertTrue(heard.get(i).maxFees.get(0).compareTo(heard.get(i).paid.get(0)) >= 0,
                            "the share held before the broadcast bounds the share paid");
                }
            }
            assertEquals(cost, shares);

            // the reconciler's lookup finds each payment's call, with and without the recorded hash
            for (int i = 0; i < payments.size(); i++) {
                if (i == 2) {
                    continue;
                }
                int position = heard.get(i).positions.get(0);
                for (Optional<String> recorded : List.of(Optional.of(batch), Optional.<String>empty())) {
                    ChainStatus status = scheme.status(unfinished(payments.get(i), recorded))
                            .await().atMost(WAIT);
                    ChainStatus.Executed e = assertInstanceOf(ChainStatus.Executed.class, status, status::evidence);
                    assertEquals(batch, e.transactionId());
                    assertEquals(position, e.batchIndex(), e.evidence());
                }
            }
        }
    }

    @Test
    void callThatRevertsOnChainFailsOnlyItsPayment() throws Exception {
        try (ExactEvmScheme scheme = batching(10, Duration.ofMillis(300), 1)) {
            List<Payment> payments = List.of(chain.payment(anvil.account(1), "3"), chain.payment(anvil.account(4), "3"),
                    chain.payment(anvil.account(5), "3"), chain.payment(anvil.account(6), "3"));
            List<Heard> heard = listeners(payments.size());
            chain.control("evm_setAutomine", false);
            List<CompletableFuture<SettleResponse>> pending = settleAll(scheme, payments, heard);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (heard.stream().anyMatch(h -> h.hashes.isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(heard.stream().noneMatch(h -> h.hashes.isEmpty()), "the batch was broadcast");
            // it passed the pre-flight call; now an outsider with a higher tip spends payment 1 first in the block
            String outsider = outsiderUses(payments.get(1), 50);
            chain.control("evm_mine");

            List<SettleResponse> results = new ArrayList<>();
            for (CompletableFuture<SettleResponse> f : pending) {
                results.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            }
            String batch = heard.get(0).hashes.get(0);
            assertTrue(minedReceipt(outsider).isStatusOK());
            SettleResponse lost = results.get(1);
            assertFalse(lost.success());
            assertEquals(ReasonCode.INVALID_EXACT_EVM_TRANSACTION_FAILED.wire(), lost.errorReason());
            assertEquals(batch, lost.transaction(), "the failure names the batch transaction it was in");
            for (int i : new int[] {0, 2, 3}) {
                SettleResponse r = results.get(i);
                assertTrue(r.success(), () -> r.errorReason() + ": " + r.errorMessage());
                assertEquals(batch, r.transaction());
            }
        }
    }

    @Test
    void concurrentSettlementsWithBatchingAllLandInFewTransactions() throws Exception {
        try (ExactEvmScheme scheme = batching(50, Duration.ofMillis(20), 4)) {
            int[] payers = {1, 3, 4, 5, 6, 7, 8};
            List<Payment> payments = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                payments.add(chain.payment(anvil.account(payers[i % payers.length]), "1"));
            }
            BigInteger before = chain.balanceOf(anvil.merchant().address());

            ConcurrentSettlements.Result r = ConcurrentSettlements.run(scheme, payments, Duration.ofSeconds(120));

            assertEquals(0, r.failures(), r::toString);
            assertTrue(r.distinctTransactions() <= 50, "200 payments should share transactions: " + r);
            assertEquals(before.add(BigInteger.valueOf(200)), chain.balanceOf(anvil.merchant().address()));
            for (Payment p : payments) {
                assertTrue(chain.authorizationState(p.payload().at("/authorization/from").asText(), chain.nonceOf(p)));
            }
        }
    }

    @Test
    void sharesAddUpExactly() {
        assertEquals(List.of(BigInteger.valueOf(4), BigInteger.valueOf(3), BigInteger.valueOf(3)),
                SettlementBatcher.shares(BigInteger.TEN, 3));
        assertEquals(List.of(BigInteger.ZERO, BigInteger.ZERO), SettlementBatcher.shares(BigInteger.ZERO, 2));
        BigInteger big = new BigInteger("123456789012345678901234567890");
        assertEquals(big, SettlementBatcher.shares(big, 7).stream().reduce(BigInteger.ZERO, BigInteger::add));
    }

    private static UnfinishedPayment unfinished(Payment p, Optional<String> tx) {
        var a = p.payload().at("/authorization");
        return new UnfinishedPayment(anvil.network(), anvil.token().address(), a.get("from").asText(),
                a.get("to").asText(), new BigInteger(a.get("value").asText()), a.get("nonce").asText(), tx,
                Optional.of(Instant.ofEpochSecond(a.get("validBefore").asLong())), Instant.now().minusSeconds(60));
    }
}
