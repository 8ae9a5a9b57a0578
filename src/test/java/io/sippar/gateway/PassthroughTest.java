package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Unpriced paths go to the passthrough upstream untouched; priced paths still need payment. */
@QuarkusTest
@TestProfile(PassthroughTest.WithPassthrough.class)
class PassthroughTest {

    static final HttpServer UPSTREAM = startUpstream();

    private static HttpServer startUpstream() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            server.createContext("/", exchange -> {
                String seen = exchange.getRequestURI() + " payment=" + exchange.getRequestHeaders().getFirst("X-PAYMENT");
                byte[] body = seen.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("X-Upstream", "yes");
                exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/missing") ? 404 : 200,
                        body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() {
        UPSTREAM.stop(0);
    }

    /** Points the passthrough at the test upstream. */
    public static class WithPassthrough implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sippar.gateway.passthrough-upstream",
                    "http://127.0.0.1:" + UPSTREAM.getAddress().getPort());
        }
    }

    @Test
    void unpricedPathIsProxiedWithItsQueryAndWithoutPaymentHeaders() {
        given().header("X-PAYMENT", "c2VjcmV0").get("/free/thing?x=1").then().statusCode(200)
                .header("X-Upstream", "yes").body(equalTo("/free/thing?x=1 payment=null"));
    }

    @Test
    void upstreamStatusIsPassedOn() {
        given().get("/missing").then().statusCode(404).header("X-Upstream", "yes");
    }

    @Test
    void pricedPathStillAsksForPayment() {
        given().get("/demo/weather").then().statusCode(402);
    }
}
