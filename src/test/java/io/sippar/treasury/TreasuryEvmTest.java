package io.sippar.treasury;

import static io.restassured.RestAssured.given;
import static io.sippar.treasury.TreasuryFixtures.ADMIN;
import static io.sippar.treasury.TreasuryFixtures.DB;
import static io.sippar.treasury.TreasuryFixtures.fee;
import static io.sippar.treasury.TreasuryFixtures.ledger;
import static io.sippar.treasury.TreasuryFixtures.merchant;
import static io.sippar.treasury.TreasuryFixtures.offered;
import static io.sippar.treasury.TreasuryFixtures.pay;
import static io.sippar.treasury.TreasuryFixtures.payoutAccount;
import static io.sippar.treasury.TreasuryFixtures.route;
import static io.sippar.treasury.TreasuryFixtures.runPayouts;
import static io.sippar.treasury.TreasuryFixtures.share;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.sippar.evm.TestPayments;
import io.sippar.interop.NodeScript;
import io.sippar.ledger.TreasuryAccounts;
import io.sippar.ledger.TreasuryRepository;
import io.sippar.scheme.TreasuryChain;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.ChainFaults;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.testsupport.TokenReader;
import io.sippar.treasury.TreasuryFixtures.Merchant;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Keys;

/**
 * Treasury mode on anvil (the devnet of ChainsTestResource, whose SipparDisburser is the treasury):
 * payments pay the treasury and credit payables, payouts pay each merchant exactly its share, crashes
 * around the broadcast never pay twice, a receiver the token refuses is left payable while the others
 * are paid, two runs at once pay once, and a mismatch between chain and ledger stops payouts until
 * an operator clears it. Every test has merchants and payout addresses of its own.
 */
@QuarkusTest
class TreasuryEvmTest {

    private static final String NETWORK = "eip155:31337";
    private static final String ASSET = TreasuryAccounts.asset(NETWORK, AnvilFixture.TOKEN_ADDRESS);
    private static TokenReader token;
    private static ChainFaults chain;

    @io.quarkus.test.common.http.TestHTTPResource("/")
    java.net.URL gateway;
    @Inject
    Pool pool;
    @Inject
    Payouts payouts;
    @Inject
    PayoutJob job;
    @Inject
    TreasuryRepository repository;
    @Inject
    Treasuries treasuries;

    @BeforeAll
    static void chains() {
        token = new TokenReader(anvil());
        chain = new ChainFaults(anvil().rpcUrl());
    }

    @AfterAll
    static void close() {
        chain.automine(true);
        token.close();
        chain.close();
    }

    private static AnvilFixture anvil() {
        return ChainsTestResource.devnet();
    }

    private static String disburser() {
        return anvil().treasury().disburser();
    }

    /** A fresh address nobody holds tokens at, for a merchant's payouts. */
    private static String freshAddress() {
        byte[] b = new byte[20];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(b);
        return Keys.toChecksumAddress("0x" + java.util.HexFormat.of().formatHex(b));
    }

    private String url(String path) {
        String base = gateway.toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path;
    }

    private static String newPayer() {
        return TreasuryFixtures.newEvmPayer(token);
    }

    private List<Row> payoutItemsOf(Merchant m) {
        return TreasuryFixtures.payoutItems(pool, m);
    }

    @Test
    void treasuryModePaysTheTreasuryAndAPayoutPaysEachMerchantExactlyItsShareWhileTheTreasuryKeepsTheFees() {
        Merchant a = merchant("treasury");
        Merchant b = merchant("treasury");
        String payoutA = freshAddress();
        String payoutB = freshAddress();
        String pathA = route(a, NETWORK, anvil().merchant().address(), "$0.5");
        String pathB = route(b, NETWORK, anvil().merchant().address(), "$2");
        payoutAccount(a, NETWORK, payoutA, "1");
        payoutAccount(b, NETWORK, payoutB, "1");

        JsonNode offerA = offered(pathA);
        assertEquals(disburser(), offerA.get("payTo").asText(), "a treasury-mode 402 names the treasury");
        assertEquals("500000", offerA.get("amount").asText());
        BigInteger disburserBefore = token.balance(disburser());
        BigInteger gasBefore = token.nativeBalance(anvil().treasury().address());
        long nonceBefore = token.nonce(anvil().treasury().address());

        // the official v2 client pays the treasury-mode 402 unchanged
        JsonNode official = NodeScript.run("client.mjs", Duration.ofSeconds(90), "--client", "v2", "--url",
                url(pathA), "--evm-key", newPayer(), "--allow-asset", AnvilFixture.TOKEN_ADDRESS + "@" + NETWORK);
        assertEquals(200, official.get("finalStatus").asInt(), official.toString());
        List<Row> paidA = new ArrayList<>(List.of(TreasuryFixtures.paymentByTx(pool,
                official.at("/decoded/paymentResponse/transaction").asText())));
        paidA.add(TreasuryFixtures.paymentByTx(pool, pay(pathA, TestPayments.v2Header(offerA, newPayer()))));
        List<Row> paidB = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            paidB.add(TreasuryFixtures.paymentByTx(pool, pay(pathB, TestPayments.v2Header(offered(pathB), newPayer()))));
        }
        BigInteger shareA = paidA.stream().map(TreasuryFixtures::share).reduce(BigInteger.ZERO, BigInteger::add);
        BigInteger shareB = paidB.stream().map(TreasuryFixtures::share).reduce(BigInteger.ZERO, BigInteger::add);
        BigInteger fees = java.util.stream.Stream.concat(paidA.stream(), paidB.stream()).map(TreasuryFixtures::fee)
                .reduce(BigInteger.ZERO, BigInteger::add);
        BigInteger amounts = shareA.add(shareB).add(fees);
        assertEquals(BigInteger.valueOf(10_000), fee(paidA.get(0)), "$0.5 is a micro payment: $0.01");
        assertEquals(BigInteger.valueOf(50_000), fee(paidB.get(0)), "$2 is a small payment: $0.05");
        paidA.forEach(p -> assertEquals(true, p.getBoolean("treasury")));
        assertEquals(disburserBefore.add(amounts), token.balance(disburser()), "the payments moved into the treasury");
        assertEquals(shareA, ledger(pool, TreasuryAccounts.payable(a.id()), ASSET), "A's payable is its share");
        assertEquals(shareB, ledger(pool, TreasuryAccounts.payable(b.id()), ASSET));
        JsonNode balance = given().header("Authorization", a.bearer()).get("/merchant/balance").then().statusCode(200)
                .extract().as(JsonNode.class);
        assertEquals("treasury", balance.get("settlementMode").asText());
        assertEquals(shareA.toString(), balance.at("/balances/0/payable").asText());

        List<String> events = runPayouts();

        assertEquals(shareA, token.balance(payoutA), "A received exactly amount - fee of its payments: " + events);
        assertEquals(shareB, token.balance(payoutB));
        assertEquals(disburserBefore.add(fees), token.balance(disburser()), "the treasury kept exactly the fees");
        assertEquals(BigInteger.ZERO, ledger(pool, TreasuryAccounts.payable(a.id()), ASSET));
        assertEquals(BigInteger.ZERO, ledger(pool, TreasuryAccounts.payable(b.id()), ASSET));
        assertEquals(shareA, ledger(pool, TreasuryAccounts.merchant(a.id()), ASSET));
        // one disburse transaction for both merchants, its gas paid in ETH by the treasury key and booked
        List<Row> itemsA = payoutItemsOf(a);
        List<Row> itemsB = payoutItemsOf(b);
        assertEquals(1, itemsA.size());
        assertEquals(itemsA.get(0).getUUID("payout_id"), itemsB.get(0).getUUID("payout_id"), "batched in one transaction");
        assertEquals("paid", itemsA.get(0).getString("state"));
        assertEquals("confirmed", itemsA.get(0).getString("payout_state"));
        String tx = itemsA.get(0).getString("payout_tx");
        BigInteger networkFee = itemsA.get(0).getBigDecimal("network_fee").toBigIntegerExact();
        assertEquals(1, token.nonce(anvil().treasury().address()) - nonceBefore, "one transaction sent");
        assertEquals(gasBefore.subtract(networkFee), token.nativeBalance(anvil().treasury().address()),
                "the network fee came from the treasury key's ETH and is what the ledger booked");
        assertEquals(networkFee.negate(), ledger(pool, TreasuryAccounts.gas(NETWORK, anvil().treasury().address()),
                NETWORK + ":native").subtract(gasBookedBefore(itemsA.get(0).getUUID("payout_id"))));
        assertTrue(token.receipt(tx).isStatusOK());
        JsonNode merchantView = TreasuryFixtures.merchantPayouts(a).get(0);
        assertEquals(tx, merchantView.get("transaction").asText(), "the merchant sees its payout's transaction");
        assertEquals(shareA.toString(), merchantView.get("amount").asText());
        assertEquals("paid", merchantView.get("state").asText());
        assertEquals(List.of(), TreasuryFixtures.unbalanced(pool));
        assertEquals(BigInteger.ZERO, custodyPlusLiability(), "custody equals what the treasury owes");
    }

    /** A treasury-mode merchant with a route on anvil and a fresh payout address; paid {@code calls} times. */
    private record Paid(Merchant merchant, String payoutAddress, BigInteger share) {
    }

    private Paid paidMerchant(String price, int calls) {
        Merchant m = merchant("treasury");
        String address = freshAddress();
        String path = route(m, NETWORK, anvil().merchant().address(), price);
        payoutAccount(m, NETWORK, address, "1");
        BigInteger share = BigInteger.ZERO;
        String payerKey = newPayer();
        for (int i = 0; i < calls; i++) {
            share = share.add(share(TreasuryFixtures.paymentByTx(pool, pay(path,
                    TestPayments.v2Header(offered(path), payerKey)))));
        }
        assertEquals(share, ledger(pool, TreasuryAccounts.payable(m.id()), ASSET));
        return new Paid(m, address, share);
    }

    @Test
    void aPayoutInterruptedAfterBroadcastAndBeforeRecordingIsCompletedByTheNextRunWithoutASecondTransfer() {
        Paid a = paidMerchant("$1", 2);
        long nonceBefore = token.nonce(anvil().treasury().address());
        chain.automine(false);
        try {
            // the disburse transaction reaches the node's pool but is not mined before the run gives up:
            // the stored payout is left broadcast with nothing recorded, as after a crash at that instant
            List<String> first = runPayouts();
            List<Row> items = payoutItemsOf(a.merchant());
            assertEquals(1, items.size(), first.toString());
            assertEquals("broadcast", items.get(0).getString("payout_state"), first.toString());
            assertEquals("pending", items.get(0).getString("state"));
            assertEquals(BigInteger.ZERO, token.balance(a.payoutAddress()), "not mined yet");
            assertEquals(a.share(), ledger(pool, TreasuryAccounts.payable(a.merchant().id()), ASSET),
                    "nothing is booked before the chain has decided");
        } finally {
            chain.automine(true);
        }
        chain.mine();

        List<String> second = runPayouts();

        List<Row> items = payoutItemsOf(a.merchant());
        assertEquals(1, items.size(), "the next run finished the stored payout instead of making another: " + second);
        assertEquals("confirmed", items.get(0).getString("payout_state"), second.toString());
        assertEquals("paid", items.get(0).getString("state"));
        assertEquals(a.share(), token.balance(a.payoutAddress()), "paid exactly once");
        assertEquals(1, token.nonce(anvil().treasury().address()) - nonceBefore, "one transaction ever sent");
        assertEquals(BigInteger.ZERO, ledger(pool, TreasuryAccounts.payable(a.merchant().id()), ASSET));
        // a third run has nothing left to do for this merchant
        runPayouts();
        assertEquals(1, payoutItemsOf(a.merchant()).size());
        assertEquals(a.share(), token.balance(a.payoutAddress()));
        assertEquals(List.of(), TreasuryFixtures.unbalanced(pool));
        assertEquals(BigInteger.ZERO, custodyPlusLiability());
    }

    @Test
    void aReceiverTheTokenRefusesIsLeftPayableWhileTheOtherMerchantsOfTheBatchArePaid() {
        Paid refused = paidMerchant("$1", 1);
        Paid ok = paidMerchant("$1", 2);
        token.blacklist(anvil().deployer().privateKey(), refused.payoutAddress(), true);
        BigInteger treasuryBefore = token.balance(disburser());

        List<String> events = runPayouts();

        assertEquals(ok.share(), token.balance(ok.payoutAddress()), "the other merchant is paid: " + events);
        assertEquals(BigInteger.ZERO, token.balance(refused.payoutAddress()));
        assertEquals(treasuryBefore.subtract(ok.share()), token.balance(disburser()), "only the good transfer moved");
        assertEquals(refused.share(), ledger(pool, TreasuryAccounts.payable(refused.merchant().id()), ASSET),
                "the refused merchant's balance stays payable");
        assertEquals(BigInteger.ZERO, ledger(pool, TreasuryAccounts.payable(ok.merchant().id()), ASSET));
        List<Row> bad = payoutItemsOf(refused.merchant());
        assertEquals(1, bad.size());
        assertEquals("failed", bad.get(0).getString("state"));
        assertNotNull(bad.get(0).getString("failure_reason"));
        JsonNode view = TreasuryFixtures.merchantPayouts(refused.merchant()).get(0);
        assertEquals("failed", view.get("state").asText(), "the merchant sees the failed transfer and why");
        assertEquals(refused.share().toString(), given().header("Authorization", refused.merchant().bearer())
                .get("/merchant/balance").then().statusCode(200).extract().path("balances[0].payable"));
        // a failed receiver is not retried at once (sippar.treasury.failed-retry-delay): the next run sends nothing
        long nonce = token.nonce(anvil().treasury().address());
        runPayouts();
        assertEquals(nonce, token.nonce(anvil().treasury().address()));
        assertEquals(1, payoutItemsOf(refused.merchant()).size());
        assertEquals(List.of(), TreasuryFixtures.unbalanced(pool));
        assertEquals(BigInteger.ZERO, custodyPlusLiability());
    }

    @Test
    void aTransferRefusedInsideTheMinedBatchIsRecordedFailedAndStaysPayableWhileTheOthersArePaid() {
        Paid refused = paidMerchant("$1", 1);
        Paid ok = paidMerchant("$1", 1);
        chain.automine(false);
        try {
            // simulated and signed while both receivers could receive, and sent; the node then loses the
            // transaction and the receiver is blacklisted before the next run sends the stored bytes again,
            // so the transfer fails inside the executed batch
            List<String> first = runPayouts();
            UUID payout = payoutItemsOf(refused.merchant()).get(0).getUUID("payout_id");
            assertEquals("broadcast", payoutItemsOf(refused.merchant()).get(0).getString("payout_state"), first.toString());
            chain.dropTransaction(pool.preparedQuery("SELECT tx_id FROM payout_transaction WHERE payout_id = $1"
                    + " ORDER BY version DESC LIMIT 1").execute(Tuple.of(payout)).await().atMost(DB).iterator().next()
                    .getString("tx_id"));
        } finally {
            chain.automine(true);
        }
        assertTrue(token.receipt(token.blacklist(anvil().deployer().privateKey(), refused.payoutAddress(), true))
                .isStatusOK());

        List<String> events = runPayouts();

        List<Row> bad = payoutItemsOf(refused.merchant());
        List<Row> good = payoutItemsOf(ok.merchant());
        assertEquals(bad.get(0).getUUID("payout_id"), good.get(0).getUUID("payout_id"), "one batch");
        assertEquals("confirmed", bad.get(0).getString("payout_state"), events.toString());
        assertEquals("failed", bad.get(0).getString("state"), events.toString());
        assertNotNull(bad.get(0).getString("failure_reason"));
        assertEquals("paid", good.get(0).getString("state"));
        assertEquals(ok.share(), token.balance(ok.payoutAddress()));
        assertEquals(BigInteger.ZERO, token.balance(refused.payoutAddress()));
        assertEquals(refused.share(), ledger(pool, TreasuryAccounts.payable(refused.merchant().id()), ASSET),
                "the refused transfer left its balance payable");
        assertEquals(BigInteger.ZERO, ledger(pool, TreasuryAccounts.payable(ok.merchant().id()), ASSET));
        assertEquals(List.of(), TreasuryFixtures.unbalanced(pool));
        assertEquals(BigInteger.ZERO, custodyPlusLiability(), "custody follows what the chain moved");
    }

    @Test
    void twoRunsAtOncePayEachMerchantOnce() {
        Paid a = paidMerchant("$1", 1);
        Paid b = paidMerchant("$2", 1);
        long nonceBefore = token.nonce(anvil().treasury().address());

        List<List<Payouts.Event>> both = io.smallrye.mutiny.Uni.join().all(payouts.run("pod-a"), payouts.run("pod-b"))
                .andCollectFailures().await().atMost(Duration.ofSeconds(60));
        runPayouts();

        assertEquals(a.share(), token.balance(a.payoutAddress()), "paid once: " + both);
        assertEquals(b.share(), token.balance(b.payoutAddress()));
        assertEquals(1, payoutItemsOf(a.merchant()).size());
        assertEquals(1, payoutItemsOf(b.merchant()).size());
        assertEquals(1, token.nonce(anvil().treasury().address()) - nonceBefore, "one disburse transaction");
        assertEquals(List.of(), TreasuryFixtures.unbalanced(pool));
    }

    @Test
    void aTreasuryHoldingMoreThanTheLedgerSaysStopsPayoutsUntilAnOperatorClearsIt() {
        Paid a = paidMerchant("$1", 1);
        BigInteger stray = BigInteger.valueOf(1234);
        token.mint(anvil().deployer().privateKey(), disburser(), stray);

        List<String> stopped = runPayouts();

        assertTrue(stopped.stream().anyMatch(e -> e.contains("stopped")), stopped.toString());
        assertEquals(BigInteger.ZERO, token.balance(a.payoutAddress()), "no payout while the treasury does not match");
        assertTrue(metrics().contains("sippar_treasury_mismatch{asset=\"" + ASSET + "\",network=\"" + NETWORK
                + "\"} 1.0"), "the mismatch is a metric");
        given().header("Authorization", ADMIN).get("/admin/treasury").then().statusCode(200);
        // clearing needs the difference the check found, and books it as an adjustment
        given().header("Authorization", ADMIN).contentType(io.restassured.http.ContentType.JSON)
                .body("{\"network\":\"" + NETWORK + "\",\"asset\":\"" + AnvilFixture.TOKEN_ADDRESS
                        + "\",\"note\":\"test transfer\",\"adjust\":true,\"difference\":\"1\"}")
                .post("/admin/treasury/clear").then().statusCode(409);
        given().header("Authorization", ADMIN).contentType(io.restassured.http.ContentType.JSON)
                .body("{\"network\":\"" + NETWORK + "\",\"asset\":\"" + AnvilFixture.TOKEN_ADDRESS
                        + "\",\"note\":\"test transfer\",\"adjust\":true,\"difference\":\"" + stray + "\"}")
                .post("/admin/treasury/clear").then().statusCode(200);

        List<String> resumed = runPayouts();

        assertEquals(a.share(), token.balance(a.payoutAddress()), "payouts resume once cleared: " + resumed);
        assertTrue(metrics().contains("sippar_treasury_mismatch{asset=\"" + ASSET + "\",network=\"" + NETWORK
                + "\"} 0.0"), metrics());
        assertEquals(List.of(), TreasuryFixtures.unbalanced(pool));
        assertEquals(BigInteger.ZERO, custodyPlusLiability());
    }

    @Test
    void aStatementShowsTreasuryFeesAsAlreadyKeptOnChainAndLinksTheMonthsPayoutsWithTheirTransactions() {
        Paid a = paidMerchant("$1", 2);
        runPayouts();
        String period = java.time.YearMonth.now(java.time.ZoneOffset.UTC).toString();

        JsonNode statement = given().header("Authorization", a.merchant().bearer()).get("/merchant/statements/" + period)
                .then().statusCode(200).extract().as(JsonNode.class);

        java.math.BigDecimal fees = null;
        java.math.BigDecimal withheld = null;
        java.math.BigDecimal charges = java.math.BigDecimal.ZERO;
        for (JsonNode c : statement.get("charges")) {
            java.math.BigDecimal amount = new java.math.BigDecimal(c.get("amountUsd").asText());
            charges = charges.add(amount);
            if ("transaction_fees".equals(c.get("kind").asText())) {
                fees = amount;
            } else if ("fees_withheld_on_chain".equals(c.get("kind").asText())) {
                withheld = amount;
            }
        }
        assertEquals(0, new java.math.BigDecimal("0.10").compareTo(fees), statement.toString());
        assertEquals(0, fees.negate().compareTo(withheld), "fees kept on chain are not due again: " + statement);
        assertEquals(0, charges.compareTo(new java.math.BigDecimal(statement.at("/totals/totalExactUsd").asText())));
        String link = statement.get("payouts").asText();
        assertEquals("/merchant/payouts?period=" + period, link);
        JsonNode payoutsOfMonth = given().header("Authorization", a.merchant().bearer()).get(link).then().statusCode(200)
                .extract().as(JsonNode.class);
        assertEquals(1, payoutsOfMonth.size());
        assertEquals(a.share().toString(), payoutsOfMonth.at("/0/amount").asText());
        assertTrue(token.receipt(payoutsOfMonth.at("/0/transaction").asText()).isStatusOK());
        given().header("Authorization", a.merchant().bearer()).get("/merchant/payouts?period=1999-13").then().statusCode(400);
        assertEquals(0, given().header("Authorization", a.merchant().bearer()).get("/merchant/payouts?period=2001-01")
                .then().statusCode(200).extract().as(JsonNode.class).size());
    }

    @Test
    void whileAnotherPodHoldsThePayoutLeaseThisOneDoesNotRunAndTheRunEndpointSays409() {
        Paid a = paidMerchant("$1", 1);
        assertTrue(repository.lease("another-pod", Duration.ofSeconds(30)).await().atMost(DB));
        try {
            assertTrue(job.runOnce().await().atMost(Duration.ofSeconds(60)).isEmpty(), "the lease keeps this pod off");
            given().header("Authorization", ADMIN).post("/admin/treasury/payouts/run").then().statusCode(409);
            assertEquals(BigInteger.ZERO, token.balance(a.payoutAddress()));
        } finally {
            repository.release("another-pod").await().atMost(DB);
        }

        assertTrue(job.runOnce().await().atMost(Duration.ofSeconds(60)).isPresent(), "free again: this pod runs");
        assertEquals(a.share(), token.balance(a.payoutAddress()));
        assertTrue(repository.lease("another-pod", Duration.ofSeconds(30)).await().atMost(DB),
                "a run gives the lease back when it ends");
        repository.release("another-pod").await().atMost(DB);
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** Gas booked to the treasury key by every payout before this one. */
    private BigInteger gasBookedBefore(UUID payout) {
        return pool.preparedQuery("""
                SELECT coalesce(sum(p.amount), 0) AS s FROM posting p JOIN journal_entry e ON e.id = p.entry_id
                 WHERE p.account = $1 AND e.idempotency_key <> $2""")
                .execute(Tuple.of(TreasuryAccounts.gas(NETWORK, anvil().treasury().address()), "payout:" + payout))
                .await().atMost(DB).iterator().next().getBigDecimal("s").toBigIntegerExact();
    }

    private BigInteger custodyPlusLiability() {
        return TreasuryFixtures.custodyPlusLiability(pool, NETWORK, disburser(), ASSET);
    }
}
