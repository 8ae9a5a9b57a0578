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
 * A chain node as the gateway sees it, in front of a real one (an EVM JSON-RPC node or an algod), that
 * a test can break: stopped (nothing listens on its port: connection refused), slowed (answers after a
 * delay), and back again on the same port. Every request is relayed as it came (method, path and
 * query, headers, body), so several proxies in front of one node are several URLs of one chain. It
 * can also run an action right after it relayed a broadcast ({@code eth_sendRawTransaction}, or
 * algod's {@code POST /v2/transactions}), to stop the nodes inside the receipt or confirmation wait.
 */
public final class FaultProxy implements AutoCloseable {

    /** Headers the JDK client sets itself and refuses to be given. */
    private static final java.util.Set<String> RESTRICTED = java.util.Set.of("connection", "content-length", "expect",
            "host", "upgrade", "keep-alive", "transfer-encoding");

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

    /** Requests relayed since the last {@link #heal()}. */
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
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target.replaceAll("/+$", "") + path
                    + (query == null ? "" : "?" + query)))
                    .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!RESTRICTED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                    values.forEach(v -> forward.header(name, v));
                }
            });
            HttpResponse<byte[]> r = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            relayed.incrementAndGet();
            r.headers().firstValue("Content-Type").ifPresent(t -> exchange.getResponseHeaders().add("Content-Type", t));
            exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
            if (r.body().length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(r.body());
                }
            }
            boolean broadcast = "POST".equals(method) && ("/v2/transactions".equals(path)
                    || new String(body, StandardCharsets.UTF_8).contains("eth_sendRawTransaction"));
            if (broadcast) {
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
