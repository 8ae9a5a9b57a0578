package io.sippar.merchant;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Who reaches the admin and merchant APIs: keys, roles, and no path from one merchant to another's data. */
@QuarkusTest
class ApiAccessTest {

    static final String ADMIN = "Bearer sk_test_operator_0123456789abcdefghij";
    static final String ACME = "Bearer sk_test_acme_0123456789abcdefghijklmn";

    private static ValidatableResponse problem(ValidatableResponse r, int status, String reason) {
        return r.statusCode(status).contentType("application/problem+json").body("reason", equalTo(reason))
                .body("status", equalTo(status));
    }

    @Test
    void adminApiWithoutAKeyIs401WithABearerChallenge() {
        problem(given().get("/admin/merchants").then(), 401, "unauthorized").header("WWW-Authenticate", "Bearer");
    }

    @Test
    void merchantApiWithoutAKeyIs401() {
        problem(given().get("/merchant/me").then(), 401, "unauthorized");
    }

    @Test
    void malformedOrUnknownKeysAre401() {
        problem(given().header("Authorization", "Bearer not-a-key").get("/merchant/me").then(), 401, "unauthorized");
        problem(given().header("Authorization", "Basic dXNlcjpwYXNz").get("/admin/merchants").then(), 401,
                "unauthorized");
        problem(given().header("Authorization", "Bearer sk_test_nobody_0123456789abcdefghijk").get("/merchant/me")
                .then(), 401, "unauthorized");
    }

    @Test
    void merchantKeyOnTheAdminApiIs403() {
        problem(given().header("Authorization", ACME).get("/admin/merchants").then(), 403, "forbidden");
    }

    @Test
    void operatorKeyIsNotAMerchant() {
        problem(given().header("Authorization", ADMIN).get("/merchant/me").then(), 403, "forbidden");
    }

    @Test
    void merchantSeesItsOwnProfile() {
        given().header("Authorization", ACME).get("/merchant/me").then().statusCode(200)
                .body("slug", equalTo("acme")).body("name", equalTo("Acme Weather"));
    }

    @Test
    void operatorCreatesAMerchantIssuesAKeyAndTheKeyReachesOnlyThatMerchant() {
        String slug = "m-" + UUID.randomUUID().toString().substring(0, 8);
        String id = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Globex\",\"plan\":\"professional\"}")
                .post("/admin/merchants").then().statusCode(201).body("slug", equalTo(slug))
                .extract().path("id");
        String secret = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"label\":\"ci\"}").post("/admin/merchants/" + id + "/api-keys").then().statusCode(201)
                .body("secret", startsWith("sk_")).extract().path("secret");
        String bearer = "Bearer " + secret;

        given().header("Authorization", bearer).get("/merchant/me").then().statusCode(200)
                .body("id", equalTo(id)).body("slug", equalTo(slug)).body("plan", equalTo("professional"));
        // the listing shows prefixes, never secrets
        String listing = given().header("Authorization", ADMIN).get("/admin/merchants/" + id + "/api-keys").then()
                .statusCode(200).body("prefix", hasItem(secret.substring(0, 11))).extract().asString();
        assertFalse(listing.contains(secret), "a key listing must not contain the secret");
        // the new merchant's key is not acme's and does not reach the operator API
        given().header("Authorization", bearer).get("/merchant/api-keys").then().statusCode(200)
                .body("prefix", not(hasItem("sk_test_acm")));
        problem(given().header("Authorization", bearer).get("/admin/merchants/" + id).then(), 403, "forbidden");
    }

    @Test
    void aMerchantCannotRevokeAnotherMerchantsKey() {
        String slug = "m-" + UUID.randomUUID().toString().substring(0, 8);
        String id = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Initech\"}").post("/admin/merchants").then()
                .statusCode(201).extract().path("id");
        String keyId = given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{}")
                .post("/admin/merchants/" + id + "/api-keys").then().statusCode(201).extract().path("id");
        problem(given().header("Authorization", ACME).delete("/merchant/api-keys/" + keyId).then(), 404, "not_found");
    }

    @Test
    void aRevokedKeyIsRefusedAtOnce() {
        String secret = given().header("Authorization", ACME).contentType(ContentType.JSON).body("{\"label\":\"rotate\"}")
                .post("/merchant/api-keys").then().statusCode(201).extract().path("secret");
        String keyId = given().header("Authorization", "Bearer " + secret).get("/merchant/api-keys").then()
                .statusCode(200).extract().path("find { it.label == 'rotate' }.id");
        given().header("Authorization", "Bearer " + secret).delete("/merchant/api-keys/" + keyId).then().statusCode(204);
        problem(given().header("Authorization", "Bearer " + secret).get("/merchant/me").then(), 401, "unauthorized");
    }

    @Test
    void invalidMerchantRequestsAre400And409() {
        problem(given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"slug\":\"Bad Slug\",\"name\":\"x\"}").post("/admin/merchants").then(), 400, "invalid_request");
        problem(given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{not json")
                .post("/admin/merchants").then(), 400, "invalid_request");
        problem(given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"slug\":\"acme\",\"name\":\"Again\"}").post("/admin/merchants").then(), 409, "conflict");
        problem(given().header("Authorization", ADMIN).get("/admin/merchants/" + UUID.randomUUID()).then(), 404,
                "not_found");
    }

    @Test
    void openApiDocumentsTheSecuredEndpoints() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.'/admin/merchants'.get", notNullValue())
                .body("paths.'/merchant/me'.get.security", notNullValue())
                .body("components.securitySchemes.apiKey.scheme", equalTo("bearer"));
    }
}
