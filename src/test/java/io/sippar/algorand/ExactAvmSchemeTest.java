package io.sippar.algorand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.algorand.algosdk.account.Account;
import com.algorand.algosdk.crypto.Address;
import com.algorand.algosdk.transaction.SignedTransaction;
import com.algorand.algosdk.transaction.Transaction;
import com.algorand.algosdk.util.Encoder;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.sippar.scheme.BroadcastListener;
import io.sippar.scheme.SchemeUnavailableException;
import io.sippar.testsupport.AlgodFixture;
import io.sippar.testsupport.AlgodQueries;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.SettleResponse;
import io.sippar.x402.SupportedKind;
import io.sippar.x402.VerifyResponse;
import io.smallrye.mutiny.Uni;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The exact scheme on the Algorand devnet: verify with simulation, settle, confirmation, and every chain-side outcome. */
class ExactAvmSchemeTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final AtomicInteger NOTES = new AtomicInteger();

    private static AlgodFixture algod;
    private static AlgodQueries chain;
    private static ExactAvmScheme scheme;
    private static Account feePayer;
    private static String merchant;

    @BeforeAll
    static void start() {
        // long polls end after 1 s, so a held pool shows "not confirmed in time" quickly
        algod = AlgodFixture.builder().waitTimeout(Duration.ofSeconds(1)).start();
        chain = new AlgodQueries(algod);
        feePayer = account(algod.feePayer());
        merchant = algod.merchant().address();
        scheme = scheme(network(algod.url()));
    }

    @AfterAll
    static void stop() {
        if (scheme != null) {
            scheme.close();
        }
        if (algod != null) {
            algod.close();
        }
    }

    private static TestAlgorandConfig.TestNetwork network(String... urls) {
        TestAlgorandConfig.TestNetwork n = new TestAlgorandConfig.TestNetwork(algod.network(), urls);
        n.algodToken = algod.token();
        n.feePayerKey = algod.feePayer().key();
        n.confirmationRounds = 3;
        n.algodTimeout = Duration.ofSeconds(10);
        n.blockWaitTimeout = Duration.ofSeconds(5);
        return n;
    }

    private static ExactAvmScheme scheme(TestAlgorandConfig.TestNetwork n) {
        return new ExactAvmScheme(TestAlgorandConfig.of(n), TestAlgorandConfig.vertx());
    }

    private static Account account(AlgodFixture.Account a) {
        try {
            return new Account(a.seed());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static PaymentRequirements requirements(String amount, String payTo) {
        return new PaymentRequirements("exact", algod.network(), amount, Long.toString(algod.usdcAssetId()), payTo, 60,
                JsonNodeFactory.instance.objectNode().put("decimals", 6).put("feePayer", feePayer.getAddress().toString()));
    }

    /** A group like the TS client's, valid from the devnet's current round, paying {@code amount} to {@code payTo}. */
    private static AvmGroups.Builder group(Account payer, long amount, String payTo) {
        AvmGroups.Builder b = AvmGroups.builder();
        long round = chain.lastRound();
        b.firstValid = round;
        b.lastValid = round + 1000;
        b.payer = payer;
        b.signer = payer;
        b.payTo = payTo;
        b.amount = amount;
        b.feePayer = feePayer;
        b.note = "x402-payment-v2-" + System.nanoTime() + "-" + NOTES.incrementAndGet();
        return b;
    }

    private static Payment payment(AvmGroups.Builder b) {
        return AvmGroups.payment(requirements(Long.toString(b.amount), b.payTo), b.build());
    }

    private static VerifyResponse verify(Payment p) {
        return scheme.verify(p, p.acceptedRequirements().orElseThrow()).await().atMost(WAIT);
    }

    private static SettleResponse settle(ExactAvmScheme s, Payment p, BroadcastListener listener) {
        return s.settle(p, p.acceptedRequirements().orElseThrow(), listener).await().atMost(WAIT);
    }

    private static String txId(Payment p) {
        return scheme.identify(p, p.acceptedRequirements().orElseThrow()).chainRef();
    }

    // ------------------------------------------------------------------ verify

    @Test
    void validGroupVerifiesThroughSimulationWithoutMovingAnything() {
        Account payer = account(algod.account("payer-2"));
        BigInteger before = chain.assetBalance(merchant, algod.usdcAssetId());
        VerifyResponse r = verify(payment(group(payer, 1000, merchant)));
        assertTrue(r.isValid(), () -> r.invalidReason() + ": " + r.invalidMessage());
        assertEquals(payer.getAddress().toString(), r.payer());
        assertEquals(before, chain.assetBalance(merchant, algod.usdcAssetId()));
    }

    @Test
    void payerWithoutTheFundsFailsSimulation() {
        VerifyResponse r = verify(payment(group(account(algod.account("no-usdc")), 1000, merchant)));
        assertEquals(ReasonCode.INVALID_EXACT_AVM_SIMULATION_FAILED.wire(), r.invalidReason());
        assertTrue(r.invalidMessage().contains("underflow"), r.invalidMessage());
    }

    @Test
    void merchantNotOptedInFailsSimulation() {
        VerifyResponse r = verify(payment(group(account(algod.account("payer-3")), 1000,
                algod.account("not-opted-in").address())));
        assertEquals(ReasonCode.INVALID_EXACT_AVM_SIMULATION_FAILED.wire(), r.invalidReason());
        assertTrue(r.invalidMessage().contains("missing from"), r.invalidMessage());
    }

    @Test
    void expiredGroupIsRefusedBeforeSimulation() {
        AvmGroups.Builder b = group(account(algod.account("payer-3")), 1000, merchant);
        // well in the past: the gateway's view of the round may be up to a second old
        b.lastValid = chain.lastRound() - 50;
        b.firstValid = b.lastValid - 100;
        VerifyResponse r = verify(payment(b));
        assertEquals(ReasonCode.INVALID_EXACT_AVM_TRANSACTION_EXPIRED.wire(), r.invalidReason(), r.invalidMessage());
    }

    @Test
    void groupValidOnlyInTheFutureIsRefused() {
        AvmGroups.Builder b = group(account(algod.account("payer-3")), 1000, merchant);
        b.firstValid = chain.lastRound() + 100;
        b.lastValid = b.firstValid + 500;
        VerifyResponse r = verify(payment(b));
        assertEquals(ReasonCode.INVALID_EXACT_AVM_TRANSACTION_NOT_YET_VALID.wire(), r.invalidReason(),
                r.invalidMessage());
    }

    @Test
    void groupValidFromARoundNewerThanTheCachedStatusIsNotRefusedAsNotYetValid() {
        // a verify fills the one-second status cache, then the chain moves past its slack
        VerifyResponse first = verify(payment(group(account(algod.account("payer-3")), 1000, merchant)));
        assertTrue(first.isValid(), () -> first.invalidReason() + ": " + first.invalidMessage());
        chain.rounds(10);
        // signed from the chain's round now, as a client does
        VerifyResponse r = verify(payment(group(account(algod.account("payer-3")), 1000, merchant)));
        assertTrue(r.isValid(), () -> r.invalidReason() + ": " + r.invalidMessage());
    }

    @Test
    void rekeyedPayerSignedByItsAuthorityVerifiesAndSettles() throws Exception {
        AlgodFixture.Account rekeyed = algod.account("rekeyed-payer");
        Account authority = account(algod.account("rekey-authority"));
        // the payment is sent by the rekeyed account and signed by its authority (algosdk then names it as sgnr)
        AvmGroups.Builder b = group(authority, 1000, merchant);
        Transaction pay = b.paymentTxn();
        pay.sender = new Address(rekeyed.address());
        Transaction fee = b.feePayerTxn();
        com.algorand.algosdk.transaction.TxGroup.assignGroupID(fee, pay);
        SignedTransaction signed = authority.signTransaction(pay);
        AvmGroups.Group g = new AvmGroups.Group(List.of(AvmGroups.b64(Encoder.encodeToMsgPack(fee)),
                AvmGroups.b64(Encoder.encodeToMsgPack(signed))), 1);
        Payment p = AvmGroups.payment(requirements("1000", merchant), g);
        VerifyResponse v = verify(p);
        assertTrue(v.isValid(), () -> v.invalidReason() + ": " + v.invalidMessage());
        SettleResponse s = settle(scheme, p, BroadcastListener.NONE);
        assertTrue(s.success(), () -> s.errorReason() + ": " + s.errorMessage());
        assertEquals(rekeyed.address(), s.payer());
    }

    @Test
    void unreachableNodesAreOurOutageNotAnInvalidPayment() throws Exception {
        try (ExactAvmScheme down = scheme(network(AlgodStub.deadUrl(), AlgodStub.deadUrl()))) {
            Payment p = payment(group(account(algod.account("payer-2")), 1000, merchant));
            assertThrows(SchemeUnavailableException.class,
                    () -> down.verify(p, p.acceptedRequirements().orElseThrow()).await().atMost(WAIT));
            assertThrows(SchemeUnavailableException.class,
                    () -> down.settle(p, p.acceptedRequirements().orElseThrow(), BroadcastListener.NONE)
                            .await().atMost(WAIT));
        }
    }

    @Test
    void verifyFailsOverFromADeadNode() throws Exception {
        try (ExactAvmScheme failover = scheme(network(AlgodStub.deadUrl(), algod.url()))) {
            Payment p = payment(group(account(algod.account("payer-2")), 1000, merchant));
            VerifyResponse r = failover.verify(p, p.acceptedRequirements().orElseThrow()).await().atMost(WAIT);
            assertTrue(r.isValid(), () -> r.invalidReason() + ": " + r.invalidMessage());
        }
    }

    // ------------------------------------------------------------------ settle

    @Test
    void settleMovesExactlyThePriceAndTheFeePayerPaysTheFee() {
        Account payer = account(algod.account("payer-5"));
        String payerAddress = payer.getAddress().toString();
        String merchant2 = algod.account("merchant-2").address();
        BigInteger merchantBefore = chain.assetBalance(merchant2, algod.usdcAssetId());
        BigInteger payerBefore = chain.assetBalance(payerAddress, algod.usdcAssetId());
        BigInteger payerAlgoBefore = chain.algo(payerAddress);
        BigInteger feePayerAlgoBefore = chain.algo(feePayer.getAddress().toString());
        Payment p = payment(group(payer, 12_345, merchant2));
        List<String> heard = new CopyOnWriteArrayList<>();

        SettleResponse s = settle(scheme, p, tx -> {
            heard.add(tx);
            return Uni.createFrom().voidItem();
        });

        assertTrue(s.success(), () -> s.errorReason() + ": " + s.errorMessage());
        assertEquals(txId(p), s.transaction());
        assertEquals(52, s.transaction().length());
        assertEquals(algod.network(), s.network());
        assertEquals(payerAddress, s.payer());
        assertEquals(List.of(s.transaction()), heard, "the listener hears the payment's txid once");
        assertTrue(chain.confirmedRound(s.transaction()) > 0);
        assertEquals(merchantBefore.add(BigInteger.valueOf(12_345)), chain.assetBalance(merchant2, algod.usdcAssetId()));
        assertEquals(payerBefore.subtract(BigInteger.valueOf(12_345)), chain.assetBalance(payerAddress,
                algod.usdcAssetId()));
        assertEquals(payerAlgoBefore, chain.algo(payerAddress), "the payer pays no ALGO fee");
        assertEquals(feePayerAlgoBefore.subtract(BigInteger.valueOf(2000)), chain.algo(feePayer.getAddress().toString()));
    }

    @Test
    void clientPayingItsOwnFeeSettlesWithoutTheFeePayer() {
        Account payer = account(algod.account("payer-6"));
        AvmGroups.Builder b = group(payer, 777, merchant);
        b.withFeePayer = false;
        BigInteger feePayerAlgoBefore = chain.algo(feePayer.getAddress().toString());
        SettleResponse s = settle(scheme, payment(b), BroadcastListener.NONE);
        assertTrue(s.success(), () -> s.errorReason() + ": " + s.errorMessage());
        assertEquals(feePayerAlgoBefore, chain.algo(feePayer.getAddress().toString()));
    }

    @Test
    void settlingTheSameGroupAgainIsRefusedAndMovesNothingMore() {
        Account payer = account(algod.account("payer-2"));
        Payment p = payment(group(payer, 500, merchant));
        assertTrue(settle(scheme, p, BroadcastListener.NONE).success());
        BigInteger after = chain.assetBalance(merchant, algod.usdcAssetId());
        SettleResponse again = settle(scheme, p, BroadcastListener.NONE);
        assertFalse(again.success());
        assertEquals(ReasonCode.INVALID_EXACT_AVM_SIMULATION_FAILED.wire(), again.errorReason());
        assertTrue(again.errorMessage().contains("already in ledger"), again.errorMessage());
        assertEquals(after, chain.assetBalance(merchant, algod.usdcAssetId()));
    }

    @Test
    void groupNotConfirmedInTimeIsPendingWithItsTxidThenResubmitIsIdempotent() throws Exception {
        Account payer = account(algod.account("payer-3"));
        Payment p = payment(group(payer, 321, merchant));
        String txId = txId(p);
        List<String> heard = new CopyOnWriteArrayList<>();
        BroadcastListener listener = tx -> {
            heard.add(tx);
            return Uni.createFrom().voidItem();
        };
        chain.pause();
        try {
            ConfirmationPendingException e = assertThrows(ConfirmationPendingException.class,
                    () -> settle(scheme, p, listener));
            assertEquals(txId, e.transactionId());
            assertEquals(List.of(txId), heard, "recorded before the wait, so a crash leaves a row naming it");
            assertEquals(0, chain.confirmedRound(txId));

            // a retry submits the same group: algod says "already in ledger" (pooled), which means "look it up"
            CompletableFuture<SettleResponse> retry = scheme.settle(p, p.acceptedRequirements().orElseThrow(),
                    listener).subscribeAsCompletionStage();
            waitUntil(() -> heard.size() == 2);
            chain.resume();
            SettleResponse s = retry.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(s.success(), () -> s.errorReason() + ": " + s.errorMessage());
            assertEquals(txId, s.transaction());
        } finally {
            chain.resume();
        }
        assertTrue(chain.confirmedRound(txId) > 0);
    }

    @Test
    void groupDroppedFromThePoolIsAConfirmationFailure() {
        Payment p = payment(group(account(algod.account("payer-4")), 222, merchant));
        chain.pause();
        try {
            SettleResponse s = settle(scheme, p, tx -> Uni.createFrom().item(() -> {
                chain.evict(tx, "txn dead: round 1 outside of 2--3");
                return null;
            }).replaceWithVoid().runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure
                    .getDefaultWorkerPool()));
            assertFalse(s.success());
            assertEquals(ReasonCode.INVALID_EXACT_AVM_CONFIRMATION_FAILED.wire(), s.errorReason());
            assertTrue(s.errorMessage().contains("txn dead"), s.errorMessage());
            assertEquals(txId(p), s.transaction());
        } finally {
            chain.resume();
        }
    }

    @Test
    void groupTheNodeRefusesAtSubmitIsASettlementFailure() {
        // two groups that each pass simulation but cannot both be paid: the second overspends at submit
        Account payer = account(algod.account("spare-3"));
        BigInteger balance = chain.assetBalance(payer.getAddress().toString(), algod.usdcAssetId());
        long most = balance.multiply(BigInteger.valueOf(6)).divide(BigInteger.TEN).longValueExact();
        Payment first = payment(group(payer, most, merchant));
        Payment second = payment(group(payer, most, merchant));
        chain.pause();
        try {
            assertThrows(ConfirmationPendingException.class, () -> settle(scheme, first, BroadcastListener.NONE));
            SettleResponse s = settle(scheme, second, BroadcastListener.NONE);
            assertFalse(s.success());
            assertEquals(ReasonCode.INVALID_EXACT_AVM_SETTLEMENT_FAILED.wire(), s.errorReason());
            assertTrue(s.errorMessage().contains("underflow"), s.errorMessage());
            assertEquals(txId(second), s.transaction());
        } finally {
            chain.resume();
        }
        assertTrue(chain.confirmedRound(txId(first)) > 0);
        assertEquals(0, chain.confirmedRound(txId(second)));
    }

    @Test
    void invalidGroupIsNeverSubmitted() throws Exception {
        AvmGroups.Builder b = group(account(algod.account("payer-2")), 1000, merchant);
        b.signer = AvmGroups.OTHER;
        AvmGroups.Group g = b.build();
        SettleResponse s = settle(scheme, AvmGroups.payment(requirements("1000", merchant), g), tx -> {
            throw new AssertionError("nothing may be broadcast for an invalid payment");
        });
        assertEquals(ReasonCode.INVALID_EXACT_AVM_INVALID_SIGNATURE.wire(), s.errorReason());
        assertEquals("", s.transaction());
        assertEquals(algod.network(), s.network());
        assertTrue(chain.pending(AvmCodec.decode(1, g.elements().get(1)).txId()).isMissingNode());
    }

    // ------------------------------------------------------------------ discovery

    @Test
    void supportedKindAndRequirementExtraCarryTheFeePayer() {
        String address = feePayer.getAddress().toString();
        assertEquals(List.of(new SupportedKind(2, "exact", algod.network(),
                JsonNodeFactory.instance.objectNode().put("feePayer", address))), scheme.kinds());
        assertEquals(Map.of("algorand:*", List.of(address)), scheme.signers());
        assertEquals(address, scheme.requirementExtra(algod.network()).orElseThrow().get("feePayer").asText());
        assertTrue(scheme.supports(algod.network()));
        assertFalse(scheme.supports(algod.state().get("networkShort").asText()),
                "one spelling per network: the replay key must be unique");
        assertFalse(scheme.supports("algorand:" + AvmVectors.MAINNET_GH));
    }

    @Test
    void withoutAFeePayerKeyNothingIsOfferedAndBareFeePayersAreRefused() {
        TestAlgorandConfig.TestNetwork n = network(algod.url());
        n.feePayerKey = null;
        try (ExactAvmScheme keyless = scheme(n)) {
            assertNull(keyless.kinds().get(0).extra());
            assertTrue(keyless.signers().isEmpty());
            assertTrue(keyless.requirementExtra(algod.network()).isEmpty());
            Payment p = payment(group(account(algod.account("payer-2")), 1000, merchant));
            VerifyResponse r = keyless.verify(p, p.acceptedRequirements().orElseThrow()).await().atMost(WAIT);
            assertEquals(ReasonCode.INVALID_EXACT_AVM_UNSIGNED_NON_FACILITATOR.wire(), r.invalidReason());
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + WAIT);
            }
            Thread.sleep(20);
        }
    }
}
