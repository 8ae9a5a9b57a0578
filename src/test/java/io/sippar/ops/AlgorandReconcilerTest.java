package io.sippar.ops;

import static io.restassured.RestAssured.given;
import static io.sippar.ops.ReconcilerRows.await;
import static io.sippar.ops.ReconcilerRows.decisionFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sippar.algorand.TestAvmPayments;
import io.sippar.ledger.NewPayment;
import io.sippar.ledger.PaymentRepository;
import io.sippar.ledger.PaymentState;
import io.sippar.ledger.Reservation;
import io.sippar.limits.GasBudget;
import io.sippar.scheme.BroadcastListener;
import io.sippar.scheme.NetworkFee;
import io.sippar.scheme.PaymentIdentity;
import io.sippar.scheme.PaymentScheme;
import io.sippar.scheme.SchemeRegistry;
import io.sippar.testsupport.AlgodFixture;
import io.sippar.testsupport.AlgodQueries;
import io.sippar.testsupport.AlgorandFaultAudit;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.testsupport.FaultAudit;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.SettleResponse;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler's Algorand decisions against the devnet and the database: each test leaves a payment
 * the way a crash, an outage or a lost submit would (a row past its deadline, the group committed,
 * pooled, dropped, or unknown to the node, at a given round), runs the reconciler once and checks the
 * row, its gas hold, the ledger and the chain agree. Rounds are the chain's: a group's window is put
 * before, around or after the node's round rather than waiting for rounds to pass.
 */
@QuarkusTest
class AlgorandReconcilerTest {

    private static final Duration WAIT = ReconcilerRows.WAIT;
    /** The paid-algo route's $0.002 of a 6-decimal USDC. */
    private static final BigInteger PRICE = BigInteger.valueOf(2000);
    /** What the fee payer pays for the client's group of two (2 x 1000 microAlgo). */
    private static final BigInteger GROUP_FEE = BigInteger.valueOf(2000);
    private static final String MERCHANT_2 = "Y3DLY4QMXXW5AL2ON7VP5TCFOB7UFV4HNNS3K5V6HDENED4HSA2ABY2IJI";

    @TestHTTPResource("/paid/algo/weather")
    URL paidAlgo;
    @TestHTTPResource("/demo/weather")
    URL demo;

    @Inject
    Reconciler reconciler;
    @Inject
    PaymentRepository payments;
    @Inject
    SchemeRegistry schemes;
    @Inject
    GasBudget gas;
    @Inject
    Pool pool;

    private ReconcilerRows rows;
    private AlgodFixture algod;
    private AlgodQueries chain;
    private PaymentScheme scheme;
    private JsonNode offered;
    private UUID merchant;
    private long startRound;
    private Instant startTime;

    @BeforeEach
    void setUp() {
        rows = new ReconcilerRows(pool);
        algod = ChainsTestResource.algorand();
        chain = new AlgodQueries(algod);
        chain.resume();
        offered = algorandOffer(paidAlgo);
        scheme = schemes.find("exact", algod.network()).orElseThrow();
        merchant = rows.one("SELECT merchant_id FROM route WHERE path_pattern = '/paid/algo/weather'").getUUID(0);
        startRound = chain.lastRound() + 1;
        startTime = rows.one("SELECT clock_timestamp() AS t").getOffsetDateTime("t").toInstant();
    }

    @AfterEach
    void chainAndLedgerAgree() {
        chain.resume();
        AlgorandFaultAudit.assertChainAndLedgerAgree(chain, algod.network(), algod.usdcAssetId(), Set.of(MERCHANT_2),
                startRound, startTime, FaultAudit.Database.ofTests());
    }

    // ------------------------------------------------------------------ settling

    @Test
    void settlingGroupTheChainCommittedIsSettledWithFeeJournalEntryAndItsGasHoldChargedAsHeld() {
        Signed p = sign("payer-2", 0, 1000);
        UUID id = settlingWithHold(p);
        SettleResponse onChain = settleOnChain(p, tx -> payments.recordTransaction(id, tx).replaceWithVoid());
        rows.backdate(id);
        long usage = rows.usage(merchant);

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.SETTLED, d.outcome(), d.toString());
        assertTrue(d.evidence().contains("confirmed in round"), d.evidence());
        Row row = rows.payment(id);
        assertEquals("settled", row.getString("state"));
        assertEquals(onChain.transaction(), row.getString("tx_hash"));
        assertEquals(p.identity().chainRef(), row.getString("tx_hash"), "on Algorand the TxID is the transaction");
        // $0.002 is micro: the $0.01 flat fee capped at 5% of the payment
        assertEquals(100L, row.getBigDecimal("fee_atomic").longValue());
        assertEquals(1L, rows.journalEntries(id));
        assertEquals(usage + 1, rows.usage(merchant));
        rows.assertHold(id, "charged", GROUP_FEE);
    }

    @Test
    void settlingGroupWhoseTxidNeverReachedTheRowIsSettledByItsTxid() {
        Signed p = sign("payer-3", 0, 1000);
        UUID id = settling(p);
        // the crash window: submitted and committed, but the TxID was never written
        settleOnChain(p, BroadcastListener.NONE);
        rows.backdate(id);

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.SETTLED, d.outcome(), d.toString());
        assertEquals(p.identity().chainRef(), rows.payment(id).getString("tx_hash"));
        assertEquals(1L, rows.journalEntries(id));
    }

    @Test
    void settlingGroupStillInThePoolIsLeftAndSettledOnceItCommits() throws InterruptedException {
        Signed p = sign("payer-4", 0, 1000);
        UUID id = settlingWithHold(p);
        chain.pause();
        submitInTheBackground(p, id);
        rows.backdate(id);

        Reconciler.Decision waiting = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.LEFT, waiting.outcome(), waiting.toString());
        assertTrue(waiting.evidence().contains("waits in the pool"), waiting.evidence());
        assertEquals("settling", rows.payment(id).getString("state"));
        rows.assertHold(id, "held", GROUP_FEE);

        chain.resume();
        rows.dueNow(id);
        assertEquals(Reconciler.Outcome.SETTLED, decisionFor(id, reconciler.runOnce()).outcome());
        assertEquals(1L, rows.journalEntries(id));
        rows.assertHold(id, "charged", GROUP_FEE);
    }

    @Test
    void groupDroppedFromThePoolIsLeftUntilItsLastValidRoundThenFailedAsDroppedWithItsHoldReleased()
            throws InterruptedException {
        AlgodFixture.Account payer = algod.account("payer-5");
        BigInteger before = chain.assetBalance(payer.address(), algod.usdcAssetId());
        long round = chain.lastRound();
        Signed p = sign("payer-5", round, round + 4);
        UUID id = settlingWithHold(p);
        chain.pause();
        submitInTheBackground(p, id);
        chain.evict(p.identity().chainRef(), "dropped by the test");
        rows.backdate(id);

        Reconciler.Decision stillValid = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.LEFT, stillValid.outcome(), stillValid.toString());
        assertTrue(stillValid.evidence().contains("pool-error: dropped by the test"), stillValid.evidence());
        assertTrue(stillValid.evidence().contains("can still be committed up to round " + (round + 4)),
                stillValid.evidence());

        chain.rounds(6);
        rows.dueNow(id);
        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.FAILED, d.outcome(), d.toString());
        assertEquals("settlement_dropped", d.reason());
        Row row = rows.payment(id);
        assertEquals("failed", row.getString("state"));
        assertEquals("settlement_dropped", row.getString("failure_reason"));
        assertEquals(0L, rows.journalEntries(id));
        rows.assertHold(id, "released", null);
        assertEquals(before, chain.assetBalance(payer.address(), algod.usdcAssetId()), "nothing moved");
    }

    @Test
    void groupUnknownToTheNodeIsLeftWhileItCanStillBeCommitted() {
        long round = chain.lastRound();
        Signed p = sign("payer-6", round, round + 100);
        UUID id = settlingWithHold(p);
        recordTx(id, p);
        rows.backdate(id);

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.LEFT, d.outcome(), d.toString());
        assertTrue(d.evidence().contains("unknown to"), d.evidence());
        Row row = rows.payment(id);
        assertEquals("settling", row.getString("state"));
        assertTrue(row.getOffsetDateTime("reconcile_until").toInstant().isAfter(Instant.now()),
                "an undecided payment waits for its retry delay");
        rows.assertHold(id, "held", GROUP_FEE);
    }

    @Test
    void groupUnknownToTheNodePastItsLastValidRoundIsFailedAsSettlementLostWithItsHoldReleased() {
        long round = chain.lastRound();
        Signed p = sign("spare-1", round - 20, round - 10);
        UUID id = settlingWithHold(p);
        recordTx(id, p);
        rows.backdate(id);

        Reconciler.Decision d = rows.reconciledAsFailed(reconciler, id, "settlement_lost");

        assertTrue(d.evidence().contains("never committed and never can be"), d.evidence());
        rows.assertHold(id, "released", null);
    }

    @Test
    void groupPastWhatTheNodeRemembersIsLeftForAnOperatorNotFailed() {
        long round = chain.lastRound();
        // valid long enough ago that a commit would have aged out of algod's 1000-round memory
        Signed p = sign("spare-2", round - 995, round - 990);
        UUID id = settlingWithHold(p);
        recordTx(id, p);
        rows.backdate(id);

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.LEFT, d.outcome(), d.toString());
        assertTrue(d.evidence().contains("indexer"), d.evidence());
        assertEquals("settling", rows.payment(id).getString("state"));
        rows.assertHold(id, "held", GROUP_FEE);
    }

    @Test
    void confirmedTransactionThatIsNotThisPaymentIsLeftNotSettled() {
        Signed p = sign("spare-3", 0, 1000);
        UUID real = settling(p);
        settleOnChain(p, tx -> payments.recordTransaction(real, tx).replaceWithVoid());
        // a row naming that TxID for another payer: the node's transaction is not this payment
        NewPayment other = new NewPayment(merchant, null, 2, "exact", algod.network(), p.requirements().asset(),
                algod.account("payer-1").address(), p.requirements().payTo(), PRICE, p.identity().chainRef(),
                paidAlgo.toString(), null, p.identity().validRounds().firstValid(), p.identity().validRounds().lastValid());
        UUID id = toSettling(reserve(other));
        rows.backdate(id);
        // the real payment's own row is finished by the same run
        rows.backdate(real);

        List<Reconciler.Decision> run = reconciler.runOnce().await().atMost(WAIT);

        Reconciler.Decision d = decisionFor(id, run);
        assertEquals(Reconciler.Outcome.LEFT, d.outcome(), d.toString());
        assertTrue(d.evidence().contains("not this payment") && d.evidence().contains("sender"), d.evidence());
        assertEquals("settling", rows.payment(id).getString("state"));
        assertEquals(Reconciler.Outcome.SETTLED, decisionFor(real, run).outcome());
    }

    // ------------------------------------------------------------------ reserved / verified

    @Test
    void staleVerifiedGroupUnknownToTheNodeIsReleasedAndThenPaysOnce() {
        AlgodFixture.Account payer = algod.account("payer-2");
        long round = chain.lastRound();
        ObjectNode payload = TestAvmPayments.v2Payload(offered, payer, round, round + 1000);
        Signed p = signed(payload);
        UUID id = reserve(row(p));
        assertTrue(await(payments.transition(id, PaymentState.RESERVED, PaymentState.VERIFIED)));
        rows.backdate(id);

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.RELEASED, d.outcome(), d.toString());
        BigInteger before = chain.assetBalance(MERCHANT_2, algod.usdcAssetId());
        given().header("PAYMENT-SIGNATURE", HeaderCodec.encode(payload)).get(paidAlgo).then().statusCode(200);
        assertEquals(before.add(PRICE), chain.assetBalance(MERCHANT_2, algod.usdcAssetId()));
        assertEquals("settled", rows.payment(id).getString("state"));
        assertEquals(1L, rows.journalEntries(id));
    }

    @Test
    void staleReservationWhoseGroupThePayerSubmittedItselfIsFailedAsUsedElsewhere() {
        // the demo route pays merchant-1, outside this audit: a transfer the gateway never records
        JsonNode demoOffer = algorandOffer(demo);
        long round = chain.lastRound();
        ObjectNode payload = TestAvmPayments.v2Payload(demoOffer, algod.account("payer-3"), round, round + 1000, true);
        Signed p = signed(payload);
        UUID id = reserve(new NewPayment(rows.one("SELECT merchant_id FROM route WHERE path_pattern = '/demo/weather'")
                .getUUID(0), null, 2, "exact", algod.network(), p.requirements().asset(), p.identity().payer(),
                p.requirements().payTo(), new BigInteger(p.requirements().amount()), p.identity().chainRef(),
                demo.toString(), null, p.identity().validRounds().firstValid(), p.identity().validRounds().lastValid()));
        byte[] signedTxn = Base64.getDecoder().decode(payload.at("/payload/paymentGroup/0").asText());
        assertEquals(200, chain.submit(signedTxn).statusCode(), "the payer pays its own fee and submits it");
        rows.backdate(id);

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.FAILED, d.outcome(), d.toString());
        assertEquals("authorization_used_elsewhere", rows.payment(id).getString("failure_reason"));
        assertNull(rows.payment(id).getString("tx_hash"), "a transaction the gateway did not submit is not its settlement");
        assertEquals(0L, rows.journalEntries(id));
    }

    @Test
    void staleReservationPastItsLastValidRoundIsFailedAsExpired() {
        long round = chain.lastRound();
        Signed p = sign("payer-4", round - 30, round - 20);
        UUID id = reserve(row(p));
        rows.backdate(id);

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.FAILED, d.outcome(), d.toString());
        assertEquals("authorization_expired", rows.payment(id).getString("failure_reason"));
    }

    // ------------------------------------------------------------------ helpers

    /** A signed group for the paid-algo route and its parsed forms. */
    private record Signed(Payment payment, PaymentRequirements requirements, PaymentIdentity identity) {
    }

    /** The Algorand entry of a route's 402. */
    private static JsonNode algorandOffer(URL route) {
        for (JsonNode a : HeaderCodec.decodeJson(given().get(route).getHeader("PAYMENT-REQUIRED")).get("accepts")) {
            if (a.get("network").asText().startsWith("algorand:")) {
                return a;
            }
        }
        throw new AssertionError("no Algorand offer at " + route);
    }

    /** A group from {@code account} valid from {@code firstValid} (0: the node's round) to {@code lastValid} (or 1000 later). */
    private Signed sign(String account, long firstValid, long lastValid) {
        long first = firstValid == 0 ? chain.lastRound() : firstValid;
        long last = firstValid == 0 ? first + lastValid : lastValid;
        return signed(TestAvmPayments.v2Payload(offered, algod.account(account), first, last));
    }

    private Signed signed(ObjectNode payload) {
        Payment payment = HeaderCodec.decodePayment("PAYMENT-SIGNATURE", HeaderCodec.encode(payload));
        PaymentRequirements requirements = payment.acceptedRequirements().orElseThrow();
        return new Signed(payment, requirements, scheme.identify(payment, requirements));
    }

    private NewPayment row(Signed p) {
        PaymentIdentity identity = p.identity();
        return new NewPayment(merchant, null, 2, "exact", algod.network(), p.requirements().asset(), identity.payer(),
                p.requirements().payTo(), PRICE, identity.chainRef(), paidAlgo.toString(), identity.validBefore(),
                identity.validRounds().firstValid(), identity.validRounds().lastValid());
    }

    private UUID reserve(NewPayment np) {
        return ((Reservation.Reserved) await(payments.reserve(np))).paymentId();
    }

    private UUID toSettling(UUID id) {
        assertTrue(await(payments.transition(id, PaymentState.RESERVED, PaymentState.VERIFIED)));
        assertTrue(await(payments.transition(id, PaymentState.VERIFIED, PaymentState.SETTLING)));
        return id;
    }

    /** Settling without a gas hold (no ceiling on the devnet in this profile). */
    private UUID settling(Signed p) {
        return toSettling(reserve(row(p)));
    }

    /** Settling with the hold the live path takes before the submit: the group's fee, exactly. */
    private UUID settlingWithHold(Signed p) {
        UUID id = reserve(row(p));
        assertTrue(await(payments.transition(id, PaymentState.RESERVED, PaymentState.VERIFIED)));
        await(gas.holdAndStartSettling(id, merchant, new NetworkFee(algod.network(), GROUP_FEE)));
        assertEquals("settling", rows.payment(id).getString("state"));
        return id;
    }

    private void recordTx(UUID id, Signed p) {
        assertTrue(await(payments.recordTransaction(id, p.identity().chainRef())));
    }

    private SettleResponse settleOnChain(Signed p, BroadcastListener listener) {
        SettleResponse r = scheme.settle(p.payment(), p.requirements(), listener).await().atMost(WAIT);
        assertTrue(r.success(), r.toString());
        return r;
    }

    /** The gateway's submit with the devnet paused: the group waits in the pool, nobody waits for its outcome. */
    private void submitInTheBackground(Signed p, UUID id) throws InterruptedException {
        String txId = p.identity().chainRef();
        scheme.settle(p.payment(), p.requirements(), tx -> payments.recordTransaction(id, tx).replaceWithVoid())
                .subscribe().with(r -> { }, e -> { });
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!chain.pool().toString().contains(txId)) {
            assertTrue(System.nanoTime() < deadline, "the group never reached the devnet's pool");
            Thread.sleep(50);
        }
    }
}
