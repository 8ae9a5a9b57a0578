package io.sippar.treasury;

import static io.restassured.RestAssured.given;
import static io.sippar.treasury.TreasuryFixtures.ledger;
import static io.sippar.treasury.TreasuryFixtures.merchant;
import static io.sippar.treasury.TreasuryFixtures.offered;
import static io.sippar.treasury.TreasuryFixtures.route;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.sippar.evm.TestPayments;
import io.sippar.ledger.TreasuryAccounts;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.testsupport.TokenReader;
import io.sippar.treasury.TreasuryFixtures.Merchant;
import io.sippar.x402.X402Json;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * Every treasury-mode merchant's customers pay the same treasury address, so an authorization alone does
 * not say whose payment it is. In facilitator mode a merchant could take another merchant's customer's
 * authorization and settle it through {@code /settle} to have it credited to itself: the first merchant
 * that presents an authorization (its route, {@code /verify} or {@code /settle}) claims it, and any other
 * merchant presenting it is refused before anything moves.
 */
@QuarkusTest
class TreasuryAttributionTest {

    private static final String NETWORK = "eip155:31337";
    private static final String ASSET = TreasuryAccounts.asset(NETWORK, AnvilFixture.TOKEN_ADDRESS);

    @Inject
    Pool pool;

    private static AnvilFixture anvil() {
        return ChainsTestResource.devnet();
    }

    private static String request(JsonNode offer, ObjectNode payload) {
        ObjectNode body = X402Json.MAPPER.createObjectNode();
        body.put("x402Version", 2);
        body.set("paymentPayload", payload);
        body.set("paymentRequirements", offer);
        return body.toString();
    }

    @Test
    void anotherMerchantSettlingAnAuthorizationVerifiedForTheFirstIsRefusedAndNothingMoves() {
        Merchant victim = merchant("treasury");
        Merchant attacker = merchant("treasury");
        JsonNode offer = offered(route(victim, NETWORK, anvil().merchant().address(), "$1"));
        try (TokenReader token = new TokenReader(anvil())) {
            String payerKey = TreasuryFixtures.newEvmPayer(token);
            String body = request(offer, TestPayments.v2Payload(offer, payerKey));
            String payer = org.web3j.crypto.Credentials.create(payerKey).getAddress();
            BigInteger payerBefore = token.balance(payer);
            // the victim's server verifies its customer's payment: the authorization is now the victim's
            given().header("Authorization", victim.bearer()).contentType(ContentType.JSON).body(body).post("/verify")
                    .then().statusCode(200).body("isValid", equalTo(true));

            given().header("Authorization", attacker.bearer()).contentType(ContentType.JSON).body(body).post("/settle")
                    .then().statusCode(200).body("success", equalTo(false))
                    .body("errorReason", equalTo("payment_claimed_by_another_merchant"));
            given().header("Authorization", attacker.bearer()).contentType(ContentType.JSON).body(body).post("/verify")
                    .then().statusCode(200).body("isValid", equalTo(false))
                    .body("invalidReason", equalTo("payment_claimed_by_another_merchant"));
            assertEquals(payerBefore, token.balance(payer), "the attacker moved nothing");
            assertEquals(BigInteger.ZERO, ledger(pool, TreasuryAccounts.payable(attacker.id()), ASSET));

            // the victim settles it and is credited
            given().header("Authorization", victim.bearer()).contentType(ContentType.JSON).body(body).post("/settle")
                    .then().statusCode(200).body("success", equalTo(true));
            BigInteger amount = new BigInteger(offer.get("amount").asText());
            assertEquals(payerBefore.subtract(amount), token.balance(payer));
            assertEquals(amount.subtract(BigInteger.valueOf(50_000)), ledger(pool,
                    TreasuryAccounts.payable(victim.id()), ASSET), "$1 less the $0.05 small-payment fee");
            assertEquals(BigInteger.ZERO, ledger(pool, TreasuryAccounts.payable(attacker.id()), ASSET));
        }
    }

    @Test
    void aDirectModeMerchantCannotSettleAPaymentToTheTreasury() {
        Merchant owner = merchant("treasury");
        Merchant direct = merchant("direct");
        JsonNode offer = offered(route(owner, NETWORK, anvil().merchant().address(), "$1"));
        String body = request(offer, TestPayments.v2Payload(offer, anvil().account(7).privateKey()));
        given().header("Authorization", direct.bearer()).contentType(ContentType.JSON).body(body).post("/settle")
                .then().statusCode(200).body("success", equalTo(false))
                .body("errorReason", equalTo("treasury_not_enabled"));
    }

    @Test
    void aTreasuryModeMerchantCannotSettleToAnAddressOfItsOwnThroughTheFacilitator() {
        Merchant m = merchant("treasury");
        JsonNode treasuryOffer = offered(route(m, NETWORK, anvil().merchant().address(), "$1"));
        ObjectNode own = treasuryOffer.deepCopy();
        own.put("payTo", anvil().merchant().address());
        String body = request(own, TestPayments.v2Payload(own, anvil().account(7).privateKey()));
        given().header("Authorization", m.bearer()).contentType(ContentType.JSON).body(body).post("/settle")
                .then().statusCode(200).body("success", equalTo(false))
                .body("errorReason", equalTo("treasury_payment_required"));
    }
}
