package io.sippar.ops;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Health, metrics and the OpenAPI document are served and never shadowed by merchant routes. */
@QuarkusTest
class OperationsEndpointsTest {

    @Test
    void readinessReportsTheDatabaseTheChainsAndTheSettlementKeys() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.find { it.name == 'database' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'chains' }.data.'eip155:31337'", equalTo("UP: 1 of 1 nodes answer"))
                .body("checks.find { it.name == 'chains' }.data.'eip155:84532'", equalTo("UP: 1 of 1 nodes answer"))
                .body("checks.find { it.name == 'settlement-keys' }.data.'eip155:31337'",
                        containsString("UP: 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720 (epoch "));
    }

    @Test
    void livenessHasNoDependencies() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.size()", equalTo(0));
    }

    @Test
    void prometheusMetricsAreExposed() {
        given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }

    @Test
    void openApiDocumentsTheFacilitatorApi() {
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body(containsString("/verify")).body(containsString("/settle")).body(containsString("/supported"));
    }
}
