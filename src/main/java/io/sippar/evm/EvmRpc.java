package io.sippar.evm;

import io.sippar.scheme.SchemeUnavailableException;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.util.TypeLiteral;
import java.io.IOException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;
import org.web3j.crypto.Hash;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.response.EthSendTransaction;

/**
 * JSON-RPC access to one EVM network over one or more endpoints, with all endpoints failing being
 * our outage ({@link SchemeUnavailableException}), never an invalid payment.
 *
 * <p>SmallRye Fault Tolerance (programmatic {@link TypedGuard} API) provides, per endpoint, a guard
 * with a timeout of {@code rpcTimeout} per call and a circuit breaker that opens after
 * {@code breakerThreshold} consecutive failures (rolling window of that many calls, failure ratio 1),
 * stays open for {@code breakerDelay}, then lets one trial call through (half-open). Each endpoint has
 * its own guard, so one node's trouble never opens another's breaker. For reads, a second guard
 * provides the retry: one more pass over the endpoints after a short pause.
 *
 * <p>What this class adds on top: the failover loop, which tries the endpoints in configuration order
 * and moves on when one fails or its breaker is open; the rule that only reads are retried (a signed
 * transaction is only ever re-sent as the same raw bytes, to the next endpoint); and the rule that a
 * JSON-RPC error that is an answer about the chain (a revert, a node refusing a transaction) is
 * returned to the caller as a successful call, so it neither fails over nor counts against a breaker.
 * Only JSON-RPC errors that mean "this node cannot answer now" (rate limit, internal error) fail a
 * read's guarded call.
 *
 * <p>Inside Quarkus the guards come from the CDI-based SmallRye implementation; plain tests put
 * {@code smallrye-fault-tolerance-standalone} on the test classpath.
 */
final class EvmRpc implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EvmRpc.class);

    /** Passes over the endpoint list for reads: a second pass rides out a single blip. */
    private static final int READ_PASSES = 2;
    private static final int RETRY_AFTER_SECONDS = 5;
    private static final Duration SECOND_PASS_PAUSE = Duration.ofMillis(100);
    /** In-flight calls per endpoint before OkHttp queues further ones. */
    private static final int MAX_CONCURRENT_CALLS = 256;

    private static final TypeLiteral<CompletionStage<Response<?>>> RESPONSE_STAGE = new TypeLiteral<>() {
    };

    /** One RPC URL with its client and guard (timeout + circuit breaker). */
    static final class Endpoint {
        /** For logs and messages: scheme, host and port only, since provider URLs carry API keys in the path. */
        final String label;
        final String url;
        final Web3j web3j;
        private final TypedGuard<CompletionStage<Response<?>>> guard;
        private final OkHttpClient http;
        private volatile CircuitBreakerState breakerState = CircuitBreakerState.CLOSED;

        Endpoint(String network, String label, String url, Web3j web3j, OkHttpClient http, Duration timeout,
                int breakerThreshold, Duration breakerDelay) {
            if (breakerThreshold < 1) {
                throw new IllegalArgumentException("breaker threshold must be >= 1");
            }
            this.label = label;
            this.url = url;
            this.web3j = web3j;
            this.http = http;
            // no breaker name: named breakers are global in SmallRye, these belong to this instance only
            this.guard = TypedGuard.create(RESPONSE_STAGE)
                    .withDescription("evm-rpc " + network + " " + label)
                    .withTimeout().duration(timeout.toMillis(), ChronoUnit.MILLIS).done()
                    .withCircuitBreaker()
                        .requestVolumeThreshold(breakerThreshold)
                        .failureRatio(1.0)
                        .successThreshold(1)
                        .delay(breakerDelay.toMillis(), ChronoUnit.MILLIS)
                        .onStateChange(s -> {
                            breakerState = s;
                            LOG.debugf("circuit breaker of %s on %s: %s", label, network, s);
                        })
                        .done()
                    // the future completes on the endpoint's OkHttp threads; nothing here blocks
                    .withThreadOffload(false)
                    .build();
        }

        /** The breaker's state as SmallRye last reported it (open turns half-open on the next call after the delay). */
        CircuitBreakerState breakerState() {
            return breakerState;
        }

        /**
         * One guarded call. For reads, a JSON-RPC error meaning node trouble fails the call (so it counts
         * against the breaker and fails over); any other JSON-RPC error is a normal answer.
         */
        @SuppressWarnings("unchecked")
        <T extends Response<?>> CompletionStage<T> send(String method, Function<Web3j, Request<?, T>> call,
                boolean isRead) {
            try {
                CompletionStage<Response<?>> guarded = guard.get(() -> call.apply(web3j).sendAsync()
                        .thenCompose(response -> {
                            if (isRead && response.hasError() && isEndpointTrouble(response.getError())) {
                                return CompletableFuture.failedFuture(new EndpointErrorException(method + " on "
                                        + label + ": JSON-RPC error " + response.getError().getCode() + " "
                                        + response.getError().getMessage()));
                            }
                            return CompletableFuture.completedFuture(response);
                        }));
                return (CompletionStage<T>) (CompletionStage<?>) guarded;
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    /** A JSON-RPC error that says nothing about the chain (rate limit, internal error): the endpoint failed. */
    static final class EndpointErrorException extends IOException {
        EndpointErrorException(String message) {
            super(message);
        }
    }

    /** One pass over the endpoints failed; {@code triedAny} is false when every breaker was open. */
    private static final class PassFailedException extends Exception {
        final boolean triedAny;

        PassFailedException(Throwable last, boolean triedAny) {
            super(last == null ? "no endpoint" : last.getMessage(), last, false, false);
            this.triedAny = triedAny;
        }
    }

    private final String network;
    private final List<Endpoint> endpoints;
    private final Duration timeout;
    /** Retry for reads only: a second pass over every endpoint, unless every breaker was open. */
    private final TypedGuard<CompletionStage<Response<?>>> readRetry;

    EvmRpc(String network, List<String> urls, Duration timeout, int breakerThreshold, Duration breakerDelay) {
        if (urls == null || urls.isEmpty()) {
            throw new IllegalArgumentException("network " + network + " needs at least one rpc url");
        }
        this.network = network;
        this.timeout = timeout;
        List<Endpoint> list = new ArrayList<>();
        for (String url : urls) {
            // OkHttp's own deadline releases the web3j worker thread; the guard's timeout bounds the caller
            // calls are enqueued (AsyncHttpService): OkHttp's default of 5 concurrent calls per host would
            // queue the gateway's settlements and verifications behind each other
            okhttp3.Dispatcher dispatcher = new okhttp3.Dispatcher();
            dispatcher.setMaxRequests(MAX_CONCURRENT_CALLS);
            dispatcher.setMaxRequestsPerHost(MAX_CONCURRENT_CALLS);
            OkHttpClient http = new OkHttpClient.Builder()
                    .dispatcher(dispatcher)
                    .callTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .connectTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .readTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .connectionPool(new ConnectionPool(32, 1, TimeUnit.MINUTES))
                    .retryOnConnectionFailure(false)
                    .build();
            String label = label(list.size(), url);
            list.add(new Endpoint(network, label, url, Web3j.build(new AsyncHttpService(url, http)), http, timeout,
                    breakerThreshold, breakerDelay));
        }
        this.endpoints = List.copyOf(list);
        this.readRetry = TypedGuard.create(RESPONSE_STAGE)
                .withDescription("evm-rpc " + network + " read passes")
                .withRetry()
                    .maxRetries(READ_PASSES - 1)
                    .delay(SECOND_PASS_PAUSE.toMillis(), ChronoUnit.MILLIS)
                    .jitter(0, ChronoUnit.MILLIS)
                    .whenException(t -> unwrap(t) instanceof PassFailedException p && p.triedAny)
                    .done()
                .withThreadOffload(false)
                .build();
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
     * pass (SmallRye retry). Reverts come back as responses with {@code hasError()}; only endpoint
     * failures fail over.
     */
    @SuppressWarnings("unchecked")
    <T extends Response<?>> Uni<T> read(String method, Function<Web3j, Request<?, T>> call) {
        // the last real failure of an earlier pass stays the cause when the next pass only meets open breakers
        AtomicReference<Throwable> lastFailure = new AtomicReference<>();
        Uni<Response<?>> guarded = Uni.createFrom().completionStage(() -> readRetry.get(() ->
                (CompletionStage<Response<?>>) (CompletionStage<?>) Uni.createFrom()
                        .deferred(() -> attempt(method, 0, call, lastFailure.get(), false, true))
                        .onFailure(PassFailedException.class).invoke(p -> lastFailure.set(p.getCause()))
                        .subscribeAsCompletionStage()));
        return guarded.onFailure().transform(t -> unavailable(method, t)).map(r -> (T) r);
    }

    /**
     * Broadcasts a signed transaction, never retried by a guard. The same raw bytes may go to every
     * endpoint in turn: a resend has the same hash, so at worst a node answers "already known". Node
     * answers (nonce too low, underpriced, ...) are returned, not failed over.
     */
    Uni<EthSendTransaction> sendRaw(String rawHex) {
        return Uni.createFrom().deferred(() -> attempt("eth_sendRawTransaction", 0,
                        w -> w.ethSendRawTransaction(rawHex), null, false, false))
                .onFailure().transform(t -> unavailable("eth_sendRawTransaction", t));
    }

    /**
     * Health probe of one endpoint: {@code eth_chainId} sent straight to it (no breaker, no failover,
     * OkHttp's call timeout), failing unless it answers with {@code expectedChainId}.
     */
    Uni<Void> probe(int index, long expectedChainId) {
        Endpoint e = endpoints.get(index);
        return Uni.createFrom().completionStage(() -> e.web3j.ethChainId().sendAsync()).map(r -> {
            if (r.hasError()) {
                throw new IllegalStateException("eth_chainId answered " + r.getError().getMessage());
            }
            long id = r.getChainId().longValueExact();
            if (id != expectedChainId) {
                throw new IllegalStateException("answers as chain " + id + ", configured as " + expectedChainId);
            }
            return null;
        }).replaceWithVoid();
    }

    /** The hash of a signed transaction, known before any node has seen it. */
    static String txHash(String rawHex) {
        return Hash.sha3(rawHex);
    }

    /** One pass of the failover loop from endpoint {@code index} on; fails with {@link PassFailedException}. */
    private <T extends Response<?>> Uni<T> attempt(String method, int index, Function<Web3j, Request<?, T>> call,
            Throwable last, boolean triedAny, boolean isRead) {
        if (index >= endpoints.size()) {
            return Uni.createFrom().failure(new PassFailedException(last, triedAny));
        }
        Endpoint e = endpoints.get(index);
        return Uni.createFrom().completionStage(() -> e.send(method, call, isRead))
                .onFailure().recoverWithUni(failure -> {
                    Throwable t = unwrap(failure);
                    if (t instanceof CircuitBreakerOpenException) {
                        // skipped without a connection attempt; a real failure seen earlier is the better cause
                        return attempt(method, index + 1, call,
                                last == null ? new IOException("circuit breaker open for " + e.label) : last,
                                triedAny, isRead);
                    }
                    if (t instanceof org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException) {
                        t = new TimeoutException(method + " on " + e.label + " took longer than "
                                + timeout.toMillis() + " ms");
                    }
                    LOG.debugf("%s failed on %s: %s", method, e.label, t.toString());
                    return attempt(method, index + 1, call, t, true, isRead);
                });
    }

    private Throwable unavailable(String method, Throwable failure) {
        Throwable t = unwrap(failure);
        if (!(t instanceof PassFailedException)) {
            return t;
        }
        Throwable last = t.getCause();
        return new SchemeUnavailableException("every RPC endpoint of " + network + " failed for " + method
                + (last == null ? "" : ": " + last.getMessage()), RETRY_AFTER_SECONDS, last);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
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
