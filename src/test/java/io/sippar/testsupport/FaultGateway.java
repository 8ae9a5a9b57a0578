package io.sippar.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged gateway ({@code target/quarkus-app/quarkus-run.jar}) as a separate process on a free
 * loopback port, for tests that kill it (SIGKILL), restart it, or run two of them on one database.
 * Its output goes to a log file, shown when a test fails.
 */
public final class FaultGateway implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final Path log;
    private final String name;

    private FaultGateway(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts the jar with {@code env} and {@code properties} (as -D options) and waits until
     * {@code readyPath} answers (any status), at most 120 s.
     */
    public static FaultGateway start(String name, Map<String, String> env, Map<String, String> properties,
            String readyPath) {
        String jar = System.getProperty("sippar.app.jar", "target/quarkus-app/quarkus-run.jar");
        try {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Path log = Files.createTempFile("sippar-" + name, ".log");
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.add("-Xmx256m");
            properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.add("-jar");
            command.add(jar);
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().remove("DB_URL");
            pb.environment().remove("SIPPAR_DEMO");
            pb.environment().put("HTTP_PORT", Integer.toString(port));
            pb.environment().putAll(env);
            FaultGateway g = new FaultGateway(name, pb.start(), port, log);
            g.awaitAnswer(readyPath, Duration.ofSeconds(120));
            return g;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Properties and environment a test builds on. */
    public static Map<String, String> map(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private void awaitAnswer(String path, Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException notYet) {
                FaultStack.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        String output = log();
        kill();
        throw new IllegalStateException(name + " did not answer " + path + " within " + timeout.toSeconds()
                + " s; log:\n" + output);
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    /** The name the gateway was started under. */
    public String name() {
        return name;
    }

    /** GET {@code path} (10 s deadline), or null when nothing answers. */
    public HttpResponse<String> get(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Polls {@code /q/health/ready} until it answers {@code expected} (200 or 503); its body. */
    public String awaitReadiness(int expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = get("/q/health/ready");
            if (last != null && last.statusCode() == expected) {
                return last.body();
            }
            FaultStack.sleep(250);
        }
        throw new AssertionError(name + " readiness never answered " + expected + " within " + timeout + "; last: "
                + (last == null ? "no answer" : last.statusCode() + " " + last.body()));
    }

    /**
     * Polls {@code /q/health/ready} until its {@code settlement-keys} check is UP (whatever the other
     * checks say: a fault test may have a node or the database down on purpose).
     */
    public void awaitSettlementKey(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get("/q/health/ready");
            if (r != null) {
                last = r.body();
                try {
                    for (JsonNode check : JSON.readTree(last).path("checks")) {
                        if (check.path("name").asText().equals("settlement-keys")
                                && check.path("status").asText().equals("UP")) {
                            return;
                        }
                    }
                } catch (IOException notJsonYet) {
                    // starting up: try again
                }
            }
            FaultStack.sleep(250);
        }
        throw new AssertionError(name + " holds no settlement key after " + timeout + ": " + last);
    }

    /**
     * SIGTERM and the graceful shutdown, waiting up to {@code timeout} (SIGKILL after it); true when
     * Quarkus reported its orderly stop (the JVM's exit status after SIGTERM is 143).
     */
    public boolean stopGracefully(Duration timeout) {
        process.destroy();
        if (!waitFor(timeout)) {
            kill();
            return false;
        }
        int exit = process.exitValue();
        return (exit == 0 || exit == 143) && log().contains("sippar-gateway stopped in");
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook, no graceful drain, exactly as a crashed or OOM-killed pod. */
    public void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(30));
    }

    /** SIGTERM and the graceful shutdown. */
    public void stop() {
        process.destroy();
        if (!waitFor(Duration.ofSeconds(40))) {
            kill();
        }
    }

    private boolean waitFor(Duration d) {
        try {
            return process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** The process output so far. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
    }

    @Override
    public String toString() {
        return name + "[pid " + process.pid() + ", port " + port + "]";
    }
}
