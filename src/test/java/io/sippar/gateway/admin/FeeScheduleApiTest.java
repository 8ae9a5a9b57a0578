package io.sippar.gateway.admin;

import static io.restassured.RestAssured.given;
import static io.sippar.gateway.admin.RouteApiFixtures.ADMIN;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.sippar.x402.X402Json;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The fee schedule admin API: versions listed with which is in force, documents validated by the
 * schedule loader with path-precise errors, versions only in the future, never two at one instant,
 * immutable once effective; and the operator-only fee terms of a merchant.
 */
@QuarkusTest
class FeeScheduleApiTest {

    static final String SEED = "2025-01-seed";

    private static ValidatableResponse problem(ValidatableResponse r, int status, String reason) {
        return r.statusCode(status).contentType("application/problem+json").body("reason", equalTo(reason));
    }

    /** The seed's document with another id and effectiveFrom: a valid version to offer. */
    static ObjectNode seedAs(String version, Instant effectiveFrom) {
        String json = given().header("Authorization", ADMIN).get("/admin/fee-schedules/" + SEED).then().statusCode(200)
                .extract().asString();
        try {
            ObjectNode doc = (ObjectNode) X402Json.MAPPER.readTree(json).get("schedule");
            ((ObjectNode) doc.withArray("versions").get(0)).put("version", version)
                    .put("effectiveFrom", effectiveFrom.toString());
            return doc;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    /** A distinct instant far in the future, so no test's version ever takes effect for the others. */
    static Instant farFuture() {
        return Instant.parse("2999-01-01T00:00:00Z").plus(ThreadLocalRandom.current().nextLong(1, 10_000_000),
                ChronoUnit.SECONDS);
    }

    private static ValidatableResponse offer(Object document) {
        return given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(document.toString())
                .post("/admin/fee-schedules").then();
    }

    @Test
    void theConfiguredScheduleIsStoredAndInForce() {
        given().header("Authorization", ADMIN).get("/admin/fee-schedules").then().statusCode(200)
                .body("find { it.version == '" + SEED + "' }.status", equalTo("in-force"))
                .body("find { it.version == '" + SEED + "' }.createdBy", startsWith("configuration:"))
                .body("find { it.version == '" + SEED + "' }.effectiveFrom", equalTo("2025-01-01T00:00:00Z"));
        given().header("Authorization", ADMIN).get("/admin/fee-schedules/" + SEED).then().statusCode(200)
                .body("schedule.format", equalTo("sippar-fee-schedules/1"))
                .body("schedule.versions[0].bands.name", equalTo(java.util.List.of("micro", "small", "medium", "large")))
                .body("schedule.versions[0].crossChainPercent.standard", equalTo("0.1"));
        problem(given().header("Authorization", ADMIN).get("/admin/fee-schedules/no-such").then(), 404, "not_found");
    }

    @Test
    void aFutureVersionIsStoredListedAndCanBeWithdrawnBeforeItTakesEffect() {
        String version = RouteApiFixtures.unique("v");
        Instant from = farFuture();
        offer(seedAs(version, from)).statusCode(201)
                .header("Location", endsWith("/admin/fee-schedules/" + version))
                .body("version", equalTo(version)).body("status", equalTo("scheduled"))
                .body("effectiveFrom", equalTo(from.toString())).body("createdBy", startsWith("api-key:"))
                .body("schedule.versions[0].version", equalTo(version));
        given().header("Authorization", ADMIN).get("/admin/fee-schedules").then()
                .body("find { it.version == '" + version + "' }.status", equalTo("scheduled"))
                .body("find { it.version == '" + SEED + "' }.status", equalTo("in-force"));
        given().header("Authorization", ADMIN).delete("/admin/fee-schedules/" + version).then().statusCode(204);
        problem(given().header("Authorization", ADMIN).get("/admin/fee-schedules/" + version).then(), 404, "not_found");
        problem(given().header("Authorization", ADMIN).delete("/admin/fee-schedules/" + version).then(), 404,
                "not_found");
    }

    @Test
    void invalidDocumentsAre400NamingTheJsonPath() {
        String version = RouteApiFixtures.unique("v");
        problem(offer("{not json"), 400, "invalid_request").body("detail", containsString("not valid JSON"));
        ObjectNode edge = seedAs(version, farFuture());
        ((ObjectNode) edge.at("/versions/0/bands/1")).remove("upToInclusive");
        problem(offer(edge), 400, "invalid_request")
                .body("detail", containsString("$.versions[0].bands[1]: upToInclusive is required"));
        ObjectNode typo = seedAs(version, farFuture());
        ((ObjectNode) typo.at("/versions/0")).put("capPercent", "5");
        problem(offer(typo), 400, "invalid_request").body("detail", containsString("unknown field \"capPercent\""));
        ObjectNode rising = seedAs(version, farFuture());
        ((ObjectNode) rising.at("/versions/0/aiAgent/tiers/1")).put("percent", "0.02");
        problem(offer(rising), 400, "invalid_request").body("detail", containsString("$.versions[0].aiAgent"));
        ObjectNode two = seedAs(version, farFuture());
        two.withArray("versions").add(seedAs(version + "-b", farFuture()).at("/versions/0"));
        problem(offer(two), 400, "invalid_request").body("detail", containsString("exactly one version"));
        given().header("Authorization", ADMIN).get("/admin/fee-schedules").then().body("version", not(hasItem(version)));
    }

    @Test
    void aVersionMustTakeEffectInTheFuture() {
        String version = RouteApiFixtures.unique("v");
        problem(offer(seedAs(version, Instant.now().minusSeconds(60))), 400, "invalid_request")
                .body("detail", containsString("too soon")).body("detail", containsString("database clock"));
        // within the lead time a pod could be settling across the boundary
        problem(offer(seedAs(version, Instant.now().plusSeconds(1))), 400, "invalid_request")
                .body("detail", containsString("at least PT5S"));
    }

    @Test
    void takenIdsAndInstantsAre409AndEffectiveVersionsCannotBeWithdrawn() {
        problem(offer(seedAs(SEED, farFuture())), 409, "conflict").body("detail", containsString("exists"));
        Instant from = farFuture();
        String first = RouteApiFixtures.unique("v");
        offer(seedAs(first, from)).statusCode(201);
        problem(offer(seedAs(RouteApiFixtures.unique("v"), from)), 409, "conflict")
                .body("detail", containsString("another version takes effect at " + from));
        problem(given().header("Authorization", ADMIN).delete("/admin/fee-schedules/" + SEED).then(), 409, "conflict")
                .body("detail", containsString("immutable"));
        given().header("Authorization", ADMIN).delete("/admin/fee-schedules/" + first).then().statusCode(204);
    }

    @Test
    void aVersionMustPriceEveryCrossChainTierMerchantsAreOn() {
        RouteApiFixtures.Merchant m = RouteApiFixtures.merchant("business");
        patch(m.id(), "{\"homeNetwork\":\"eip155:8453\",\"crossChainTier\":\"enterprise\"}").statusCode(200);
        try {
            ObjectNode without = seedAs(RouteApiFixtures.unique("v"), farFuture());
            ((ObjectNode) without.at("/versions/0/crossChainPercent")).remove("enterprise");
            problem(offer(without), 409, "conflict").body("detail", containsString("[enterprise]"));
        } finally {
            patch(m.id(), "{\"homeNetwork\":null}").statusCode(200);
        }
    }

    private static ValidatableResponse patch(String merchantId, String body) {
        return given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(body)
                .patch("/admin/merchants/" + merchantId).then();
    }

    @Test
    void theOperatorSetsAMerchantsFeeTerms() {
        RouteApiFixtures.Merchant m = RouteApiFixtures.merchant("professional");
        given().header("Authorization", ADMIN).get("/admin/merchants/" + m.id()).then().statusCode(200)
                .body("homeNetwork", equalTo(null)).body("crossChainTier", equalTo("standard"))
                .body("agentPricing", equalTo(false));
        patch(m.id(), "{\"homeNetwork\":\"eip155:8453\",\"crossChainTier\":\"high-frequency\",\"agentPricing\":true}")
                .statusCode(200).body("homeNetwork", equalTo("eip155:8453"))
                .body("crossChainTier", equalTo("high-frequency")).body("agentPricing", equalTo(true))
                .body("slug", equalTo(m.slug())).body("plan", equalTo("professional"));
        // absent fields stay; null clears the home network
        patch(m.id(), "{\"homeNetwork\":null}").statusCode(200).body("homeNetwork", equalTo(null))
                .body("crossChainTier", equalTo("high-frequency")).body("agentPricing", equalTo(true));
        // the merchant sees its terms but cannot change them
        given().header("Authorization", m.bearer()).get("/merchant/me").then().statusCode(200)
                .body("agentPricing", equalTo(true));
        problem(given().header("Authorization", m.bearer()).contentType(ContentType.JSON).body("{\"agentPricing\":false}")
                .patch("/admin/merchants/" + m.id()).then(), 403, "forbidden");

        problem(patch(m.id(), "{\"homeNetwork\":\"base\"}"), 400, "invalid_request")
                .body("detail", containsString("$.homeNetwork"));
        problem(patch(m.id(), "{\"agentPricing\":\"yes\"}"), 400, "invalid_request")
                .body("detail", containsString("$.agentPricing"));
        problem(patch(m.id(), "{\"plan\":\"enterprise\"}"), 400, "invalid_request")
                .body("detail", containsString("$.plan: unknown field"));
        problem(patch(m.id(), "[]"), 400, "invalid_request");
        problem(patch(m.id(), "{\"crossChainTier\":\"premium\"}"), 409, "conflict")
                .body("detail", containsString("not priced by fee schedule version " + SEED));
        problem(patch(java.util.UUID.randomUUID().toString(), "{\"agentPricing\":true}"), 404, "not_found");
        // refused changes changed nothing
        given().header("Authorization", ADMIN).get("/admin/merchants/" + m.id()).then()
                .body("crossChainTier", equalTo("high-frequency")).body("agentPricing", equalTo(true));
    }
}
