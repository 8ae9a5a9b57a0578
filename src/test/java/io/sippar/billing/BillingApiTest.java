package io.sippar.billing;

import static io.restassured.RestAssured.given;
import static io.sippar.billing.BillingFixtures.ADMIN;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The plan, usage, webhook and notice endpoints: shapes, plan changes, validation, and merchant isolation. */
@QuarkusTest
class BillingApiTest {

    @Inject
    Pool pool;

    private static ValidatableResponse problem(ValidatableResponse r, int status, String reason) {
        return r.statusCode(status).contentType("application/problem+json").body("reason", equalTo(reason));
    }

    private static String thisMonth() {
        return YearMonth.now(ZoneOffset.UTC).toString();
    }

    @Test
    void theOperatorListsTheCatalog() {
        given().header("Authorization", ADMIN).get("/admin/plans").then().statusCode(200)
                .body("defaultPlan", equalTo("developer"))
                .body("commitmentDiscounts.'3'", equalTo("0.15"))
                .body("commitmentDiscounts.'5'", equalTo("0.25"))
                .body("plans", hasSize(7))
                .body("plans.find { it.id == 'professional' }.priceUsd", equalTo("500.00"))
                .body("plans.find { it.id == 'professional' }.overageUsdPerTransaction", equalTo("0.010000"))
                .body("plans.find { it.id == 'developer' }.hardStop", equalTo(true))
                .body("plans.find { it.id == 'enterprise-unlimited' }.unlimited", equalTo(true))
                .body("plans.find { it.id == 'enterprise-growth' }.billingCycle", equalTo("year"));
    }

    @Test
    void aMerchantSeesItsPlanAndThisMonthsUsage() {
        BillingFixtures.Merchant m = BillingFixtures.merchant("professional");
        BillingFixtures.setUsage(pool, m.id(), 100_250, 100);
        given().header("Authorization", m.bearer()).get("/merchant/plan").then().statusCode(200)
                .body("plan.id", equalTo("professional"))
                .body("subscription.source", equalTo("created"))
                .body("scheduledChange", nullValue())
                .body("usage.period", equalTo(thisMonth()))
                .body("usage.included", equalTo(100_000))
                .body("usage.used", equalTo(100_250))
                .body("usage.remaining", equalTo(0))
                .body("usage.overageTransactions", equalTo(250))
                .body("usage.overageUsd", equalTo("2.500000"))
                .body("usage.limitReached", equalTo(false));
        given().header("Authorization", m.bearer()).get("/merchant/usage").then().statusCode(200)
                .body("period", equalTo(thisMonth())).body("used", equalTo(100_250))
                .body("segments[0].plan", equalTo("professional"));
    }

    @Test
    void usagePeriodsAreValidated() {
        BillingFixtures.Merchant m = BillingFixtures.merchant("developer");
        problem(given().header("Authorization", m.bearer()).queryParam("period", "2026-13").get("/merchant/usage").then(),
                400, "invalid_request").body("detail", startsWith("period must be a month like 2026-03"));
        problem(given().header("Authorization", m.bearer()).queryParam("period", "March").get("/merchant/usage").then(),
                400, "invalid_request");
        problem(given().header("Authorization", m.bearer())
                .queryParam("period", YearMonth.now(ZoneOffset.UTC).plusMonths(1).toString()).get("/merchant/usage")
                .then(), 400, "invalid_request").body("detail", startsWith("period"));
        problem(given().header("Authorization", m.bearer()).queryParam("period", "2020-01").get("/merchant/usage").then(),
                404, "not_found");
        problem(given().header("Authorization", m.bearer()).queryParam("limit", "0").get("/merchant/notices").then(),
                400, "invalid_request");
    }

    @Test
    void anUpgradeAppliesAtOnceAndADowngradeAtTheNextMonth() {
        BillingFixtures.Merchant m = BillingFixtures.merchant("professional");
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{\"plan\":\"business\"}")
                .put("/admin/merchants/" + m.id() + "/subscription").then().statusCode(200)
                .body("direction", equalTo("upgrade")).body("previousPlan", equalTo("professional"))
                .body("current.plan", equalTo("business")).body("scheduled", nullValue())
                .body("history", hasSize(2));
        given().header("Authorization", m.bearer()).get("/merchant/plan").then().statusCode(200)
                .body("plan.id", equalTo("business"));
        // the listing mirrors the plan in force
        given().header("Authorization", ADMIN).get("/admin/merchants/" + m.id()).then().body("plan", equalTo("business"));

        String nextMonth = YearMonth.now(ZoneOffset.UTC).plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC)
                .toInstant().toString();
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{\"plan\":\"developer\"}")
                .put("/admin/merchants/" + m.id() + "/subscription").then().statusCode(200)
                .body("direction", equalTo("downgrade")).body("effectiveFrom", equalTo(nextMonth))
                .body("current.plan", equalTo("business")).body("current.effectiveTo", equalTo(nextMonth))
                .body("scheduled.plan", equalTo("developer"));
        given().header("Authorization", m.bearer()).get("/merchant/plan").then().statusCode(200)
                .body("plan.id", equalTo("business")).body("scheduledChange.plan", equalTo("developer"))
                .body("scheduledChange.effectiveFrom", equalTo(nextMonth));
        // asking for the plan in force cancels the scheduled change
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{\"plan\":\"business\"}")
                .put("/admin/merchants/" + m.id() + "/subscription").then().statusCode(200)
                .body("direction", equalTo("unchanged")).body("scheduled", nullValue())
                .body("current.effectiveTo", nullValue());
        // an operator can force a downgrade now
        given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"plan\":\"professional\",\"effective\":\"now\"}")
                .put("/admin/merchants/" + m.id() + "/subscription").then().statusCode(200)
                .body("direction", equalTo("downgrade")).body("current.plan", equalTo("professional"));
    }

    @Test
    void annualContractsTakeACommitmentAndMonthlyPlansDoNot() {
        BillingFixtures.Merchant m = BillingFixtures.merchant("business");
        given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"plan\":\"enterprise-unlimited\",\"commitmentYears\":3}")
                .put("/admin/merchants/" + m.id() + "/subscription").then().statusCode(200)
                .body("direction", equalTo("upgrade")).body("current.commitmentYears", equalTo(3))
                .body("current.commitmentDiscount", equalTo("0.15")).body("current.termEnd", notNullValue());
        problem(given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"plan\":\"business\",\"commitmentYears\":3}")
                .put("/admin/merchants/" + m.id() + "/subscription").then(), 400, "invalid_request")
                .body("detail", equalTo("plan business is billed monthly and takes no commitmentYears"));
        problem(given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"plan\":\"enterprise-growth\",\"commitmentYears\":2}")
                .put("/admin/merchants/" + m.id() + "/subscription").then(), 400, "invalid_request")
                .body("detail", equalTo("plan enterprise-growth is signed for [1, 3, 5] years, not 2"));
    }

    @Test
    void planChangeRequestsAreValidated() {
        BillingFixtures.Merchant m = BillingFixtures.merchant("developer");
        String path = "/admin/merchants/" + m.id() + "/subscription";
        problem(given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{\"plan\":\"gold\"}")
                .put(path).then(), 400, "invalid_request").body("detail", startsWith("unknown plan gold"));
        problem(given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{}").put(path).then(), 400,
                "invalid_request");
        problem(given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"plan\":\"business\",\"effective\":\"tomorrow\"}").put(path).then(), 400, "invalid_request")
                .body("detail", equalTo("effective must be rule, now or next-period, got tomorrow"));
        problem(given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{\"plan\":\"business\"}")
                .put("/admin/merchants/" + UUID.randomUUID() + "/subscription").then(), 404, "not_found");
        problem(given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"slug\":\"b-" + UUID.randomUUID().toString().substring(0, 8) + "\",\"name\":\"x\",\"plan\":\"gold\"}")
                .post("/admin/merchants").then(), 400, "invalid_request").body("detail", startsWith("unknown plan gold"));
    }

    @Test
    void aMerchantNeverReachesAnotherMerchantsBillingData() {
        BillingFixtures.Merchant a = BillingFixtures.merchant("professional");
        BillingFixtures.Merchant b = BillingFixtures.merchant("business");
        BillingFixtures.setUsage(pool, b.id(), 777_777, 0);
        // the merchant endpoints only ever answer for the key's own merchant
        given().header("Authorization", a.bearer()).get("/merchant/usage").then().statusCode(200)
                .body("merchant", equalTo(a.id().toString())).body("used", equalTo(0));
        String notices = given().header("Authorization", a.bearer()).get("/merchant/notices").then().statusCode(200)
                .extract().asString();
        assertFalse(notices.contains(b.id().toString()));
        // the operator paths are closed to merchant keys, whichever merchant they name
        problem(given().header("Authorization", a.bearer()).get("/admin/merchants/" + b.id() + "/usage").then(), 403,
                "forbidden");
        problem(given().header("Authorization", a.bearer()).get("/admin/merchants/" + b.id() + "/notices").then(), 403,
                "forbidden");
        problem(given().header("Authorization", a.bearer()).get("/admin/merchants/" + a.id() + "/usage").then(), 403,
                "forbidden");
        problem(given().header("Authorization", a.bearer()).contentType(ContentType.JSON).body("{\"plan\":\"enterprise\"}")
                .put("/admin/merchants/" + a.id() + "/subscription").then(), 403, "forbidden");
        problem(given().header("Authorization", a.bearer()).post("/admin/notices/" + UUID.randomUUID() + "/redeliver")
                .then(), 403, "forbidden");
        problem(given().header("Authorization", a.bearer()).get("/admin/plans").then(), 403, "forbidden");
        // the operator sees each
        given().header("Authorization", ADMIN).get("/admin/merchants/" + b.id() + "/usage").then().statusCode(200)
                .body("used", equalTo(777_777));
        // and nobody without a key
        problem(given().get("/merchant/plan").then(), 401, "unauthorized");
        problem(given().get("/admin/merchants/" + b.id() + "/notices").then(), 401, "unauthorized");
        // an operator key is not a merchant
        problem(given().header("Authorization", ADMIN).get("/merchant/usage").then(), 403, "forbidden");
    }

    @Test
    void aWebhookGetsASecretOnceAndKeepsItWhenTheUrlChanges() {
        BillingFixtures.Merchant m = BillingFixtures.merchant("developer");
        problem(given().header("Authorization", m.bearer()).get("/merchant/webhook").then(), 404, "not_found");
        String secret = given().header("Authorization", m.bearer()).contentType(ContentType.JSON)
                .body("{\"url\":\"https://hooks.example.com/sippar\"}").put("/merchant/webhook").then().statusCode(201)
                .body("url", equalTo("https://hooks.example.com/sippar")).body("secret", startsWith("whsec_"))
                .extract().path("secret");
        String prefix = secret.substring(0, 10);
        String shown = given().header("Authorization", m.bearer()).get("/merchant/webhook").then().statusCode(200)
                .body("secretPrefix", equalTo(prefix)).body("secret", nullValue()).extract().asString();
        assertFalse(shown.contains(secret));
        given().header("Authorization", m.bearer()).contentType(ContentType.JSON)
                .body("{\"url\":\"https://hooks.example.com/v2\"}").put("/merchant/webhook").then().statusCode(200)
                .body("url", equalTo("https://hooks.example.com/v2")).body("secret", nullValue())
                .body("secretPrefix", equalTo(prefix));
        String rotated = given().header("Authorization", m.bearer()).post("/merchant/webhook/rotate-secret").then()
                .statusCode(200).body("secret", startsWith("whsec_")).extract().path("secret");
        assertNotEquals(secret, rotated);
        // the stored secret is ciphertext (AES-GCM adds a 16-byte tag), not the secret in clear
        byte[] stored = pool.preparedQuery("SELECT secret_ciphertext FROM merchant_webhook WHERE merchant_id = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(m.id())).await().atMost(BillingFixtures.DB).iterator()
                .next().getBuffer("secret_ciphertext").getBytes();
        assertEquals(rotated.length() + 16, stored.length);
        assertFalse(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1).contains(rotated.substring(6)));
        given().header("Authorization", m.bearer()).delete("/merchant/webhook").then().statusCode(204);
        problem(given().header("Authorization", m.bearer()).post("/merchant/webhook/rotate-secret").then(), 404,
                "not_found");
    }

    @Test
    void webhookUrlsMustBePublicHttpsEndpoints() {
        BillingFixtures.Merchant m = BillingFixtures.merchant("developer");
        String[][] cases = {
            {"http://hooks.example.com/x", "url must use https"},
            {"ftp://hooks.example.com/x", "url must be an absolute https:// URL"},
            {"/relative", "url must be an absolute https:// URL"},
            {"https://user:pw@hooks.example.com/x", "url must not carry credentials"},
            {"https://hooks.example.com/x#frag", "url must not have a #fragment"},
            {"https://10.0.0.7/x", "url must not point at a private network address"},
            {"https://169.254.169.254/latest/meta-data", "url must not point at a link-local address"},
            {"https://[fd00::1]/x", "url must not point at a private network address"},
            {"https://0.0.0.0/x", "url must not point at an unroutable address"},
            {"", "url is required"},
        };
        for (String[] c : cases) {
            problem(given().header("Authorization", m.bearer()).contentType(ContentType.JSON)
                    .body("{\"url\":\"" + c[0] + "\"}").put("/merchant/webhook").then(), 400, "invalid_request")
                    .body("detail", startsWith(c[1]));
        }
        problem(given().header("Authorization", m.bearer()).contentType(ContentType.JSON).body("{\"url\":\""
                + "https://h.example.com/" + "a".repeat(2100) + "\"}").put("/merchant/webhook").then(), 400,
                "invalid_request").body("detail", equalTo("url must be at most 2048 characters"));
    }

    @Test
    void openApiDocumentsTheBillingEndpoints() {
        ValidatableResponse api = given().get("/q/openapi?format=json").then().statusCode(200);
        for (String path : new String[] {"/merchant/plan", "/merchant/usage", "/merchant/webhook",
                "/merchant/webhook/rotate-secret", "/merchant/notices", "/admin/plans",
                "/admin/merchants/{merchantId}/subscription", "/admin/merchants/{merchantId}/usage",
                "/admin/merchants/{merchantId}/notices", "/admin/notices/{noticeId}/redeliver"}) {
            api.body("paths.'" + path + "'", notNullValue());
        }
        api.body("paths.'/merchant/webhook'.put.summary", notNullValue())
                .body("paths.'/admin/merchants/{merchantId}/subscription'.put.security", notNullValue())
                .body("paths.'/admin/notices/{noticeId}/redeliver'.post.responses.'202'", notNullValue());
        // the merchant endpoints that were there before still answer
        given().header("Authorization", ADMIN).get("/admin/merchants").then().statusCode(200)
                .body("slug", hasItem("acme"));
    }
}
