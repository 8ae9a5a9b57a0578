package io.sippar.evm;

import io.sippar.scheme.SchemeUnavailableException;
import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import org.jboss.logging.Logger;
import org.web3j.crypto.Hash;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.http.HttpService;

/**
 * JSON-RPC access to one EVM network over one or more endpoints: every call has a timeout, every
 * endpoint a circuit breaker; reads fail over to the next endpoint and get a second pass; all
 * endpoints failing is our outage ({@link SchemeUnavailableException}). A JSON-RPC error that is an
 * answer about the chain (a revert) is returned to the caller, never counted as an outage.
 */
final class EvmRpc implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EvmRpc.class);

    /** Passes over the endpoint list for reads: a second pass rides out a single blip. */
    private static final int READ_PASSES = 2;
    private static final int RETRY_AFTER_SECONDS = 5;
    private static final Duration SECOND_PASS_PAUSE = Duration.ofMillis(100);

    /** One RPC URL with its client and breaker. */
    static final class Endpoint {
        /** For logs and messages: scheme, host and port only, since provider URLs carry API keys in the path. */
        final String label;
        final String url;
        final Web3j web3j;
        final CircuitBreaker breaker;
        private final OkHttpClient http;

        Endpoint(String label, String url, Web3j web3j, CircuitBreaker breaker, OkHttpClient http) {
            this.label = label;
            this.url = url;
            this.web3j = web3j;
            this.breaker = breaker;
            this.http = http;
        }
    }

    /** A JSON-RPC error that says nothing about the chain (rate limit, internal error): the endpoint failed. */
    static final class EndpointErrorException extends IOException {
        EndpointErrorException(String message) {
            super(message);
        }
    }

    private final String network;
    private final List<Endpoint> endpoints;
    private final Duration timeout;

    EvmRpc(String network, List<String> urls, Duration timeout, int breakerThreshold, Duration breakerDelay) {
        if (urls == null || urls.isEmpty()) {
            throw new IllegalArgumentException("network " + network + " needs at least one rpc url");
        }
        this.network = network;
        this.timeout = timeout;
        List<Endpoint> list = new ArrayList<>();
        for (String url : urls) {
            // OkHttp's own deadline releases the web3j worker thread; the Uni timeout below bounds the caller
            OkHttpClient http = new OkHttpClient.Builder()
                    .callTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .connectTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .readTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .connectionPool(new ConnectionPool(32, 1, TimeUnit.MINUTES))
                    .retryOnConnectionFailure(false)
                    .build();
            list.add(new Endpoint(label(list.size(), url), url, Web3j.build(new HttpService(url, http)), new CircuitBreaker(breakerThreshold,
                    breakerDelay), http));
        }
        this.endpoints = List.copyOf(list);
    }

    private static String label(int index, String url) {
        try {
            java.net.URI u = java.net.URI.create(url);
            return "rpc#" + (index + 1) + "(" + u.getScheme() + "://" + u.getHost()
                    + (u.getPort() < 0 ? "" : ":" + u.getPort()) + ")";
        } catch (IllegalArgumentException e) {
            return "rpc#" + (index + 1);
        }
    }

    List<Endpoint> endpoints() {
        return endpoints;
    }

    /**
     * A read call (eth_call, getCode, nonce, receipt, fee data): each endpoint in order, then a second
     * pass. Reverts come back as responses with {@code hasError()}; only endpoint failures fail over.
     */
    <T extends Response<?>> Uni<T> read(String method, Function<Web3j, Request<?, T>> call) {
        List<Endpoint> order = new ArrayList<>();
        for (int i = 0; i < READ_PASSES; i++) {
            order.addAll(endpoints);
        }
        return Uni.createFrom().deferred(() -> attempt(method, order, 0, call, null, true));
    }

    /**
     * Broadcasts a signed transaction. The same raw bytes may go to every endpoint in turn: a resend
     * has the same hash, so at worst a node answers "already known". Node answers (nonce too low,
     * underpriced, ...) are returned, not failed over.
     */
    Uni<EthSendTransaction> sendRaw(String rawHex) {
        return Uni.createFrom().deferred(() -> attempt("eth_sendRawTransaction", endpoints, 0,
                w -> w.ethSendRawTransaction(rawHex), null, false));
    }

    /** The hash of a signed transaction, known before any node has seen it. */
    static String txHash(String rawHex) {
        return Hash.sha3(rawHex);
    }

    private <T extends Response<?>> Uni<T> attempt(String method, List<Endpoint> order, int index,
            Function<Web3j, Request<?, T>> call, Throwable last, boolean isRead) {
        if (index >= order.size()) {
            return Uni.createFrom().failure(new SchemeUnavailableException(
                    "every RPC endpoint of " + network + " failed for " + method
                            + (last == null ? "" : ": " + last.getMessage()),
                    RETRY_AFTER_SECONDS, last));
        }
        Endpoint e = order.get(index);
        if (!e.breaker.tryAcquire()) {
            return attempt(method, order, index + 1, call, last == null
                    ? new IOException("circuit breaker open for " + e.label) : last, isRead);
        }
        Uni<T> sent = Uni.createFrom().completionStage(() -> call.apply(e.web3j).sendAsync())
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException(
                        method + " on " + e.label + " took longer than " + timeout.toMillis() + " ms"))
                .onItem().transformToUni(response -> {
                    if (isRead && response.hasError() && isEndpointTrouble(response.getError())) {
                        return Uni.createFrom().<T>failure(new EndpointErrorException(method + " on " + e.label
                                + ": JSON-RPC error " + response.getError().getCode() + " "
                                + response.getError().getMessage()));
                    }
                    e.breaker.onSuccess();
                    return Uni.createFrom().item(response);
                })
                .onFailure().recoverWithUni(t -> {
                    e.breaker.onFailure();
                    LOG.debugf("%s failed on %s: %s", method, e.label, t.toString());
                    return attempt(method, order, index + 1, call, t, isRead);
                })
                // a caller that gives up must not leave a half-open trial marked as in flight forever
                .onCancellation().invoke(e.breaker::onCancel);
        // a short pause before going round the list again, so a blip on a single node can pass
        boolean secondPass = index > 0 && index % endpoints.size() == 0;
        return secondPass ? Uni.createFrom().voidItem().onItem().delayIt().by(SECOND_PASS_PAUSE)
                .onItem().transformToUni(x -> sent) : sent;
    }

    /**
     * JSON-RPC errors that mean "this node cannot answer now" (rate limit, internal error, timeout)
     * rather than an answer about the chain; only these fail over and count against the breaker.
     */
    static boolean isEndpointTrouble(Response.Error error) {
        String m = error.getMessage() == null ? "" : error.getMessage().toLowerCase(Locale.ROOT);
        int code = error.getCode();
        return !isRevert(error) && (code == -32005 || code == -32603 || code == 429
                || m.contains("rate limit") || m.contains("too many requests") || m.contains("limit exceeded")
                || m.contains("timeout") || m.contains("timed out") || m.contains("header not found"));
    }

    /** Whether a JSON-RPC error is the chain's answer (execution reverted) rather than a node failure. */
    static boolean isRevert(Response.Error error) {
        if (error == null) {
            return false;
        }
        String m = error.getMessage() == null ? "" : error.getMessage().toLowerCase(Locale.ROOT);
        return error.getCode() == 3 || m.contains("revert");
    }

    @Override
    public void close() {
        for (Endpoint e : endpoints) {
            try {
                e.web3j.shutdown();
            } catch (RuntimeException ignored) {
                // shutting down anyway
            }
            e.http.dispatcher().executorService().shutdown();
            e.http.connectionPool().evictAll();
        }
    }

    @Override
    public String toString() {
        return "EvmRpc[" + network + ", " + endpoints.size() + " endpoints]";
    }
}
