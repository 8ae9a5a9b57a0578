package io.sippar.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.evm.TestPayments;
import io.sippar.ops.EmbeddedDatabase;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two packaged gateways on one database, the way two pods run: routes and fee schedule versions
 * written through pod A's API take effect on pod B without a restart (a created route is served,
 * a new price is in the next 402, a deleted route 404s), and a payment settled by pod B after a new
 * version's effectiveFrom is charged by it, plan override included.
 */
class RouteApiAcrossGatewaysIT {

    private static final String ADMIN_KEY = "sk_it_operator_0123456789abcdefghijklmn";
    private static final Duration BOUND = Duration.ofSeconds(15);
    private static final Duration START = Duration.ofSeconds(180);

    private static EmbeddedDatabase db;
    private static AnvilFixture anvil;
    private static Gateway podA;
    private static Gateway podB;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One gateway process, its port and log. */
    private record Gateway(Process process, int port, Path log) {
        String url(String path) {
            return "http://127.0.0.1:" + port + path;
        }

        String logText() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "(log unreadable: " + e + ")";
            }
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @BeforeAll
    static void start() throws Exception {
        db = EmbeddedDatabase.start();
        anvil = AnvilFixture.builder().chainId(31337).start();
        // A manages, B serves and settles: only B holds the settlement key, so the two never share a nonce
        podA = launch("a", List.of());
        podB = launch("b", List.of("-Dsippar.evm.networks.devnet.settlement-key=" + anvil.settler().privateKey()));
        awaitReady(podA);
        awaitReady(podB);
    }

    @AfterAll
    static void stop() throws Exception {
        for (Gateway g : new Gateway[] {podA, podB}) {
            if (g != null) {
                g.stop();
            }
        }
        if (anvil != null) {
            anvil.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private static Gateway launch(String name, List<String> extra) throws IOException {
        String jar = System.getProperty("sippar.app.jar", "target/quarkus-app/quarkus-run.jar");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("sippar-pod-" + name, ".log");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m",
                "-Dsippar.evm.networks.devnet.chain-id=31337",
                "-Dsippar.evm.networks.devnet.rpc-urls=" + anvil.rpcUrl(),
                "-Dsippar.route-api.upstream-allowed-hosts=127.0.0.1",
                "-Dsippar.fees.min-lead-time=2s"));
        command.addAll(extra);
        command.addAll(List.of("-jar", jar));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("HTTP_PORT", Integer.toString(port));
        pb.environment().put("DB_URL", "postgresql://127.0.0.1:" + db.port() + "/postgres");
        pb.environment().put("DB_USER", "postgres");
        pb.environment().put("DB_PASSWORD", "postgres");
        pb.environment().put("SIPPAR_ADMIN_API_KEY", ADMIN_KEY);
        pb.environment().remove("SIPPAR_DEMO");
        Process process = pb.start();
        // stopped even if this JVM ends without running @AfterAll
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "it-pod-" + name + "-stop"));
        return new Gateway(process, port, log);
    }

    private static void awaitReady(Gateway g) throws InterruptedException {
        long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() < deadline && g.process().isAlive()) {
            try {
                if (get(g, "/supported", null).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(250);
        }
        throw new AssertionError("gateway did not start within " + START + "; log:\n" + g.logText());
    }

    private static HttpResponse<String> send(Gateway g, String method, String path, String bearer, String body,
            String paymentHeader) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(g.url(path))).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        if (paymentHeader != null) {
            b.header("PAYMENT-SIGNATURE", paymentHeader);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(Gateway g, String path, String bearer)
            throws IOException, InterruptedException {
        return send(g, "GET", path, bearer, null, null);
    }

    private static JsonNode json(HttpResponse<String> r, int status) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        return X402Json.MAPPER.readTree(r.body());
    }

    /** Polls {@code path} on {@code g} until {@code done}; returns the answer and asserts it came within the bound. */
    private static HttpResponse<String> until(Gateway g, String path, Predicate<HttpResponse<String>> done,
            String what) throws IOException, InterruptedException {
        long started = System.nanoTime();
        HttpResponse<String> last = get(g, path, null);
        while (!done.test(last) && System.nanoTime() - started < BOUND.toNanos()) {
            Thread.sleep(50);
            last = get(g, path, null);
        }
        assertTrue(done.test(last), what + " on the other pod within " + BOUND + "; last answer " + last.statusCode()
                + "\n--- pod B log ---\n" + podB.logText());
        System.out.printf("%s after %d ms%n", what, (System.nanoTime() - started) / 1_000_000);
        return last;
    }

    private static String amount(HttpResponse<String> r) {
        return r.headers().firstValue("PAYMENT-REQUIRED").map(h -> HeaderCodec.decodeJson(h).at("/accepts/0/amount")
                .asText()).orElse("");
    }

    private record Merchant(String id, String key) {
    }

    private static Merchant merchant(String plan) throws IOException, InterruptedException {
        String slug = RouteApiFixtures.unique("it");
        String id = json(send(podA, "POST", "/admin/merchants", ADMIN_KEY,
                "{\"slug\":\"" + slug + "\",\"name\":\"IT " + slug + "\",\"plan\":\"" + plan + "\"}", null), 201)
                .get("id").asText();
        String key = json(send(podA, "POST", "/admin/merchants/" + id + "/api-keys", ADMIN_KEY, "{}", null), 201)
                .get("secret").asText();
        return new Merchant(id, key);
    }

    /** Pays {@code path} on pod B and returns the recorded fee columns of the payment. */
    private static String[] payOnB(String path) throws Exception {
        HttpResponse<String> challenge = get(podB, path, null);
        JsonNode offer = HeaderCodec.decodeJson(challenge.headers().firstValue("PAYMENT-REQUIRED").orElseThrow())
                .at("/accepts/0");
        HttpResponse<String> paid = send(podB, "GET", path, null, null,
                TestPayments.v2Header(offer, anvil.payer().privateKey()));
        assertEquals(200, paid.statusCode(), paid.body() + "\n--- pod B log ---\n" + podB.logText());
        String tx = HeaderCodec.decodeJson(paid.headers().firstValue("PAYMENT-RESPONSE").orElseThrow())
                .get("transaction").asText();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + db.port() + "/postgres",
                "postgres", "postgres");
                PreparedStatement s = c.prepareStatement(
                        "SELECT fee_atomic, fee_schedule_version, fee_rule FROM payment WHERE tx_hash = ? AND state = 'settled'")) {
            s.setString(1, tx);
            try (ResultSet rs = s.executeQuery()) {
                assertTrue(rs.next(), "payment " + tx + " is recorded settled");
                return new String[] {rs.getBigDecimal(1).toPlainString(), rs.getString(2), rs.getString(3)};
            }
        }
    }

    private static Instant databaseNow() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + db.port() + "/postgres",
                "postgres", "postgres"); ResultSet rs = c.createStatement().executeQuery("SELECT now()")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    @Test
    void routesWrittenOnOnePodAreServedRepricedAndDeletedOnTheOther() throws Exception {
        Merchant m = merchant("developer");
        String name = RouteApiFixtures.unique("r");
        String path = RouteApiFixtures.randomPath();
        assertEquals(404, get(podB, path, null).statusCode());
        String body = RouteApiFixtures.route(name, path, RouteApiFixtures.upstreamUrl("/it"), "$0.002")
                .toString();
        json(send(podA, "POST", "/merchant/routes", m.key(), body, null), 201);
        HttpResponse<String> served = until(podB, path, r -> r.statusCode() == 402, "created route served (402)");
        assertEquals("2000", amount(served));

        ObjectNode dearer = RouteApiFixtures.route(null, path, RouteApiFixtures.upstreamUrl("/it"), "$0.004");
        json(send(podA, "PUT", "/merchant/routes/" + name, m.key(), dearer.toString(), null), 200);
        until(podB, path, r -> "4000".equals(amount(r)), "new price in the next 402");

        assertEquals(204, send(podA, "DELETE", "/merchant/routes/" + name, m.key(), null, null).statusCode());
        until(podB, path, r -> r.statusCode() == 404, "deleted route answers 404");
    }

    @Test
    void aFeeScheduleVersionAddedOnOnePodChargesPaymentsSettledOnTheOtherFromItsEffectiveFrom() throws Exception {
        Merchant enterprise = merchant("enterprise");
        Merchant developer = merchant("developer");
        String pathE = RouteApiFixtures.randomPath();
        String pathD = RouteApiFixtures.randomPath();
        json(send(podA, "POST", "/merchant/routes", enterprise.key(), RouteApiFixtures.route("e", pathE,
                RouteApiFixtures.upstreamUrl("/e"), "$0.004").toString(), null), 201);
        json(send(podA, "POST", "/merchant/routes", developer.key(), RouteApiFixtures.route("d", pathD,
                RouteApiFixtures.upstreamUrl("/d"), "$0.004").toString(), null), 201);
        until(podB, pathE, r -> r.statusCode() == 402, "enterprise route served");
        until(podB, pathD, r -> r.statusCode() == 402, "developer route served");

        // before: the seed's micro fee, capped at 5% of $0.004 = 200 units
        String[] before = payOnB(pathE);
        assertEquals("200", before[0]);
        assertEquals("2025-01-seed", before[1]);

        ObjectNode doc = (ObjectNode) json(get(podA, "/admin/fee-schedules/2025-01-seed", ADMIN_KEY), 200)
                .get("schedule");
        Instant from = databaseNow().plusSeconds(5);
        ObjectNode version = (ObjectNode) doc.withArray("versions").get(0);
        version.put("version", "it-2").put("effectiveFrom", from.toString());
        version.putObject("planOverrides").putObject("enterprise").putObject("bandFees").putObject("micro")
                .put("flatUsd", "0.0001");
        json(send(podA, "POST", "/admin/fee-schedules", ADMIN_KEY, doc.toString(), null), 201);
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!podB.logText().contains("it-2 from") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(podB.logText().contains("it-2 from"), "pod B loads the new version without a restart:\n"
                + podB.logText());

        while (databaseNow().isBefore(from.plusMillis(200))) {
            Thread.sleep(100);
        }
        String[] afterE = payOnB(pathE);
        assertEquals("100", afterE[0], String.join(" | ", afterE));
        assertEquals("it-2", afterE[1]);
        assertEquals("micro: flat 0.0001 USD (plan enterprise)", afterE[2]);
        String[] afterD = payOnB(pathD);
        assertEquals("200", afterD[0], String.join(" | ", afterD));
        assertEquals("it-2", afterD[1]);
        assertEquals("micro: flat 0.01 USD; capped at 5% of payment", afterD[2]);
    }
}
