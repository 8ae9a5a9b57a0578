package io.sippar.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A long-running script of {@code src/test/js} (a merchant server): started, ready once it prints
 * {@code {"listening": PORT}}, stopped by PID with its whole process tree.
 */
public final class NodeServer implements AutoCloseable {

    private final Process process;
    private final int port;

    private NodeServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts {@code node src/test/js/<script> args} and waits until it listens. */
    public static NodeServer start(String script, Duration timeout, String... args) {
        NodeScript.ensureInstalled();
        List<String> command = new ArrayList<>(List.of("node", NodeScript.jsDir().resolve(script).toString()));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).directory(NodeScript.projectRoot().toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CompletableFuture<Integer> ready = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("{")) {
                        JsonNode json = new ObjectMapper().readTree(line);
                        if (json.has("listening")) {
                            return json.get("listening").asInt();
                        }
                        throw new IllegalStateException("server refused to start: " + line);
                    }
                }
                throw new IllegalStateException("server exited before listening");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            return new NodeServer(p, ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException | InterruptedException | java.util.concurrent.ExecutionException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException("node " + script + " did not start: " + e.getMessage(), e);
        }
    }

    /** The loopback port it listens on. */
    public int port() {
        return port;
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
