package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.sippar.evm.TestPayments;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Forward auth when we can't decide (every chain node down, the gateway itself unreachable) and
 * with unpriced paths denied: the proxy's client gets 503 with Retry-After or 403, never a 500,
 * directly and through a real nginx running the documented recipe.
 */
@QuarkusTest
@TestProfile(ForwardAuthChainDownTest.DownAndDeny.class)
class ForwardAuthChainDownTest {

    private static final String PAYER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    /** ChainDownTest's dead chain for /paid/down, and forward auth refusing unpriced paths. */
    public static class DownAndDeny extends ChainDownTest.NodeDown {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> p = new HashMap<>(super.getConfigOverrides());
            p.put("sippar.forward-auth.unpriced", "deny");
            p.put("sippar.pricing.routes.fwd-down.merchant", "acme");
            p.put("sippar.pricing.routes.fwd-down.path", "/fwd/down");
            p.put("sippar.pricing.routes.fwd-down.price", "$0.001");
            p.put("sippar.pricing.routes.fwd-down.accepts[0].network", "eip155:1337");
            p.put("sippar.pricing.routes.fwd-down.accepts[0].pay-to", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
            return p;
        }
    }

    @TestHTTPResource("/")
    URL gateway;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static String payment() {
        JsonNode offered = HeaderCodec.decodeJson(given().header("X-Forwarded-Method", "GET")
                .header("X-Forwarded-Uri", "/fwd/down").get("/auth/forward").getHeader("PAYMENT-REQUIRED"))
                .at("/accepts/0");
        return TestPayments.v2Header(offered, PAYER_KEY);
    }

    private HttpResponse<String> get(ForwardAuthNginx nginx, String path, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(nginx.url(path))).timeout(Duration.ofSeconds(60));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void paidRequestWithEveryChainNodeDownIs503WithRetryAfterAndReleased() {
        String header = payment();
        for (int attempt = 0; attempt < 2; attempt++) {
            // the reservation is released, so the retry is not "in progress" or "already used"
            given().header("X-Forwarded-Method", "GET").header("X-Forwarded-Uri", "/fwd/down")
                    .header("PAYMENT-SIGNATURE", header).get("/auth/forward").then().statusCode(503)
                    .header("Retry-After", equalTo("5")).contentType("application/problem+json")
                    .body("reason", equalTo("facilitator_unavailable"));
        }
        Response nginxMode = given().header("X-Original-Method", "GET").header("X-Original-URI", "/fwd/down")
                .header("PAYMENT-SIGNATURE", header).get("/auth/forward/nginx");
        assertEquals(403, nginxMode.statusCode());
        assertEquals("503", nginxMode.getHeader("X-Sippar-Status"));
        assertEquals("5", nginxMode.getHeader("Retry-After"));
    }

    @Test
    void unpricedPathIsDeniedWith403WhenConfigured() {
        given().header("X-Forwarded-Method", "GET").header("X-Forwarded-Uri", "/free").get("/auth/forward").then()
                .statusCode(403).contentType("application/problem+json").body("reason", equalTo("route_not_found"));
        given().header("Host", "api.example").get("/auth/forward/envoy/free").then().statusCode(403);
    }

    @Test
    void throughNginxAChainOutageIs503AndAnUnpricedPathIs403() throws Exception {
        try (ForwardAuthNginx.Upstream upstream = new ForwardAuthNginx.Upstream();
                ForwardAuthNginx nginx = ForwardAuthNginx.start(gateway.getPort(), upstream.port())) {
            HttpResponse<String> down = get(nginx, "/fwd/down", Map.of("PAYMENT-SIGNATURE", payment()));
            assertEquals(503, down.statusCode(), down.body() + "\n" + nginx.errorLog());
            assertEquals("5", down.headers().firstValue("Retry-After").orElse(""));
            assertEquals("application/problem+json", down.headers().firstValue("Content-Type").orElse(""));
            assertEquals("facilitator_unavailable", X402Json.MAPPER.readTree(down.body()).get("reason").asText());

            HttpResponse<String> free = get(nginx, "/fwd/free", Map.of());
            assertEquals(403, free.statusCode(), free.body());
            assertEquals("route_not_found", X402Json.MAPPER.readTree(free.body()).get("reason").asText());
            assertEquals(0, upstream.seen().size(), "nothing reached the merchant's API");
        }
    }

    @Test
    void throughNginxAnUnreachableGatewayIs503NotA500() throws Exception {
        try (ForwardAuthNginx.Upstream upstream = new ForwardAuthNginx.Upstream();
                ForwardAuthNginx nginx = ForwardAuthNginx.start(ForwardAuthNginx.freePort(), upstream.port())) {
            HttpResponse<String> r = get(nginx, "/fwd/anything", Map.of());
            assertEquals(503, r.statusCode(), r.body() + "\n" + nginx.errorLog());
            assertEquals("5", r.headers().firstValue("Retry-After").orElse(""));
            assertEquals("facilitator_unavailable", X402Json.MAPPER.readTree(r.body()).get("reason").asText());
            assertEquals(0, upstream.seen().size());
        }
    }
}
