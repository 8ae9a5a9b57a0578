package io.sippar.gateway.admin;

import static io.restassured.RestAssured.given;
import static io.sippar.gateway.admin.RouteApiFixtures.ACME;
import static io.sippar.gateway.admin.RouteApiFixtures.ADMIN;
import static io.sippar.gateway.admin.RouteApiFixtures.offered;
import static io.sippar.gateway.admin.RouteApiFixtures.randomPath;
import static io.sippar.gateway.admin.RouteApiFixtures.route;
import static io.sippar.gateway.admin.RouteApiFixtures.unique;
import static io.sippar.gateway.admin.RouteApiFixtures.upstreamUrl;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import io.sippar.evm.TestPayments;
import io.sippar.gateway.admin.RouteApiFixtures.Merchant;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.x402.HeaderCodec;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Routes managed through the merchant and admin APIs: served by the gateway as soon as the write
 * answers, validated exactly like configured routes, conflicts refused, configured routes read-only,
 * and one merchant never reaching another's routes.
 */
@QuarkusTest
class RouteApiTest {


    @Inject
    Pool pool;

    private static ValidatableResponse post(Merchant m, Object body) {
        return given().header("Authorization", m.bearer()).contentType(ContentType.JSON).body(body.toString())
                .post("/merchant/routes").then();
    }

    private static ValidatableResponse problem(ValidatableResponse r, int status, String reason) {
        return r.statusCode(status).contentType("application/problem+json").body("reason", equalTo(reason));
    }

    private static ObjectNode weather(String name, String path, String price) {
        return route(name, path, upstreamUrl("/weather"), price);
    }

    @Test
    void aCreatedRouteIsServedWithA402AtOnceAndListed() {
        Merchant m = RouteApiFixtures.merchant("developer");
        String name = unique("r");
        String path = randomPath();
        post(m, weather(name, path, "$0.002")).statusCode(201)
                .header("Location", endsWith("/merchant/routes/" + name))
                .body("name", equalTo(name)).body("source", equalTo("api")).body("enabled", equalTo(true))
                .body("method", equalTo("GET")).body("path", equalTo(path)).body("price", equalTo("$0.002"))
                .body("maxTimeoutSeconds", equalTo(300)).body("accepts[0].scheme", equalTo("exact"));
        JsonNode offer = offered(path);
        assertEquals("2000", offer.get("amount").asText());
        assertEquals("eip155:31337", offer.get("network").asText());
        assertEquals(RouteApiFixtures.PAY_TO, offer.get("payTo").asText());
        given().header("Authorization", m.bearer()).get("/merchant/routes").then().statusCode(200)
                .body("name", hasItem(name));
        given().header("Authorization", m.bearer()).get("/merchant/routes/" + name).then().statusCode(200)
                .body("upstream", equalTo(upstreamUrl("/weather")));
    }

    @Test
    void anUpdatedPriceIsInTheNext402() {
        Merchant m = RouteApiFixtures.merchant("developer");
        String name = unique("r");
        String path = randomPath();
        post(m, weather(name, path, "$0.002")).statusCode(201);
        assertEquals("2000", offered(path).get("amount").asText());

        ObjectNode changed = weather(null, path, "$0.005").put("description", "now dearer");
        given().header("Authorization", m.bearer()).contentType(ContentType.JSON).body(changed.toString())
                .put("/merchant/routes/" + name).then().statusCode(200).body("price", equalTo("$0.005"));
        Response challenge = given().get(path);
        assertEquals(402, challenge.statusCode());
        JsonNode required = HeaderCodec.decodeJson(challenge.getHeader("PAYMENT-REQUIRED"));
        assertEquals("5000", required.at("/accepts/0/amount").asText());
        assertEquals("now dearer", required.at("/resource/description").asText());
    }

    @Test
    void aDeletedRouteAnswers404() {
        Merchant m = RouteApiFixtures.merchant("developer");
        String name = unique("r");
        String path = randomPath();
        post(m, weather(name, path, "$0.002")).statusCode(201);
        given().get(path).then().statusCode(402);
        given().header("Authorization", m.bearer()).delete("/merchant/routes/" + name).then().statusCode(204);
        problem(given().get(path).then(), 404, "route_not_found");
        problem(given().header("Authorization", m.bearer()).get("/merchant/routes/" + name).then(), 404, "not_found");
        given().header("Authorization", m.bearer()).get("/merchant/routes").then().body("name", not(hasItem(name)));
        // the name and the path are free again
        post(m, weather(name, path, "$0.003")).statusCode(201);
        assertEquals("3000", offered(path).get("amount").asText());
    }

    @Test
    void aPaidCallThroughAnApiRouteReachesItsUpstreamAndIsRecordedUnderTheRoute() {
        Merchant m = RouteApiFixtures.merchant("developer");
        String name = unique("r");
        String path = randomPath();
        post(m, weather(name, path, "$0.002")).statusCode(201);
        String header = TestPayments.v2Header(offered(path), ChainsTestResource.devnet().account(6).privateKey());
        Response paid = given().header("PAYMENT-SIGNATURE", header).get(path);
        assertEquals(200, paid.statusCode(), paid.asString());
        assertTrue(paid.asString().contains("\"upstream\":\"/weather\""), paid.asString());
        JsonNode settlement = HeaderCodec.decodeJson(paid.getHeader("PAYMENT-RESPONSE"));
        Row row = pool.preparedQuery("""
                SELECT p.state, r.name FROM payment p JOIN route r ON r.id = p.route_id WHERE p.tx_hash = $1""")
                .execute(Tuple.of(settlement.get("transaction").asText())).await().atMost(Duration.ofSeconds(10))
                .iterator().next();
        assertEquals("settled", row.getString("state"));
        assertEquals(name, row.getString("name"));
    }

    @Test
    void aDisabledRouteIsStoredButNotServedUntilEnabled() {
        Merchant m = RouteApiFixtures.merchant("developer");
        String name = unique("r");
        String path = randomPath();
        post(m, weather(name, path, "$0.002").put("enabled", false)).statusCode(201).body("enabled", equalTo(false));
        problem(given().get(path).then(), 404, "route_not_found");
        given().header("Authorization", m.bearer()).contentType(ContentType.JSON)
                .body(weather(null, path, "$0.002").put("enabled", true).toString())
                .put("/merchant/routes/" + name).then().statusCode(200).body("enabled", equalTo(true));
        given().get(path).then().statusCode(402);
    }

    @Test
    void invalidRoutesAre400WithThePreciseProblemAndAreNotStored() {
        Merchant m = RouteApiFixtures.merchant("developer");
        String path = randomPath();
        String up = upstreamUrl("/weather");
        record Case(ObjectNode body, String detail) {
        }
        Case[] cases = {
            new Case(weather("a1", path, "$0.0000001"), "finer than the smallest unit"),
            new Case(weather("a2", path, "one dollar"), "price must be like $0.001"),
            new Case(weather("a3", path, "$0.01").put("method", "FETCH"), "$.method"),
            new Case(weather("a4", "no-slash", "$0.01"), "$.path"),
            new Case(weather("a5", "/a/**/b", "$0.01"), "'**' may only end a path pattern"),
            new Case(weather("a6", "/admin/anything", "$0.01"), "reserved by the gateway"),
            new Case(weather("a7", "/verify", "$0.01"), "reserved by the gateway"),
            new Case(route("a8", path, up, "$0.01").put("prise", "$1"), "$.prise"),
            new Case(weather("a9", path, "$0.01").put("maxTimeoutSeconds", "60"), "$.maxTimeoutSeconds"),
            new Case(weather("a10", path, "$0.01").put("maxTimeoutSeconds", 0), "$.maxTimeoutSeconds"),
            new Case(noAccepts(weather("a11", path, "$0.01")), "$.accepts"),
            new Case(withAccept(weather("a12", path, "$0.01"), "base", RouteApiFixtures.PAY_TO), "CAIP-2"),
            new Case(withAccept(weather("a13", path, "$0.01"), "eip155:31337", "0x1234"), "not an EVM address"),
            new Case(withAccept(weather("a14", path, "$0.01"), "eip155:1", RouteApiFixtures.PAY_TO),
                    "no payment scheme 'exact' on eip155:1"),
            new Case(withAsset(weather("a15", path, "$0.01"), "0x0000000000000000000000000000000000000001"),
                    "unknown asset"),
            new Case(duplicateAccept(weather("a16", path, "$0.01")), "appear twice"),
            new Case(withScheme(weather("a17", path, "$0.01"), "upto"), "no payment scheme 'upto'"),
            new Case(weather("a18", path, "$0.01").put("name", "Bad Name"), "$.name"),
        };
        for (Case c : cases) {
            problem(post(m, c.body()), 400, "invalid_request").body("detail", containsString(c.detail()));
            String name = c.body().path("name").asText();
            given().header("Authorization", m.bearer()).get("/merchant/routes/" + name).then().statusCode(404);
        }
        problem(given().header("Authorization", m.bearer()).contentType(ContentType.JSON).body("{\"name\":")
                .post("/merchant/routes").then(), 400, "invalid_request");
        problem(given().header("Authorization", m.bearer()).contentType(ContentType.JSON)
                .body("{\"name\":\"dup\",\"name\":\"dup\"}").post("/merchant/routes").then(), 400, "invalid_request")
                .body("detail", containsString("Duplicate field"));
        problem(given().get(path).then(), 404, "route_not_found");
    }

    private static ObjectNode withAccept(ObjectNode body, String network, String payTo) {
        body.withArray("accepts").removeAll().addObject().put("network", network).put("payTo", payTo);
        return body;
    }

    private static ObjectNode noAccepts(ObjectNode body) {
        body.withArray("accepts").removeAll();
        return body;
    }

    private static ObjectNode withAsset(ObjectNode body, String asset) {
        ((ObjectNode) body.withArray("accepts").get(0)).put("asset", asset);
        return body;
    }

    private static ObjectNode withScheme(ObjectNode body, String scheme) {
        ((ObjectNode) body.withArray("accepts").get(0)).put("scheme", scheme);
        return body;
    }

    private static ObjectNode duplicateAccept(ObjectNode body) {
        body.withArray("accepts").add(body.withArray("accepts").get(0).deepCopy());
        return body;
    }

    @Test
    void upstreamsThatReachTheGatewaysOwnNetworkAreRefused() {
        Merchant m = RouteApiFixtures.merchant("developer");
        String path = randomPath();
        String[][] cases = {
            {"ftp://example.com/x", "http:// or https://"},
            {"/demo-upstream/weather", "http:// or https://"},
            {"http://user:secret@example.com/x", "credentials"},
            {"http://example.com/x?key=1", "query"},
            {"http://localhost:9/x", "loopback, private, link-local"},
            {"http://169.254.169.254/latest/meta-data", "loopback, private, link-local"},
            {"http://10.1.2.3/x", "loopback, private, link-local"},
            {"http://192.168.0.10/x", "loopback, private, link-local"},
            {"http://[::1]:8080/x", "loopback, private, link-local"},
            {"http://[fd00::1]/x", "loopback, private, link-local"},
            {"http://100.64.0.1/x", "loopback, private, link-local"},
            {"http://0.0.0.0:8080/x", "loopback, private, link-local"},
            {"http://no-such-host.invalid/x", "does not resolve"},
        };
        for (String[] c : cases) {
            String name = unique("u");
            problem(post(m, route(name, path, c[0], "$0.01")), 400, "invalid_request")
                    .body("detail", containsString("$.upstream")).body("detail", containsString(c[1]));
        }
        // the operator's allowed host (127.0.0.1 in the test profile) passes
        post(m, route(unique("u"), path, upstreamUrl("/ok"), "$0.01")).statusCode(201);
    }

    @Test
    void routesThatClaimTheSameRequestsAre409() {
        Merchant a = RouteApiFixtures.merchant("developer");
        Merchant b = RouteApiFixtures.merchant("developer");
        String base = "/" + unique("shared");
        String name = unique("r");
        post(a, weather(name, base + "/items/*", "$0.01")).statusCode(201);
        problem(post(a, weather(name, base + "/other", "$0.01")), 409, "conflict")
                .body("detail", containsString("of that name"));
        problem(post(a, weather(unique("r"), base + "/items/*", "$0.01")), 409, "conflict")
                .body("detail", containsString("same method, path pattern and host"));
        // another merchant may neither take the same requests nor shadow them with a more specific route
        problem(post(b, weather(unique("r"), base + "/items/*", "$0.01")), 409, "conflict")
                .body("detail", containsString("another merchant"));
        problem(post(b, weather(unique("r"), base + "/items/special", "$0.01")), 409, "conflict")
                .body("detail", containsString(a.slug() + "/" + name));
        problem(post(b, weather(unique("r"), base + "/**", "$0.01")), 409, "conflict");
        problem(post(b, weather(unique("r"), base + "/items/x", "$0.01").put("host", "api.example.com")), 409,
                "conflict");
        // a configured route of acme is protected the same way
        problem(post(b, weather(unique("r"), "/acme/forecast/today", "$0.01")), 409, "conflict")
                .body("detail", containsString("acme/acme-forecast"));
        // what does not overlap is fine: another method, a disjoint path
        post(b, weather(unique("r"), base + "/items/special", "$0.01").put("method", "POST")).statusCode(201);
        post(b, weather(unique("r"), base + "/elsewhere", "$0.01")).statusCode(201);
        // within one merchant a more specific route may refine a wildcard: the most specific wins
        post(a, weather(unique("r"), base + "/items/special", "$0.02")).statusCode(201);
        assertEquals("20000", offered(base + "/items/special").get("amount").asText());
        assertEquals("10000", offered(base + "/items/plain").get("amount").asText());
    }

    @Test
    void configuredRoutesAreReadOnlyThroughTheApi() {
        Merchant acme = new Merchant(null, "acme", ACME);
        given().header("Authorization", acme.bearer()).get("/merchant/routes").then().statusCode(200)
                .body("find { it.name == 'acme-forecast' }.source", equalTo("configuration"));
        problem(given().header("Authorization", ACME).contentType(ContentType.JSON)
                .body(weather(null, "/acme/forecast/*", "$0.0001").toString()).put("/merchant/routes/acme-forecast")
                .then(), 409, "conflict").body("detail", containsString("configuration"));
        problem(given().header("Authorization", ACME).delete("/merchant/routes/acme-forecast").then(), 409,
                "conflict");
        // still served at its configured price
        assertEquals("10000", offered("/acme/forecast/today").get("amount").asText());
    }

    @Test
    void aMerchantNeverReachesAnotherMerchantsRoute() {
        Merchant a = RouteApiFixtures.merchant("developer");
        Merchant b = RouteApiFixtures.merchant("developer");
        String name = unique("r");
        String path = randomPath();
        post(a, weather(name, path, "$0.002")).statusCode(201);
        for (ValidatableResponse r : new ValidatableResponse[] {
            given().header("Authorization", b.bearer()).get("/merchant/routes/" + name).then(),
            given().header("Authorization", b.bearer()).contentType(ContentType.JSON)
                    .body(weather(null, path, "$0.000001").toString()).put("/merchant/routes/" + name).then(),
            given().header("Authorization", b.bearer()).delete("/merchant/routes/" + name).then()}) {
            String answer = problem(r, 404, "not_found").extract().asString();
            assertFalse(answer.contains(path), "another merchant's route must not leak: " + answer);
        }
        given().header("Authorization", b.bearer()).get("/merchant/routes").then().body("name", not(hasItem(name)));
        assertEquals("2000", offered(path).get("amount").asText());
    }

    @Test
    void theOperatorManagesAnyMerchantsRoutes() {
        Merchant m = RouteApiFixtures.merchant("developer");
        String name = unique("r");
        String path = randomPath();
        String base = "/admin/merchants/" + m.id() + "/routes";
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(weather(name, path, "$0.004").toString())
                .post(base).then().statusCode(201).header("Location", endsWith(base + "/" + name));
        assertEquals("4000", offered(path).get("amount").asText());
        given().header("Authorization", m.bearer()).get("/merchant/routes/" + name).then().statusCode(200);
        given().header("Authorization", ADMIN).get(base).then().statusCode(200).body("name", hasItem(name));
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(weather(null, path, "$0.006").toString())
                .put(base + "/" + name).then().statusCode(200);
        assertEquals("6000", offered(path).get("amount").asText());
        given().header("Authorization", ADMIN).delete(base + "/" + name).then().statusCode(204);
        given().get(path).then().statusCode(404);
        problem(given().header("Authorization", ADMIN).get("/admin/merchants/" + java.util.UUID.randomUUID()
                + "/routes").then(), 404, "not_found");
    }
}
