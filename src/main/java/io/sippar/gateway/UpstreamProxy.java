package io.sippar.gateway;

import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Forwards a request to a merchant's upstream and buffers the whole answer, so that nothing reaches
 * the client before the payment is settled. Every call has a deadline; a slow, failing or vanished
 * upstream becomes an {@link UpstreamException}, never a hang.
 */
@ApplicationScoped
public class UpstreamProxy {

    /** Hop-by-hop headers (RFC 9110 section 7.6.1) and payment headers never travel upstream. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length", "payment-signature",
            "x-payment", "proxy-authorization", "x-sippar-internal");
    private static final Set<String> NOT_RETURNED = Set.of("connection", "keep-alive", "transfer-encoding",
            "trailer", "upgrade", "content-length", "payment-response", "x-payment-response", "payment-required");

    private final HttpClient client;
    private final GatewayConfig config;
    private final InternalUpstreamToken internal;

    public UpstreamProxy(Vertx vertx, GatewayConfig config, InternalUpstreamToken internal) {
        this.config = config;
        this.internal = internal;
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.upstreamTimeout().toMillis()))
                .setMaxPoolSize(256)
                .setKeepAlive(true));
    }

    @PreDestroy
    void close() {
        client.close();
    }

    /** A buffered upstream answer. */
    public record UpstreamResponse(int status, MultiMap headers, Buffer body) {
        /** 2xx and 3xx answers are served and paid for; 4xx and 5xx are not charged. */
        public boolean chargeable() {
            return status >= 200 && status < 400;
        }
    }

    /** Upstream unreachable, too slow, or its answer too large. */
    public static class UpstreamException extends RuntimeException {
        public UpstreamException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Forwards a paid request to its route's upstream. An absolute upstream URL is called as is
     * (for a {@code /**} route with the part of the path below the prefix appended); an upstream
     * that is a path is served by this gateway itself, reached on loopback with the internal token.
     */
    public Uni<UpstreamResponse> forward(io.sippar.pricing.PricedRoute route, HttpServerRequest incoming, Buffer body,
            MultiMap paymentHeaders) {
        String upstream = route.definition().upstream();
        if (upstream == null) {
            return Uni.createFrom().failure(new UpstreamException("route " + route.definition().name()
                    + " has no upstream", null));
        }
        String query = incoming.query() == null ? "" : "?" + incoming.query();
        String tail = route.pattern().anyDepthTail(incoming.path());
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(paymentHeaders);
        String target;
        if (upstream.startsWith("/")) {
            int port = incoming.localAddress() == null ? 8080 : incoming.localAddress().port();
            target = "http://127.0.0.1:" + port + upstream + tail + query;
            headers.add(InternalUpstreamToken.HEADER, internal.value());
        } else {
            target = stripSlash(upstream) + tail + query;
        }
        return forward(incoming, body, URI.create(target), headers);
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /**
     * Forwards to {@code target} (absolute URL with query) with the client's headers plus
     * {@code extraHeaders}.
     */
    public Uni<UpstreamResponse> forward(HttpServerRequest incoming, Buffer body, URI target, MultiMap extraHeaders) {
        long timeoutMs = config.upstreamTimeout().toMillis();
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.valueOf(incoming.method().name()))
                .setAbsoluteURI(target.toString())
                .setTimeout(timeoutMs);
        incoming.headers().forEach(h -> {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            // X-Payment-* describe the verified payment to the upstream: only the gateway sets them
            if (!NOT_FORWARDED.contains(name) && !name.startsWith("x-payment-")) {
                options.addHeader(h.getKey(), h.getValue());
            }
        });
        if (incoming.remoteAddress() != null) {
            String prior = incoming.getHeader("X-Forwarded-For");
            String ip = incoming.remoteAddress().host();
            options.putHeader("X-Forwarded-For", prior == null ? ip : prior + ", " + ip);
        }
        String host = incoming.getHeader("Host");
        if (host != null) {
            options.putHeader("X-Forwarded-Host", host);
        }
        options.putHeader("X-Forwarded-Proto", incoming.scheme());
        extraHeaders.forEach(h -> options.putHeader(h.getKey(), h.getValue()));
        int limit = config.maxUpstreamResponseBytes();
        var future = client.request(options)
                .compose(req -> body == null || body.length() == 0 ? req.send() : req.send(body))
                .compose(resp -> {
                    String declared = resp.getHeader("Content-Length");
                    if (declared != null && parseLong(declared) > limit) {
                        resp.request().reset();
                        return io.vertx.core.Future.failedFuture("upstream answer larger than " + limit + " bytes");
                    }
                    return resp.body().map(b -> {
                        if (b.length() > limit) {
                            throw new IllegalStateException("upstream answer larger than " + limit + " bytes");
                        }
                        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
                        resp.headers().forEach(h -> {
                            if (!NOT_RETURNED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                                headers.add(h.getKey(), h.getValue());
                            }
                        });
                        return new UpstreamResponse(resp.statusCode(), headers, b);
                    });
                });
        return Uni.createFrom().completionStage(future.toCompletionStage())
                .ifNoItem().after(config.upstreamTimeout().plusMillis(250)).failWith(
                        () -> new UpstreamException("upstream did not answer within " + config.upstreamTimeout(), null))
                .onFailure(t -> !(t instanceof UpstreamException))
                .transform(t -> new UpstreamException("upstream failed: " + t.getMessage(), t));
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
