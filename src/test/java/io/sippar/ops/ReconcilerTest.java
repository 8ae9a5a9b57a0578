package io.sippar.ops;

import static io.restassured.RestAssured.given;
import static io.sippar.ops.ReconcilerRows.await;
import static io.sippar.ops.ReconcilerRows.decisionFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sippar.evm.TestPayments;
import io.sippar.gateway.GatewayConfig;
import io.sippar.gateway.PaymentFlow;
import io.sippar.ledger.NewPayment;
import io.sippar.ledger.PaymentRepository;
import io.sippar.ledger.PaymentState;
import io.sippar.ledger.Reservation;
import io.sippar.ledger.StalePayments;
import io.sippar.scheme.BroadcastListener;
import io.sippar.scheme.PaymentIdentity;
import io.sippar.scheme.PaymentScheme;
import io.sippar.scheme.SchemeRegistry;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.ChainFaults;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.testsupport.FaultAudit;
import io.sippar.testsupport.TokenReader;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.SettleResponse;
import io.sippar.x402.X402Json;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * The reconciler against the real chain and database: each test leaves a payment the way a crash,
 * an outage or a lost broadcast would (a row in reserved, verified or settling, past its deadline,
 * and the chain in a given state), runs the reconciler once and checks the row, the ledger and the
 * chain agree. Scheduled runs are off in tests; {@link Reconciler#runOnce()} is called by hand.
 */
@QuarkusTest
class ReconcilerTest {

    private static final Duration WAIT = ReconcilerRows.WAIT;
    private static final BigInteger PRICE = BigInteger.valueOf(1000);
    /** The demo route's $0.001 is a micro payment: the $0.01 fee capped at 5% = 50 units. */
    private static final BigInteger FEE = BigInteger.valueOf(50);
    /** A worst-case gas hold, far above what a settlement costs on anvil. */
    private static final BigInteger HOLD = new BigInteger("1000000000000000");
    private static final String THIRD_PARTY_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    @TestHTTPResource("/demo/weather")
    URL demo;
    @TestHTTPResource("/paid/slow")
    URL slow;

    @Inject
    Reconciler reconciler;
    @Inject
    ReconcilerConfig config;
    @Inject
    StalePayments queue;
    @Inject
    PaymentRepository payments;
    @Inject
    PaymentFlow flow;
    @Inject
    SchemeRegistry schemes;
    @Inject
    MeterRegistry metrics;
    @Inject
    Vertx vertx;
    @Inject
    GatewayConfig gateway;
    @Inject
    Pool pool;
    @Inject
    io.sippar.limits.GasBudget gas;

    private ReconcilerRows rows;
    private AnvilFixture chain;
    private ChainFaults faults;
    private PaymentScheme scheme;
    private JsonNode offered;
    private UUID merchant;
    private BigInteger startBlock;
    private Instant startTime;

    @BeforeEach
    void setUp() {
        rows = new ReconcilerRows(pool);
        chain = ChainsTestResource.devnet();
        faults = new ChainFaults(chain.rpcUrl());
        offered = HeaderCodec.decodeJson(given().get(demo).getHeader("PAYMENT-REQUIRED")).at("/accepts/0");
        scheme = schemes.find("exact", chain.network()).orElseThrow();
        merchant = rows.one("SELECT merchant_id FROM route WHERE path_pattern = '/demo/weather'").getUUID(0);
        startBlock = faults.blockNumber().add(BigInteger.ONE);
        startTime = rows.one("SELECT clock_timestamp() AS t").getOffsetDateTime("t").toInstant();
    }

    @AfterEach
    void chainAndLedgerAgree() {
        FaultAudit.assertChainAndLedgerAgree(chain.rpcUrl(), chain.token().address(), chain.settler().address(),
                chain.network(), startBlock, startTime, FaultAudit.Database.ofTests());
        faults.close();
    }

    // ------------------------------------------------------------------ settling

    @Test
    void settlingPaymentWhoseTransactionSucceededIsSettledWithFeeJournalEntryAndUsage() {
        Signed p = sign(1, 600);
        UUID id = row(p, PaymentState.SETTLING);
        SettleResponse onChain = settleOnChain(p, tx -> payments.recordTransaction(id, tx).replaceWithVoid());
        assertTrue(onChain.success(), onChain.toString());
        rows.backdate(id);
        long usage = rows.usage(merchant);
        double counted = decisionsCounted("settling", "settled");

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.SETTLED, d.outcome(), d.toString());
        Row row = rows.payment(id);
        assertEquals("settled", row.getString("state"));
        assertEquals(onChain.transaction(), row.getString("tx_hash"));
        assertEquals(FEE, row.getBigDecimal("fee_atomic").toBigIntegerExact());
        assertEquals("micro", row.getString("fee_band"));
        assertEquals(1L, rows.journalEntries(id));
        assertEquals(0L, rows.one("SELECT coalesce(sum(p.amount), 0) FROM posting p JOIN journal_entry e ON e.id = p.entry_id "
                + "WHERE e.payment_id = $1", id).getBigDecimal(0).longValue());
        assertEquals(usage + 1, rows.usage(merchant));
        assertEquals(counted + 1, decisionsCounted("settling", "settled"));
        assertTrue(row.getString("reconcile_note").contains(onChain.transaction()), row.getString("reconcile_note"));
        assertNull(row.getString("reconcile_owner"));
    }

    @Test
    void settlingPaymentWithoutARecordedTransactionIsSettledWithTheTransactionFoundByItsEvent() {
        Signed p = sign(3, 600);
        UUID id = row(p, PaymentState.SETTLING);
        // the crash window: broadcast and mined, but the hash never reached the row
        SettleResponse onChain = settleOnChain(p, BroadcastListener.NONE);
        rows.backdate(id);

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.SETTLED, d.outcome(), d.toString());
        assertTrue(d.evidence().contains("AuthorizationUsed"), d.evidence());
        assertEquals(onChain.transaction(), rows.payment(id).getString("tx_hash"));
        assertEquals(1L, rows.journalEntries(id));
    }

    @Test
    void settlingPaymentWhoseRecordedHashIsUnknownIsSettledWithTheTransactionTheChainMined() {
        Signed p = sign(4, 600);
        UUID id = row(p, PaymentState.SETTLING);
        // e.g. a re-priced replacement got mined while the row still names the first hash
        assertTrue(await(payments.recordTransaction(id, randomHash())));
        SettleResponse onChain = settleOnChain(p, BroadcastListener.NONE);
        rows.backdate(id);

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.SETTLED, d.outcome(), d.toString());
        assertEquals(onChain.transaction(), rows.payment(id).getString("tx_hash"));
    }

    @Test
    void settlingPaymentWhoseTransactionRevertedIsFailedAndNothingMoved() {
        Signed p = sign(5, 600);
        UUID id = row(p, PaymentState.SETTLING);
        BigInteger before = balance(p.identity().payer());
        TransactionReceipt reverted = faults.send(THIRD_PARTY_KEY, chain.token().address(),
                ChainFaults.transferWithAuthorization(p.payload(), true));
        assertFalse(reverted.isStatusOK(), "the corrupted submission must revert on chain");
        assertTrue(await(payments.recordTransaction(id, reverted.getTransactionHash())));
        rows.backdate(id);

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.FAILED, d.outcome(), d.toString());
        Row row = rows.payment(id);
        assertEquals("failed", row.getString("state"));
        assertEquals("settlement_reverted", row.getString("failure_reason"));
        assertEquals(reverted.getTransactionHash(), row.getString("tx_hash"));
        assertEquals(0L, rows.journalEntries(id));
        assertEquals(before, balance(p.identity().payer()));
    }

    @Test
    void lostBroadcastIsFailedAsSettlementLostOnceTheAuthorizationExpiredUnused() {
        Signed p = sign(6, -180);
        UUID id = row(p, PaymentState.SETTLING);
        assertTrue(await(payments.recordTransaction(id, randomHash())));
        rows.backdate(id);
        // chain time decides expiry: a fresh block is past validBefore plus the 60 s margin
        faults.mine();

        rows.reconciledAsFailed(reconciler, id, "settlement_lost");
    }

    @Test
    void lostBroadcastIsLeftAloneWhileTheAuthorizationCanStillBeExecuted() {
        Signed p = sign(7, 600);
        UUID id = row(p, PaymentState.SETTLING);
        assertTrue(await(payments.recordTransaction(id, randomHash())));
        rows.backdate(id);

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.LEFT, d.outcome(), d.toString());
        Row row = rows.payment(id);
        assertEquals("settling", row.getString("state"));
        assertNull(row.getString("reconcile_owner"));
        assertTrue(row.getOffsetDateTime("reconcile_until").toInstant().isAfter(Instant.now()),
                "an undecided payment waits for its retry delay");
        assertTrue(row.getString("reconcile_note").contains("unused"), row.getString("reconcile_note"));
        // not claimed again before its retry time
        assertTrue(reconciler.runOnce().await().atMost(WAIT).stream().noneMatch(x -> x.paymentId().equals(id)));
    }

    @Test
    void settlingPaymentWithoutTransactionIsLeftWhileItsAuthorizationIsUnusedAndValid() {
        Signed p = sign(8, 600);
        UUID id = row(p, PaymentState.SETTLING);
        rows.backdate(id);

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.LEFT, d.outcome(), d.toString());
        assertEquals("settling", rows.payment(id).getString("state"));
    }

    @Test
    void settlingPaymentWithoutTransactionIsFailedOnceItsAuthorizationExpiredUnused() {
        Signed p = sign(8, -180);
        UUID id = row(p, PaymentState.SETTLING);
        rows.backdate(id);
        faults.mine();

        rows.reconciledAsFailed(reconciler, id, "settlement_lost");
    }

    @Test
    void settlingPaymentWhoseAuthorizationThePayerCanceledIsFailed() {
        Signed p = sign(5, 600);
        UUID id = row(p, PaymentState.SETTLING);
        TransactionReceipt canceled = faults.send(THIRD_PARTY_KEY, chain.token().address(), ChainFaults.cancelAuthorization(
                chain.account(5).privateKey(), chain.chainId(), chain.token().address(), p.identity().chainRef()));
        assertTrue(canceled.isStatusOK());
        rows.backdate(id);

        rows.reconciledAsFailed(reconciler, id, "authorization_canceled");
    }

    @Test
    void settlingPaymentWhoseNonceWasSpentOnADifferentTransferIsFailedNotSettled() {
        Signed p = sign(6, 600);
        UUID id = row(p, PaymentState.SETTLING);
        // the payer signed the same nonce for another payee, and that one was executed
        ObjectNode elsewhere = offered.deepCopy();
        elsewhere.put("payTo", chain.account(0).address());
        long now = System.currentTimeMillis() / 1000;
        ObjectNode other = TestPayments.payload(elsewhere, chain.account(6).privateKey(), BigInteger.valueOf(now - 600),
                BigInteger.valueOf(now + 600), p.identity().chainRef());
        assertTrue(faults.send(THIRD_PARTY_KEY, chain.token().address(),
                ChainFaults.transferWithAuthorization(other, false)).isStatusOK());
        rows.backdate(id);

        rows.reconciledAsFailed(reconciler, id, "authorization_used_elsewhere");
    }

    // ------------------------------------------------------------------ gas holds

    @Test
    void gasHoldOfASettlementTheReconcilerRecordsIsChargedGasUsedTimesTheEffectivePrice() throws Exception {
        Signed p = sign(1, 600);
        UUID id = settlingWithHold(p);
        SettleResponse onChain = settleOnChain(p, tx -> payments.recordTransaction(id, tx).replaceWithVoid());
        rows.backdate(id);

        assertEquals(Reconciler.Outcome.SETTLED, decisionFor(id, reconciler.runOnce()).outcome());

        TransactionReceipt receipt = faults.web3j().ethGetTransactionReceipt(onChain.transaction()).send()
                .getTransactionReceipt().orElseThrow();
        rows.assertHold(id, "charged", receipt.getGasUsed().multiply(
                org.web3j.utils.Numeric.decodeQuantity(receipt.getEffectiveGasPrice())));
    }

    @Test
    void gasHoldOfARevertedSettlementIsChargedWhatTheRevertCost() throws Exception {
        Signed p = sign(3, 600);
        UUID id = settlingWithHold(p);
        TransactionReceipt reverted = faults.send(THIRD_PARTY_KEY, chain.token().address(),
                ChainFaults.transferWithAuthorization(p.payload(), true));
        assertFalse(reverted.isStatusOK());
        assertTrue(await(payments.recordTransaction(id, reverted.getTransactionHash())));
        rows.backdate(id);

        rows.reconciledAsFailed(reconciler, id, "settlement_reverted");

        rows.assertHold(id, "charged", reverted.getGasUsed().multiply(
                org.web3j.utils.Numeric.decodeQuantity(reverted.getEffectiveGasPrice())));
    }

    @Test
    void gasHoldOfALostBroadcastIsReleasedOnceTheAuthorizationExpiredAndKeptWhileItIsOpen() {
        Signed open = sign(4, 600);
        UUID waiting = settlingWithHold(open);
        Signed lost = sign(4, -180);
        UUID expired = settlingWithHold(lost);
        assertTrue(await(payments.recordTransaction(expired, randomHash())));
        rows.backdate(waiting);
        rows.backdate(expired);
        faults.mine();

        List<Reconciler.Decision> run = reconciler.runOnce().await().atMost(WAIT);

        assertEquals(Reconciler.Outcome.LEFT, decisionFor(waiting, run).outcome());
        rows.assertHold(waiting, "held", HOLD);
        assertEquals(Reconciler.Outcome.FAILED, decisionFor(expired, run).outcome());
        rows.assertHold(expired, "released", null);
    }

    @Test
    void paymentOfASchemeWithoutChainLookupIsLeftWhenSettlingAndReleasedWhenReserved() {
        // a network no scheme of this deployment serves: the SPI's default answer, "unknown"
        UUID settling = foreignRow(PaymentState.SETTLING);
        UUID verified = foreignRow(PaymentState.VERIFIED);

        List<Reconciler.Decision> run = reconciler.runOnce().await().atMost(WAIT);

        assertEquals(Reconciler.Outcome.LEFT, decisionFor(settling, run).outcome());
        assertEquals("settling", rows.payment(settling).getString("state"));
        Reconciler.Decision released = decisionFor(verified, run);
        assertEquals(Reconciler.Outcome.RELEASED, released.outcome());
        assertTrue(released.evidence().contains("nothing was broadcast"), released.evidence());
    }

    // ------------------------------------------------------------------ reserved / verified

    @Test
    void staleVerifiedPaymentIsReleasedAndTheSameAuthorizationThenPays() {
        Signed p = sign(1, 600);
        UUID id = row(p, PaymentState.VERIFIED);
        rows.backdate(id);

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.RELEASED, d.outcome(), d.toString());
        assertEquals("released", rows.payment(id).getString("state"));
        BigInteger before = balance(p.identity().payer());
        given().header("PAYMENT-SIGNATURE", p.header()).get(demo).then().statusCode(200);
        assertEquals(before.subtract(PRICE), balance(p.identity().payer()));
        assertEquals("settled", rows.payment(id).getString("state"));
        assertEquals(1L, rows.journalEntries(id));
    }

    @Test
    void staleReservationWhoseAuthorizationWasUsedByAThirdPartyIsFailed() {
        Signed p = sign(3, 600);
        UUID id = row(p, PaymentState.RESERVED);
        TransactionReceipt elsewhere = faults.send(THIRD_PARTY_KEY, chain.token().address(),
                ChainFaults.transferWithAuthorization(p.payload(), false));
        assertTrue(elsewhere.isStatusOK());
        rows.backdate(id);

        Reconciler.Decision d = decisionFor(id, reconciler.runOnce());

        assertEquals(Reconciler.Outcome.FAILED, d.outcome(), d.toString());
        Row row = rows.payment(id);
        assertEquals("authorization_used_elsewhere", row.getString("failure_reason"));
        assertNull(row.getString("tx_hash"), "a transaction the gateway did not send is not its settlement");
        assertEquals(0L, rows.journalEntries(id));
    }

    @Test
    void paymentsYoungerThanTheirDeadlineAreNotClaimed() {
        UUID settling = row(sign(4, 600), PaymentState.SETTLING);
        UUID verified = row(sign(4, 600), PaymentState.VERIFIED);

        List<Reconciler.Decision> run = reconciler.runOnce().await().atMost(WAIT);

        assertTrue(run.stream().noneMatch(d -> d.paymentId().equals(settling) || d.paymentId().equals(verified)));
        assertEquals("settling", rows.payment(settling).getString("state"));
        assertEquals("verified", rows.payment(verified).getString("state"));
        assertEquals(0, rows.payment(settling).getInteger("reconcile_attempts"));
    }

    @Test
    void paymentLeasedByAnotherPodIsSkippedUntilTheLeaseEnds() {
        UUID id = row(sign(5, 600), PaymentState.VERIFIED);
        rows.backdate(id);
        await(pool.preparedQuery("UPDATE payment SET reconcile_owner = 'other-pod', "
                + "reconcile_until = now() + interval '1 minute' WHERE id = $1").execute(Tuple.of(id)));

        assertTrue(reconciler.runOnce().await().atMost(WAIT).stream().noneMatch(d -> d.paymentId().equals(id)));
        assertEquals("verified", rows.payment(id).getString("state"));

        await(pool.preparedQuery("UPDATE payment SET reconcile_until = now() - interval '1 second' WHERE id = $1")
                .execute(Tuple.of(id)));
        assertEquals(Reconciler.Outcome.RELEASED, decisionFor(id, reconciler.runOnce()).outcome());
    }

    // ------------------------------------------------------------------ races

    @Test
    void reconcilersOfTwoPodsRacingTheLiveRecordingOfOnePaymentRecordItOnce() {
        Signed p = sign(6, 600);
        UUID id = row(p, PaymentState.SETTLING);
        SettleResponse onChain = settleOnChain(p, BroadcastListener.NONE);
        rows.backdate(id);
        long usage = rows.usage(merchant);
        Reconciler otherPod = new Reconciler(config, queue, payments, flow, schemes, metrics, vertx, gateway, gas);
        PaymentFlow.Settlement live = new PaymentFlow.Settlement(id, merchant, chain.network(), chain.token().address(),
                p.identity().payer(), PRICE, onChain.transaction());

        List<Uni<Boolean>> liveRecordings = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            liveRecordings.add(flow.recordSettled(live));
        }
        var all = Uni.combine().all().unis(Uni.join().all(liveRecordings).andFailFast(), reconciler.runOnce(),
                otherPod.runOnce()).asTuple().await().atMost(WAIT);

        long liveWins = all.getItem1().stream().filter(b -> b).count();
        long reconcilerWins = java.util.stream.Stream.concat(all.getItem2().stream(), all.getItem3().stream())
                .filter(d -> d.paymentId().equals(id) && d.outcome() == Reconciler.Outcome.SETTLED).count();
        assertEquals(1, liveWins + reconcilerWins, "exactly one writer records the settlement");
        assertEquals(1L, rows.journalEntries(id));
        assertEquals(usage + 1, rows.usage(merchant));
        assertEquals("settled", rows.payment(id).getString("state"));
    }

    @Test
    void twoPodsClaimingAtOnceDecideEachStalePaymentOnce() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            UUID id = row(sign(7, 600), PaymentState.VERIFIED);
            rows.backdate(id);
            ids.add(id);
        }
        Reconciler otherPod = new Reconciler(config, queue, payments, flow, schemes, metrics, vertx, gateway, gas);

        List<List<Reconciler.Decision>> runs = Uni.join().all(reconciler.runOnce(), otherPod.runOnce()).andFailFast()
                .await().atMost(WAIT);

        for (UUID id : ids) {
            long decided = runs.stream().flatMap(List::stream).filter(d -> d.paymentId().equals(id)).count();
            assertEquals(1, decided, "payment " + id + " decided by exactly one pod");
            assertEquals("released", rows.payment(id).getString("state"));
        }
    }

    @Test
    void requestWhoseReservationTheReconcilerReleasedMidFlightIsNotChargedAndMayRetry() throws Exception {
        // not account 8: PaidFlowTest empties its balance on this shared devnet
        AnvilFixture.Account payer = chain.account(7);
        JsonNode slowOffer = HeaderCodec.decodeJson(given().get(slow).getHeader("PAYMENT-REQUIRED")).at("/accepts/0");
        String header = TestPayments.v2Header(slowOffer, payer.privateKey());
        BigInteger before = balance(payer.address());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        CompletableFuture<HttpResponse<String>> call = http.sendAsync(HttpRequest.newBuilder(URI.create(slow + "?ms=4000"))
                .header("PAYMENT-SIGNATURE", header).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        UUID id = awaitRow(payer.address(), "verified");
        // the request is at the upstream; its reservation looks abandoned and is taken away
        rows.backdate(id);
        assertEquals(Reconciler.Outcome.RELEASED, decisionFor(id, reconciler.runOnce()).outcome());

        HttpResponse<String> answer = call.get(60, java.util.concurrent.TimeUnit.SECONDS);

        assertEquals(503, answer.statusCode(), answer.body());
        assertTrue(answer.headers().firstValue("Retry-After").isPresent());
        assertFalse(answer.body().contains("sleptMs"), "no resource without payment");
        assertEquals(before, balance(payer.address()), "nothing was charged");
        assertEquals("released", rows.payment(id).getString("state"));
        given().header("PAYMENT-SIGNATURE", header).get(slow + "?ms=0").then().statusCode(200);
        assertEquals(before.subtract(PRICE), balance(payer.address()));
    }

    // ------------------------------------------------------------------ helpers

    /** A signed payment for the demo route and its parsed forms. */
    private record Signed(ObjectNode payload, String header, Payment payment, PaymentRequirements requirements,
            PaymentIdentity identity) {
    }

    /** A payment from anvil account {@code account}, valid until now + {@code validForSeconds}. */
    private Signed sign(int account, long validForSeconds) {
        long now = System.currentTimeMillis() / 1000;
        ObjectNode payload = TestPayments.payload(offered, chain.account(account).privateKey(),
                BigInteger.valueOf(now - 600), BigInteger.valueOf(now + validForSeconds));
        ObjectNode root = X402Json.MAPPER.createObjectNode();
        root.put("x402Version", 2);
        root.set("accepted", offered);
        root.set("payload", payload);
        String header = HeaderCodec.encode(root);
        Payment payment = HeaderCodec.decodePayment("PAYMENT-SIGNATURE", header);
        PaymentRequirements requirements = payment.acceptedRequirements().orElseThrow();
        return new Signed(payload, header, payment, requirements, scheme.identify(payment, requirements));
    }

    /** Stores the payment as the live path would have left it in {@code state}. */
    private UUID row(Signed p, PaymentState state) {
        PaymentIdentity identity = p.identity();
        NewPayment np = new NewPayment(merchant, null, 2, "exact", chain.network(), p.requirements().asset(),
                identity.payer(), p.requirements().payTo(), PRICE, identity.chainRef(), demo.toString(),
                identity.validBefore());
        UUID id = ((Reservation.Reserved) await(payments.reserve(np))).paymentId();
        if (state != PaymentState.RESERVED) {
            assertTrue(await(payments.transition(id, PaymentState.RESERVED, PaymentState.VERIFIED)));
        }
        if (state == PaymentState.SETTLING) {
            assertTrue(await(payments.transition(id, PaymentState.VERIFIED, PaymentState.SETTLING)));
        }
        return id;
    }

    /** Settling with the hold the live path takes right before its broadcast. */
    private UUID settlingWithHold(Signed p) {
        UUID id = row(p, PaymentState.VERIFIED);
        await(gas.holdAndStartSettling(id, merchant, new io.sippar.scheme.NetworkFee(chain.network(), HOLD)));
        assertEquals("settling", rows.payment(id).getString("state"));
        return id;
    }

    private SettleResponse settleOnChain(Signed p, BroadcastListener listener) {
        SettleResponse r = scheme.settle(p.payment(), p.requirements(), listener).await().atMost(WAIT);
        assertTrue(r.success(), r.toString());
        return r;
    }

    private UUID foreignRow(PaymentState state) {
        NewPayment np = new NewPayment(merchant, null, 2, "exact", "eip155:999999", chain.token().address(),
                chain.payer().address(), chain.merchant().address(), PRICE, randomHash(), null, null);
        UUID id = ((Reservation.Reserved) await(payments.reserve(np))).paymentId();
        assertTrue(await(payments.transition(id, PaymentState.RESERVED, PaymentState.VERIFIED)));
        if (state == PaymentState.SETTLING) {
            assertTrue(await(payments.transition(id, PaymentState.VERIFIED, PaymentState.SETTLING)));
        }
        rows.backdate(id);
        return id;
    }

    private UUID awaitRow(String payer, String state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            var found = await(pool.preparedQuery("SELECT id FROM payment WHERE payer = $1 AND state = $2 "
                    + "AND created_at >= $3 ORDER BY created_at DESC LIMIT 1").execute(Tuple.of(payer, state,
                    java.time.OffsetDateTime.ofInstant(startTime, java.time.ZoneOffset.UTC))));
            if (found.size() == 1) {
                return found.iterator().next().getUUID("id");
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + state + " payment of " + payer + " within 20 s");
    }

    private double decisionsCounted(String from, String outcome) {
        var counter = metrics.find("sippar.reconciler.decisions").tags("from", from, "outcome", outcome,
                "network", chain.network()).counter();
        return counter == null ? 0 : counter.count();
    }

    private BigInteger balance(String holder) {
        try (TokenReader token = new TokenReader(chain)) {
            return token.balance(holder);
        }
    }

    private static String randomHash() {
        byte[] b = new byte[32];
        ThreadLocalRandom.current().nextBytes(b);
        return "0x" + HexFormat.of().formatHex(b);
    }
}
