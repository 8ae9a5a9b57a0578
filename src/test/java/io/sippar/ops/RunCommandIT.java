package io.sippar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The packaged gateway as the run command starts it: no database configured, so it must start
 * its embedded PostgreSQL and the demo merchant, and {@code GET /demo/weather} must answer 402.
 */
class RunCommandIT {

    @Test
    void packagedJarWithoutDatabaseServesTheDemo402() throws Exception {
        String jar = System.getProperty("sippar.app.jar", "target/quarkus-app/quarkus-run.jar");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("sippar-run", ".log");
        ProcessBuilder pb = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-jar", jar)).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("HTTP_PORT", Integer.toString(port));
        pb.environment().remove("DB_URL");
        pb.environment().remove("SIPPAR_DEMO");
        Process app = pb.start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/demo/weather"))
                    .timeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> answer = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (answer == null && System.nanoTime() < deadline && app.isAlive()) {
                try {
                    answer = http.send(req, HttpResponse.BodyHandlers.ofString());
                } catch (IOException notYet) {
                    Thread.sleep(500);
                }
            }
            assertNotNull(answer, "gateway did not answer; log:\n" + Files.readString(log));
            assertEquals(402, answer.statusCode(), answer.body());
            assertTrue(answer.headers().firstValue("PAYMENT-REQUIRED").isPresent());
            assertTrue(Files.readString(log).contains("started an embedded PostgreSQL"), Files.readString(log));
        } finally {
            app.destroy();
            if (!app.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                app.destroyForcibly();
            }
        }
    }
}
