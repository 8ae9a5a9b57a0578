package io.sippar.billing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import java.util.function.ToIntBiFunction;
import java.util.function.ToIntFunction;

/**
 * A merchant's webhook endpoint for the tests: a JDK HTTP server on 127.0.0.1 (a free port) whose
 * paths answer as told, recording every request it gets.
 */
final class WebhookReceiver implements AutoCloseable {

    /** One request as received. */
    record Received(String path, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.start();
    }

    /** Answers {@code path} with the status {@code statusByCall} gives for the n-th call (1-based). */
    WebhookReceiver answer(String path, IntUnaryOperator statusByCall) {
        return handle(path, (n, r) -> statusByCall.applyAsInt(n), 0);
    }

    /** Answers {@code path} with the status {@code statusOf} gives for the request. */
    WebhookReceiver answerBy(String path, ToIntFunction<Received> statusOf) {
        return handle(path, (n, r) -> statusOf.applyAsInt(r), 0);
    }

    /** Answers {@code path} 200 after {@code delayMillis}. */
    WebhookReceiver slow(String path, long delayMillis) {
        return handle(path, (n, r) -> 200, delayMillis);
    }

    private WebhookReceiver handle(String path, ToIntBiFunction<Integer, Received> statusOf, long delayMillis) {
        server.createContext(path, exchange -> {
            try (exchange) {
                Received r = new Received(path, Map.copyOf(exchange.getRequestHeaders()),
                        exchange.getRequestBody().readAllBytes());
                received.add(r);
                int status = statusOf.applyAsInt(calls.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet(), r);
                if (delayMillis > 0) {
                    sleep(delayMillis);
                }
                if (status >= 300 && status < 400) {
                    exchange.getResponseHeaders().add("Location", "/elsewhere");
                }
                exchange.sendResponseHeaders(status, -1);
            } catch (IOException e) {
                // the gateway hung up first (a timeout): nothing to answer
            }
        });
        return this;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** http://127.0.0.1:port + path. */
    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The requests {@code path} received, in order. */
    List<Received> received(String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
