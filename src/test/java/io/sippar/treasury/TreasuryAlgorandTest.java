package io.sippar.treasury;

import static io.restassured.RestAssured.given;
import static io.sippar.treasury.TreasuryFixtures.DB;
import static io.sippar.treasury.TreasuryFixtures.ledger;
import static io.sippar.treasury.TreasuryFixtures.merchant;
import static io.sippar.treasury.TreasuryFixtures.offered;
import static io.sippar.treasury.TreasuryFixtures.pay;
import static io.sippar.treasury.TreasuryFixtures.payoutAccount;
import static io.sippar.treasury.TreasuryFixtures.route;
import static io.sippar.treasury.TreasuryFixtures.runPayouts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.sippar.algorand.TestAvmPayments;
import io.sippar.ledger.TreasuryAccounts;
import io.sippar.testsupport.AlgodFixture;
import io.sippar.testsupport.AlgodQueries;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.treasury.TreasuryFixtures.Merchant;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Treasury mode on the Algorand devnet (its {@code treasury} account, opted in to USDC, is the
 * treasury): payments pay the treasury and credit payables, a payout group pays each merchant exactly
 * its share while the treasury keeps the fees and pays the network fees in ALGO, a group stopped after
 * submission is finished by the next run without a second transfer, and a receiver not opted in to the
 * ASA is left out and stays payable while the others are paid. Payout receivers are devnet accounts
 * opted in with no USDC of their own, compared before and after.
 */
@QuarkusTest
class TreasuryAlgorandTest {

    @Inject
    Pool pool;

    private static AlgodFixture algod() {
        return ChainsTestResource.algorand();
    }

    private static String network() {
        return algod().network();
    }

    private static String asset() {
        return TreasuryAccounts.asset(network(), Long.toString(algod().usdcAssetId()));
    }

    private static String treasury() {
        return algod().account("treasury").address();
    }

    private static BigInteger usdc(AlgodQueries chain, String address) {
        return chain.assetBalance(address, algod().usdcAssetId());
    }

    private record Paid(Merchant merchant, String payoutAddress, BigInteger share, BigInteger fees, BigInteger amounts) {
    }

    /** A treasury-mode merchant paid {@code calls} times on Algorand, paying out to {@code payoutAddress}. */
    private Paid paidMerchant(AlgodQueries chain, String price, int calls, String payer, String payoutAddress) {
        Merchant m = merchant("treasury");
        String path = route(m, network(), algod().merchant().address(), price);
        payoutAccount(m, network(), payoutAddress, "1");
        JsonNode offer = offered(path);
        assertEquals(treasury(), offer.get("payTo").asText(), "a treasury-mode 402 names the treasury");
        BigInteger share = BigInteger.ZERO;
        BigInteger fees = BigInteger.ZERO;
        BigInteger amounts = BigInteger.ZERO;
        for (int i = 0; i < calls; i++) {
            Row p = TreasuryFixtures.paymentByTx(pool, pay(path, TestAvmPayments.v2Header(offered(path),
                    algod().account(payer), chain.lastRound())));
            assertTrue(p.getBoolean("treasury"));
            share = share.add(TreasuryFixtures.share(p));
            fees = fees.add(TreasuryFixtures.fee(p));
            amounts = amounts.add(p.getBigDecimal("amount").toBigIntegerExact());
        }
        assertEquals(share, ledger(pool, TreasuryAccounts.payable(m.id()), asset()));
        return new Paid(m, payoutAddress, share, fees, amounts);
    }

    private List<Row> payoutItemsOf(Merchant m) {
        return TreasuryFixtures.payoutItems(pool, m);
    }

    private BigInteger custodyPlusLiability() {
        return TreasuryFixtures.custodyPlusLiability(pool, network(), treasury(), asset());
    }

    @Test
    void treasuryModeOnAlgorandPaysEachMerchantExactlyItsShareInOneGroupAndTheTreasuryKeepsTheFees() {
        AlgodQueries chain = new AlgodQueries(algod());
        String toA = algod().account("no-usdc").address();
        String toB = algod().account("x402-vector-payto").address();
        BigInteger treasuryBefore = usdc(chain, treasury());
        BigInteger algoBefore = chain.algo(treasury());
        BigInteger aBefore = usdc(chain, toA);
        BigInteger bBefore = usdc(chain, toB);
        Paid a = paidMerchant(chain, "$0.5", 2, "payer-5", toA);
        Paid b = paidMerchant(chain, "$2", 1, "payer-6", toB);
        assertEquals(treasuryBefore.add(a.amounts()).add(b.amounts()), usdc(chain, treasury()),
                "the payments moved into the treasury");

        List<String> events = runPayouts();

        assertEquals(aBefore.add(a.share()), usdc(chain, toA), "A received exactly amount - fee: " + events);
        assertEquals(bBefore.add(b.share()), usdc(chain, toB));
        assertEquals(treasuryBefore.add(a.fees()).add(b.fees()), usdc(chain, treasury()),
                "the treasury kept exactly the fees");
        List<Row> itemsA = payoutItemsOf(a.merchant());
        List<Row> itemsB = payoutItemsOf(b.merchant());
        assertEquals(1, itemsA.size());
        assertEquals(itemsA.get(0).getUUID("payout_id"), itemsB.get(0).getUUID("payout_id"), "one group for both");
        assertEquals("confirmed", itemsA.get(0).getString("payout_state"));
        assertEquals("paid", itemsB.get(0).getString("state"));
        BigInteger networkFee = itemsA.get(0).getBigDecimal("network_fee").toBigIntegerExact();
        assertEquals(BigInteger.valueOf(2000), networkFee, "two axfers at the minimum fee");
        assertEquals(algoBefore.subtract(networkFee), chain.algo(treasury()), "the treasury account paid the fees in ALGO");
        assertTrue(chain.confirmedRound(itemsA.get(0).getString("payout_tx")) > 0);
        assertEquals(BigInteger.ZERO, ledger(pool, TreasuryAccounts.payable(a.merchant().id()), asset()));
        assertEquals(BigInteger.ZERO, ledger(pool, TreasuryAccounts.payable(b.merchant().id()), asset()));
        JsonNode view = TreasuryFixtures.merchantPayouts(a.merchant()).get(0);
        assertEquals(itemsA.get(0).getString("tx_id"), view.get("transaction").asText());
        assertEquals(a.share().toString(), view.get("amount").asText());
        assertEquals(List.of(), TreasuryFixtures.unbalanced(pool));
        assertEquals(BigInteger.ZERO, custodyPlusLiability());
    }

    @Test
    void aGroupHeldAfterSubmissionIsFinishedByTheNextRunWithoutASecondTransfer() {
        AlgodQueries chain = new AlgodQueries(algod());
        String to = algod().account("no-usdc").address();
        Paid a = paidMerchant(chain, "$1", 1, "payer-5", to);
        BigInteger before = usdc(chain, to);
        List<String> first;
        chain.pause();
        try {
            // the group sits in the pool when the run gives up: stored and submitted, nothing recorded
            first = runPayouts();
            List<Row> items = payoutItemsOf(a.merchant());
            assertEquals(1, items.size(), first.toString());
            assertEquals("broadcast", items.get(0).getString("payout_state"), first.toString());
            assertEquals(before, usdc(chain, to));
            assertEquals(a.share(), ledger(pool, TreasuryAccounts.payable(a.merchant().id()), asset()));
        } finally {
            chain.resume();
        }

        List<String> second = runPayouts();

        List<Row> items = payoutItemsOf(a.merchant());
        assertEquals(1, items.size(), "the stored payout was finished, no other made: " + second);
        assertEquals("confirmed", items.get(0).getString("payout_state"), second.toString());
        assertEquals(before.add(a.share()), usdc(chain, to), "paid exactly once");
        runPayouts();
        assertEquals(before.add(a.share()), usdc(chain, to));
        assertEquals(1, payoutItemsOf(a.merchant()).size());
        assertEquals(List.of(), TreasuryFixtures.unbalanced(pool));
        assertEquals(BigInteger.ZERO, custodyPlusLiability());
    }

    @Test
    void aReceiverNotOptedInToTheAssetStaysPayableWhileTheOthersOfTheGroupArePaid() {
        AlgodQueries chain = new AlgodQueries(algod());
        String notOptedIn = algod().account("not-opted-in").address();
        String ok = algod().account("x402-vector-payto").address();
        Paid refused = paidMerchant(chain, "$1", 1, "payer-6", notOptedIn);
        Paid paid = paidMerchant(chain, "$1", 1, "payer-6", ok);
        BigInteger okBefore = usdc(chain, ok);
        BigInteger treasuryBefore = usdc(chain, treasury());

        List<String> events = runPayouts();

        assertEquals(okBefore.add(paid.share()), usdc(chain, ok), "the other merchant is paid: " + events);
        assertEquals(treasuryBefore.subtract(paid.share()), usdc(chain, treasury()));
        assertEquals(refused.share(), ledger(pool, TreasuryAccounts.payable(refused.merchant().id()), asset()),
                "the refused merchant's balance stays payable");
        List<Row> bad = payoutItemsOf(refused.merchant());
        assertEquals(1, bad.size());
        assertEquals("failed", bad.get(0).getString("state"));
        assertTrue(bad.get(0).getString("failure_reason").contains("not opted in"), bad.get(0).getString("failure_reason"));
        assertEquals(refused.share().toString(), given().header("Authorization", refused.merchant().bearer())
                .get("/merchant/balance").then().statusCode(200).extract().path("balances[0].payable"));
        assertEquals(List.of(), TreasuryFixtures.unbalanced(pool));
        assertEquals(BigInteger.ZERO, custodyPlusLiability());
    }
}
