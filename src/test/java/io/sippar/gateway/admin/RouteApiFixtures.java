package io.sippar.gateway.admin;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Merchants, keys, route bodies and a loopback upstream for the route and fee API tests. */
final class RouteApiFixtures {

    static final String ADMIN = "Bearer sk_test_operator_0123456789abcdefghij";
    static final String ACME = "Bearer sk_test_acme_0123456789abcdefghijklmn";
    /** The devnet merchant account (#2) of chain-fixtures/evm. */
    static final String PAY_TO = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

    private RouteApiFixtures() {
    }

    /** A merchant created through the admin API, with a key of its own. */
    record Merchant(String id, String slug, String bearer) {
    }

    static String unique(String prefix) {
        return prefix + "-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    }

    static Merchant merchant(String plan) {
        String slug = unique("m");
        String id = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Test " + slug + "\",\"plan\":\"" + plan + "\"}")
                .post("/admin/merchants").then().statusCode(201).extract().path("id");
        String secret = given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{}")
                .post("/admin/merchants/" + id + "/api-keys").then().statusCode(201).extract().path("secret");
        return new Merchant(id, slug, "Bearer " + secret);
    }

    /** A route body accepting the devnet's USDC (eip155:31337), paid to the devnet merchant. */
    static ObjectNode route(String name, String path, String upstream, String price) {
        ObjectNode body = X402Json.MAPPER.createObjectNode();
        if (name != null) {
            body.put("name", name);
        }
        body.put("path", path);
        body.put("upstream", upstream);
        body.put("price", price);
        body.put("description", "test route " + name);
        ArrayNode accepts = body.putArray("accepts");
        accepts.addObject().put("network", "eip155:31337").put("payTo", PAY_TO);
        return body;
    }

    /** The first requirement the 402 of {@code path} offers. */
    static JsonNode offered(String path) {
        Response r = given().get(path);
        if (r.statusCode() != 402) {
            throw new AssertionError("expected 402 for " + path + ", got " + r.statusCode() + ": " + r.asString());
        }
        return HeaderCodec.decodeJson(r.getHeader("PAYMENT-REQUIRED")).at("/accepts/0");
    }

    /** Polls {@code probe} until {@code done} holds or {@code within} passes; returns the last value. */
    static <T> T eventually(Duration within, Supplier<T> probe, Predicate<T> done) {
        long deadline = System.nanoTime() + within.toNanos();
        T last = probe.get();
        while (!done.test(last) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            last = probe.get();
        }
        return last;
    }

    private static HttpServer upstream;

    /**
     * The URL of {@code path} on a loopback upstream shared by the tests of this JVM, which answers
     * every request with 200 and a JSON body naming the path and the payer.
     */
    static synchronized String upstreamUrl(String path) {
        if (upstream == null) {
            upstream = startUpstream();
            HttpServer started = upstream;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> started.stop(0), "test-upstream-stop"));
        }
        return "http://127.0.0.1:" + upstream.getAddress().getPort() + path;
    }

    private static HttpServer startUpstream() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                byte[] body = ("{\"upstream\":\"" + exchange.getRequestURI().getPath() + "\",\"payer\":\""
                        + exchange.getRequestHeaders().getFirst("X-Payment-Payer") + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String randomPath() {
        return "/" + unique("t") + "/" + UUID.randomUUID().toString().substring(0, 8);
    }
}
