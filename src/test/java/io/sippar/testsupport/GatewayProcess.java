package io.sippar.testsupport;

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
 * One gateway process from the packaged jar ({@code target/quarkus-app/quarkus-run.jar}, what the
 * container runs), on a free loopback port, with its console log in a file. Stopped by PID:
 * {@link #stop()} sends SIGTERM (graceful shutdown), {@link #kill()} SIGKILL; a JVM shutdown hook
 * kills whatever a failed test left running.
 */
public final class GatewayProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final Path log;
    private final int port;

    private GatewayProcess(String name, Process process, Path log, int port) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.port = port;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> process.toHandle().destroyForcibly(),
                "gateway-" + name + "-kill"));
    }

    /** Starts {@code java [-Dkey=value...] -jar quarkus-run.jar} with {@code env} added; returns once it is up. */
    public static GatewayProcess start(String name, Map<String, String> env, Map<String, String> properties,
            Duration startupTimeout) {
        int port = freePort();
        String jar = System.getProperty("sippar.app.jar", "target/quarkus-app/quarkus-run.jar");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Xmx256m");
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar);
        try {
            Path log = Files.createTempFile("sippar-" + name + "-", ".log");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().remove("DB_URL");
            pb.environment().putAll(env);
            pb.environment().put("HTTP_HOST", "127.0.0.1");
            pb.environment().put("HTTP_PORT", Integer.toString(port));
            GatewayProcess g = new GatewayProcess(name, pb.start(), log, port);
            g.awaitUp(startupTimeout);
            return g;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start gateway " + name, e);
        }
    }

    /** Environment and properties every test pod shares: the database, JSON logs, no demo by default. */
    public static Map<String, String> databaseEnv(int postgresPort) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DB_URL", "postgresql://127.0.0.1:" + postgresPort + "/postgres");
        env.put("DB_USER", "postgres");
        env.put("DB_PASSWORD", "postgres");
        env.put("DB_POOL_SIZE", "8");
        return env;
    }

    private void awaitUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("gateway " + name + " exited with " + process.exitValue() + ":\n"
                        + log());
            }
            if (status("/q/health/started") == 200) {
                return;
            }
            sleep(250);
        }
        process.destroyForcibly();
        throw new IllegalStateException("gateway " + name + " not up within " + timeout + ":\n" + log());
    }

    /** Polls {@code /q/health/ready} until it answers {@code expected} (200 or 503), or fails after {@code timeout}. */
    public String awaitReadiness(int expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = get("/q/health/ready");
            if (last != null && last.statusCode() == expected) {
                return last.body();
            }
            sleep(250);
        }
        throw new AssertionError("gateway " + name + " readiness never answered " + expected + " within " + timeout
                + "; last: " + (last == null ? "no answer" : last.statusCode() + " " + last.body()));
    }

    /** GET {@code path}, or null when nothing answers. */
    public HttpResponse<String> get(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private int status(String path) {
        HttpResponse<String> r = get(path);
        return r == null ? -1 : r.statusCode();
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Everything the process printed so far. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * SIGTERM to the PID and waits for the graceful shutdown to finish (SIGKILL past {@code timeout});
     * true when Quarkus reported its orderly stop (the JVM's exit status after SIGTERM is 143).
     */
    public boolean stop(Duration timeout) {
        process.destroy();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("gateway " + name + " did not stop within " + timeout + " of SIGTERM");
            }
            return (process.exitValue() == 0 || process.exitValue() == 143) && log().contains("sippar-gateway stopped in");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL to the PID. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
