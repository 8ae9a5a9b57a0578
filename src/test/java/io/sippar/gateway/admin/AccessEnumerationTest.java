package io.sippar.gateway.admin;

import static io.restassured.RestAssured.given;
import static io.sippar.gateway.admin.RouteApiFixtures.ACME;
import static io.sippar.gateway.admin.RouteApiFixtures.ADMIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.sippar.billing.StatementFixture;
import io.sippar.gateway.admin.RouteApiFixtures.Merchant;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every admin and merchant endpoint, enumerated from the OpenAPI document (so a new endpoint is
 * covered without touching this test): 401 without a key, 403 with the other role's key, and every
 * merchant endpoint that takes an id refuses another merchant's resource without showing it.
 */
@QuarkusTest
class AccessEnumerationTest {

    private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}]+)}");

    private static Map<String, JsonNode> roleChecked() {
        Map<String, JsonNode> ops = OpenApiCoverageTest.apiOperations(OpenApiCoverageTest.document());
        ops.keySet().removeIf(k -> !k.contains(" /admin") && !k.contains(" /merchant"));
        assertTrue(ops.size() >= 20, "expected the whole admin and merchant surface, found " + ops.keySet());
        return ops;
    }

    private static Response call(String key, String bearer) {
        String method = key.substring(0, key.indexOf(' '));
        String path = fill(key.substring(key.indexOf(' ') + 1));
        var request = given().contentType(ContentType.JSON).body("{}");
        if (bearer != null) {
            request = request.header("Authorization", bearer);
        }
        return request.request(method, path);
    }

    /** Path parameters replaced by values of the right shape that name nothing. */
    private static String fill(String template) {
        Matcher m = PATH_PARAM.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, m.group(1).endsWith("Id") ? UUID.randomUUID().toString() : "nothing-here");
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static void documented(List<String> gaps, String key, JsonNode op, int status) {
        if (!op.path("responses").has(Integer.toString(status))) {
            gaps.add(key + " answers " + status + " but does not document it");
        }
    }

    @Test
    void everyEndpointIs401WithoutAKeyAnd403WithTheOtherRolesKey() {
        List<String> gaps = new ArrayList<>();
        roleChecked().forEach((key, op) -> {
            Response anonymous = call(key, null);
            if (anonymous.statusCode() != 401 || !"unauthorized".equals(anonymous.path("reason"))
                    || !"Bearer".equals(anonymous.getHeader("WWW-Authenticate"))) {
                gaps.add(key + " without a key: " + anonymous.statusCode() + " " + anonymous.asString());
            }
            Response unknown = call(key, "Bearer sk_test_nobody_0123456789abcdefghijk");
            if (unknown.statusCode() != 401) {
                gaps.add(key + " with an unknown key: " + unknown.statusCode());
            }
            Response wrongRole = call(key, key.contains(" /admin") ? ACME : ADMIN);
            if (wrongRole.statusCode() != 403 || !"forbidden".equals(wrongRole.path("reason"))) {
                gaps.add(key + " with the other role's key: " + wrongRole.statusCode() + " " + wrongRole.asString());
            }
            documented(gaps, key, op, 401);
            documented(gaps, key, op, 403);
        });
        assertEquals(List.of(), gaps);
    }

    /**
     * How to make a resource of merchant B for a merchant path template, what B's resource shows, and the
     * statuses A may get: 403/404 for B's ids; for a path naming no owner (a statement period), A's own view.
     */
    private record Owned(String id, List<String> secrets, Runnable stillThere, Set<Integer> allowed) {
        Owned(String id, List<String> secrets, Runnable stillThere) {
            this(id, secrets, stillThere, Set.of(403, 404));
        }
    }

    @Inject
    StatementFixture statements;

    /** B settles one payment this month with an amount nobody else uses; A asks for the same period. */
    private Owned settledThisMonth(Merchant b, String suffix) {
        BigInteger amount = BigInteger.valueOf(ThreadLocalRandom.current().nextLong(100_000_000L, 900_000_000L));
        UUID paymentId = statements.paid(UUID.fromString(b.id()), StatementFixture.BASE, amount, OffsetDateTime.now());
        String period = YearMonth.now(ZoneOffset.UTC).toString();
        return new Owned(period, List.of(paymentId.toString(), amount.toString(), b.id()), () ->
                assertTrue(given().header("Authorization", b.bearer()).get("/merchant/statements/" + period + suffix)
                        .then().statusCode(200).extract().asString().contains(suffix.isEmpty() ? amount.toString()
                                : paymentId.toString()), "B no longer sees its own payment"),
                Set.of(200, 404));
    }

    private Map<String, Function<Merchant, Owned>> crossMerchantCases() {
        return Map.of(
                "/merchant/statements/{period}", b -> settledThisMonth(b, ""),
                "/merchant/statements/{period}/lines", b -> settledThisMonth(b, "/lines"),
                "/merchant/api-keys/{keyId}", b -> {
                    Response issued = given().header("Authorization", b.bearer()).contentType(ContentType.JSON)
                            .body("{\"label\":\"b-only\"}").post("/merchant/api-keys");
                    String keyId = issued.then().statusCode(201).extract().path("id");
                    String secret = issued.path("secret");
                    return new Owned(keyId, List.of(secret, secret.substring(0, 11), "b-only"), () ->
                            given().header("Authorization", "Bearer " + secret).get("/merchant/me").then()
                                    .statusCode(200));
                },
                "/merchant/routes/{name}", b -> {
                    String name = RouteApiFixtures.unique("b");
                    String path = RouteApiFixtures.randomPath();
                    given().header("Authorization", b.bearer()).contentType(ContentType.JSON)
                            .body(RouteApiFixtures.route(name, path, RouteApiFixtures.upstreamUrl("/b"),
                                    "$0.003").toString())
                            .post("/merchant/routes").then().statusCode(201);
                    return new Owned(name, List.of(path, "$0.003"), () -> {
                        given().header("Authorization", b.bearer()).get("/merchant/routes/" + name).then()
                                .statusCode(200);
                        assertEquals("3000", RouteApiFixtures.offered(path).get("amount").asText());
                    });
                });
    }

    @Test
    void everyMerchantEndpointTakingAnIdRefusesAnotherMerchantsResource() {
        Merchant a = RouteApiFixtures.merchant("developer");
        Merchant b = RouteApiFixtures.merchant("developer");
        Map<String, Function<Merchant, Owned>> cases = crossMerchantCases();
        List<String> gaps = new ArrayList<>();
        roleChecked().forEach((key, op) -> {
            String method = key.substring(0, key.indexOf(' '));
            String template = key.substring(key.indexOf(' ') + 1);
            if (!template.startsWith("/merchant") || !template.contains("{")) {
                return;
            }
            Function<Merchant, Owned> make = cases.get(template);
            if (make == null) {
                gaps.add(key + ": no cross-merchant case; add one to crossMerchantCases()");
                return;
            }
            Owned owned = make.apply(b);
            String path = PATH_PARAM.matcher(template).replaceAll(owned.id());
            String body = method.equals("PUT") ? RouteApiFixtures.route(null, RouteApiFixtures.randomPath(),
                    RouteApiFixtures.upstreamUrl("/a"), "$0.001").toString() : "{}";
            Response r = given().header("Authorization", a.bearer()).contentType(ContentType.JSON).body(body)
                    .request(method, path);
            if (!owned.allowed().contains(r.statusCode())) {
                gaps.add(key + " with another merchant's " + owned.id() + ": " + r.statusCode() + " " + r.asString());
            }
            documented(gaps, key, op, r.statusCode());
            for (String secret : owned.secrets()) {
                assertFalse(r.asString().contains(secret), key + " showed another merchant's data: " + r.asString());
            }
            owned.stillThere().run();
        });
        assertEquals(List.of(), gaps);
    }
}
