package io.sippar.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A JSON-RPC node as the gateway sees it, in front of a real one, that a test can break: stopped
 * (nothing listens on its port: connection refused), slowed (answers after a delay), and back again on
 * the same port. It can also run an action right after it relayed a broadcast
 * ({@code eth_sendRawTransaction}), to stop the nodes inside the receipt wait.
 */
public final class FaultProxy implements AutoCloseable {

    private final String target;
    private final int port;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<Duration> delay = new AtomicReference<>(Duration.ZERO);
    private final AtomicReference<Runnable> afterBroadcast = new AtomicReference<>();
    private final AtomicInteger relayed = new AtomicInteger();
    private HttpServer server;

    /** Starts relaying to {@code target} on a free loopback port. */
    public FaultProxy(String target) {
        this.target = target;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start();
    }

    /** The URL the gateway is configured with. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** JSON-RPC requests relayed since the last {@link #heal()}. */
    public int relayed() {
        return relayed.get();
    }

    /** Listens again (on the same port) and relays without delay. */
    public synchronized void heal() {
        delay.set(Duration.ZERO);
        relayed.set(0);
        start();
    }

    /** Whether the port is being listened on (not {@link #stop() stopped}). */
    public synchronized boolean listening() {
        return server != null;
    }

    /** Answers every request only after {@code d}. */
    public void slow(Duration d) {
        delay.set(d);
    }

    /** Stops listening: connections to the port are refused, open ones are closed. */
    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    /** Runs {@code action} once, on its own thread, right after the next broadcast was relayed and answered. */
    public void afterNextBroadcast(Runnable action) {
        afterBroadcast.set(action);
    }

    private synchronized void start() {
        if (server != null) {
            return;
        }
        IOException last = null;
        // the port was just released by stop(); the kernel may need a moment before it binds again
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
                server.setExecutor(executor);
                server.createContext("/", this::relay);
                server.start();
                return;
            } catch (IOException e) {
                last = e;
                sleep(Duration.ofMillis(100));
            }
        }
        throw new UncheckedIOException("cannot listen on " + port + " again", last);
    }

    private void relay(HttpExchange exchange) {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            sleep(delay.get());
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(target))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
            relayed.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(r.statusCode(), r.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(r.body());
            }
            if (new String(body, StandardCharsets.UTF_8).contains("eth_sendRawTransaction")) {
                Runnable action = afterBroadcast.getAndSet(null);
                if (action != null) {
                    executor.execute(action);
                }
            }
        } catch (IOException e) {
            // the caller gave up (timeout) or the proxy was stopped mid-request: what a dead node looks like
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
        executor.shutdownNow();
    }
}
