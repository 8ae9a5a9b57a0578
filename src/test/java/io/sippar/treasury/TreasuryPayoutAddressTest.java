package io.sippar.treasury;

import static io.restassured.RestAssured.given;
import static io.sippar.treasury.TreasuryFixtures.ADMIN;
import static io.sippar.treasury.TreasuryFixtures.merchant;
import static io.sippar.treasury.TreasuryFixtures.payoutAccount;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.sippar.treasury.TreasuryFixtures.Merchant;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A merchant's own change of payout address waits {@code address-change-delay} (24 h) so a stolen API
 * key cannot redirect the next payout; the operator can approve it sooner, either side can cancel it,
 * and every change is in the history. Bad addresses and networks without a treasury are 400.
 */
@QuarkusTest
class TreasuryPayoutAddressTest {

    private static final String NETWORK = "eip155:31337";
    private static final String FIRST = org.web3j.crypto.Keys.toChecksumAddress("0x00000000000000000000000000000000000a11ce");
    private static final String SECOND = org.web3j.crypto.Keys.toChecksumAddress("0x00000000000000000000000000000000000b0b00");

    private static String body(String address) {
        return "{\"network\":\"" + NETWORK + "\",\"address\":\"" + address + "\"}";
    }

    /** A field of the merchant's one payout account, as it sees it. */
    private static String account(Merchant m, String field) {
        JsonPath all = given().header("Authorization", m.bearer()).get("/merchant/payout-accounts").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(1, all.getList("").size());
        return all.getString("[0]." + field);
    }

    @Test
    void aMerchantsNewAddressWaitsTheDelayUnlessTheOperatorApprovesItAndEveryChangeIsKept() {
        Merchant m = merchant("treasury");
        payoutAccount(m, NETWORK, FIRST, "1");

        OffsetDateTime asked = OffsetDateTime.now();
        given().header("Authorization", m.bearer()).contentType(ContentType.JSON).body(body(SECOND))
                .put("/merchant/payout-accounts").then().statusCode(200)
                .body("address", equalTo(FIRST)).body("pendingAddress", equalTo(SECOND))
                .body("pendingEffectiveAt", notNullValue());
        OffsetDateTime effective = OffsetDateTime.parse(account(m, "pendingEffectiveAt"));
        assertTrue(Duration.between(asked, effective).compareTo(Duration.ofHours(23)) > 0,
                "a merchant's change waits about 24 h: " + effective);
        // a run now promotes nothing: the address in effect is still the first
        TreasuryFixtures.runPayouts();
        assertEquals(FIRST, account(m, "address"));

        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{\"network\":\"" + NETWORK + "\"}")
                .post("/admin/merchants/" + m.id() + "/payout-accounts/approve").then().statusCode(200)
                .body("address", equalTo(SECOND)).body("pendingAddress", nullValue());
        given().header("Authorization", m.bearer()).contentType(ContentType.JSON).body("{\"network\":\"" + NETWORK + "\"}")
                .post("/merchant/payout-accounts/cancel").then().statusCode(409);

        given().header("Authorization", m.bearer()).contentType(ContentType.JSON).body(body(FIRST))
                .put("/merchant/payout-accounts").then().statusCode(200).body("pendingAddress", equalTo(FIRST));
        given().header("Authorization", m.bearer()).contentType(ContentType.JSON).body("{\"network\":\"" + NETWORK + "\"}")
                .post("/merchant/payout-accounts/cancel").then().statusCode(204);
        assertEquals(SECOND, account(m, "address"));
        List<String> actions = given().header("Authorization", m.bearer()).get("/merchant/payout-accounts/history")
                .then().statusCode(200).extract().jsonPath().getList("action", String.class);
        assertEquals(List.of("cancelled", "requested", "approved", "requested", "set"), actions);
    }

    @Test
    void anInvalidAddressOrANetworkWithoutATreasuryIsA400() {
        Merchant m = merchant("treasury");
        given().header("Authorization", m.bearer()).contentType(ContentType.JSON).body(body("0x1234"))
                .put("/merchant/payout-accounts").then().statusCode(400)
                .contentType("application/problem+json").body("reason", equalTo("invalid_request"));
        given().header("Authorization", m.bearer()).contentType(ContentType.JSON)
                .body("{\"network\":\"eip155:1\",\"address\":\"" + FIRST + "\"}")
                .put("/merchant/payout-accounts").then().statusCode(400);
        given().header("Authorization", m.bearer()).contentType(ContentType.JSON)
                .body("{\"network\":\"" + NETWORK + "\",\"threshold\":\"ten dollars\"}")
                .put("/merchant/payout-accounts").then().statusCode(400);
    }
}
