package io.sippar.algorand;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sippar.scheme.SchemeUnavailableException;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import jakarta.enterprise.util.TypeLiteral;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

/**
 * algod v2 REST access for one network over one or more nodes (Vert.x web client), with every
 * node failing being our outage ({@link SchemeUnavailableException}), never an invalid payment.
 *
 * <p>Per node, a SmallRye Fault Tolerance circuit breaker that opens after {@code breakerThreshold}
 * consecutive failures, stays open for {@code breakerDelay}, then lets one trial call through. Every
 * call has its own deadline ({@code algodTimeout}, or {@code blockWaitTimeout} for the long poll). A
 * failure is a connection error, a missed deadline, or an answer that says the node cannot serve now
 * (5xx, 429, 401/403 for a wrong token, a body algod would not send): those fail over to the next
 * node. Any other answer (2xx, 400, 404) is the node's word about the chain and goes to the caller.
 *
 * <p>Reads (status, pending, simulate, which changes nothing) make a second pass over the nodes
 * after a short pause. A submit is never retried blindly: after a node fails mid-call, the group's
 * payment TxID is looked up first, and the group goes to the next node only if no node knows it.
 */
final class AlgodClient implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AlgodClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN_HEADER = "X-Algo-API-Token";
    private static final int READ_PASSES = 2;
    private static final Duration SECOND_PASS_PAUSE = Duration.ofMillis(100);
    private static final int RETRY_AFTER_SECONDS = 5;
    private static final long LONG_POLL_GRACE_MS = 1000;

    private static final TypeLiteral<CompletionStage<Object>> ANSWER_STAGE = new TypeLiteral<>() {
    };

    /** A node's answer that is about the chain (not node trouble). */
    record Answer(int status, Buffer body) {

        /** The body as JSON; an unreadable body is node trouble. */
        JsonNode json() {
            try {
                return JSON.readTree(body.getBytes());
            } catch (IOException e) {
                throw new MalformedAnswerException("algod answered " + status + " with a body that is not JSON");
            }
        }

        /** algod's error text ({@code {"message": ...}}), or the raw body. */
        String message() {
            try {
                JsonNode m = JSON.readTree(body.getBytes()).get("message");
                if (m != null && m.isTextual()) {
                    return m.textValue();
                }
            } catch (IOException e) {
                // not JSON: the raw text below
            }
            String raw = body.toString();
            return raw.length() > 500 ? raw.substring(0, 500) : raw;
        }
    }

    /** algod's view of one transaction id. */
    sealed interface Pending {
        /** Committed in {@code round}. */
        record Confirmed(long round) implements Pending {
        }

        /** In a transaction pool, not committed yet. */
        record InPool() implements Pending {
        }

        /** The pool dropped it ({@code pool-error}): it will not be committed. */
        record Rejected(String poolError) implements Pending {
        }

        /** Neither in a pool nor among the recently committed transactions. */
        record NotFound() implements Pending {
        }
    }

    /**
     * One node's answer about a transaction id and the last round that same node had committed just
     * before it answered (status first, then pending, on one node: a lagging node cannot pair its
     * "unknown" with another node's later round).
     *
     * @param node the node's label (scheme, host and port)
     * @param signedTxn the {@code txn} of the answer (a SignedTxn in msgpack) when the node knows the
     *        transaction, else null
     */
    record Sighting(String node, long lastRound, Pending pending, byte[] signedTxn) {
    }

    /** What a node said to a submitted group. */
    sealed interface Submitted {
        /** Accepted into the pool. */
        record Accepted(String txId) implements Submitted {
        }

        /** Already committed or already pooled: a resubmit of a group some node has seen. */
        record AlreadyKnown(String message) implements Submitted {
        }

        /** Refused (bad signature, dead round, overspend, ...): the group will not be committed. */
        record Refused(String message) implements Submitted {
        }
    }

    /** Every node failed while the group may have reached one of them: the submit's outcome is unknown. */
    static final class SubmitOutcomeUnknownException extends SchemeUnavailableException {
        SubmitOutcomeUnknownException(String message, Throwable cause) {
            super(message, RETRY_AFTER_SECONDS, cause);
        }
    }

    /** An answer that means the node cannot serve now; fails the guarded call. */
    static final class EndpointTroubleException extends IOException {
        EndpointTroubleException(String message) {
            super(message);
        }
    }

    /** A 2xx answer whose body is not what algod sends: node trouble too. */
    static final class MalformedAnswerException extends RuntimeException {
        MalformedAnswerException(String message) {
            super(message);
        }
    }

    /** One algod base URL with its guard. */
    static final class Endpoint {
        /** scheme://host:port only: provider URLs may carry keys in the path. */
        final String label;
        final String baseUrl;
        private final TypedGuard<CompletionStage<Object>> guard;
        private volatile CircuitBreakerState breakerState = CircuitBreakerState.CLOSED;

        Endpoint(String network, int index, String url, int breakerThreshold, Duration breakerDelay) {
            if (breakerThreshold < 1) {
                throw new IllegalArgumentException("breaker threshold must be >= 1");
            }
            this.baseUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
            this.label = label(index, url);
            // unnamed: named breakers are global in SmallRye, these belong to this client only; the
            // deadline is per call (a long poll waits longer than a status read), see send()
            this.guard = TypedGuard.create(ANSWER_STAGE)
                    .withDescription("algod " + network + " " + label)
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
                    // the Vert.x future completes on the event loop; nothing here blocks
                    .withThreadOffload(false)
                    .build();
        }

        CircuitBreakerState breakerState() {
            return breakerState;
        }

        private static String label(int index, String url) {
            try {
                URI u = URI.create(url);
                return "algod#" + (index + 1) + "(" + u.getScheme() + "://" + u.getHost()
                        + (u.getPort() < 0 ? "" : ":" + u.getPort()) + ")";
            } catch (IllegalArgumentException e) {
                return "algod#" + (index + 1);
            }
        }
    }

    /** One pass over the nodes failed; {@code triedAny} is false when every breaker was open. */
    private static final class PassFailedException extends Exception {
        final boolean triedAny;

        PassFailedException(Throwable last, boolean triedAny) {
            super(last == null ? "no node" : last.getMessage(), last, false, false);
            this.triedAny = triedAny;
        }
    }

    /**
     * One request to one node: method, path below the base URL, body, deadline, and how to read the
     * answer. Reading happens inside the guard, so an answer algod would never send fails over too.
     */
    private record Call(String what, HttpMethod method, String path, byte[] body, String contentType,
            Duration timeout, Function<Answer, Object> parse, boolean longPoll) {

        Call(String what, HttpMethod method, String path, byte[] body, String contentType, Duration timeout,
                Function<Answer, Object> parse) {
            this(what, method, path, body, contentType, timeout, parse, false);
        }
    }

    private final String network;
    private final Vertx vertx;
    private final WebClient client;
    private final Optional<String> token;
    private final List<Endpoint> endpoints;
    private final Duration timeout;
    private final Duration blockWaitTimeout;
    private final TypedGuard<CompletionStage<Object>> readRetry;

    AlgodClient(Vertx vertx, String network, List<String> urls, Optional<String> token, Duration timeout,
            Duration blockWaitTimeout, int breakerThreshold, Duration breakerDelay) {
        if (urls == null || urls.isEmpty()) {
            throw new IllegalArgumentException("network " + network + " needs at least one algod url");
        }
        this.network = network;
        this.vertx = vertx;
        this.token = token.map(String::strip).filter(t -> !t.isEmpty());
        this.timeout = timeout;
        this.blockWaitTimeout = blockWaitTimeout;
        this.client = WebClient.create(vertx, new WebClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .setKeepAlive(true)
                .setMaxPoolSize(64)
                .setUserAgent("sippar-gateway"));
        List<Endpoint> list = new ArrayList<>();
        for (String url : urls) {
            list.add(new Endpoint(network, list.size(), url.strip(), breakerThreshold, breakerDelay));
        }
        this.endpoints = List.copyOf(list);
        this.readRetry = TypedGuard.create(ANSWER_STAGE)
                .withDescription("algod " + network + " read passes")
                .withRetry()
                    .maxRetries(READ_PASSES - 1)
                    .delay(SECOND_PASS_PAUSE.toMillis(), ChronoUnit.MILLIS)
                    .jitter(0, ChronoUnit.MILLIS)
                    .whenException(t -> unwrap(t) instanceof PassFailedException p && p.triedAny)
                    .done()
                .withThreadOffload(false)
                .build();
    }

    List<Endpoint> endpoints() {
        return endpoints;
    }

    /**
     * Health probe of one node: {@code GET /v2/transactions/params} straight to it (no breaker, no
     * failover, the per-call deadline), failing unless it answers for the configured genesis.
     */
    Uni<Void> probe(int index, String expectedGenesisHash) {
        Endpoint e = endpoints.get(index);
        HttpRequest<Buffer> request = client.requestAbs(HttpMethod.GET, e.baseUrl + "/v2/transactions/params")
                .timeout(timeout.toMillis()).putHeader("Accept", "application/json");
        token.ifPresent(t -> request.putHeader(TOKEN_HEADER, t));
        return Uni.createFrom().completionStage(() -> request.send().toCompletionStage()).map(r -> {
            if (r.statusCode() != 200) {
                throw new IllegalStateException("transactions/params answered " + r.statusCode());
            }
            String genesis = new Answer(r.statusCode(), r.body()).json().path("genesis-hash").asText();
            if (!genesis.equals(expectedGenesisHash)) {
                throw new IllegalStateException("answers for genesis " + genesis + ", configured "
                        + expectedGenesisHash);
            }
            return null;
        }).replaceWithVoid();
    }

    // ------------------------------------------------------------------ algod calls

    /** {@code GET /v2/status}: the last committed round. */
    Uni<Long> lastRound() {
        return read(new Call("status", HttpMethod.GET, "/v2/status", null, null, timeout,
                a -> round(ok(a, "status"), "last-round")));
    }

    /**
     * {@code GET /v2/status/wait-for-block-after/{round}}: the last round once a round after
     * {@code round} exists, or {@code round} itself when none came within {@code blockWaitTimeout}
     * (a quiet chain is not a failing node: it neither fails over nor counts against the breaker).
     */
    Uni<Long> waitForBlockAfter(long round) {
        return read(new Call("wait-for-block-after", HttpMethod.GET, "/v2/status/wait-for-block-after/" + round,
                null, null, blockWaitTimeout, a -> a == null ? round : round(ok(a, "wait-for-block-after"),
                        "last-round"), true));
    }

    /**
     * {@code POST /v2/transactions/simulate} of one fully signed group: the failure message, or
     * empty when the group would be committed. A 400 (the node refuses the request itself, e.g. a
     * malformed transaction) is a failure of the group, with algod's message.
     */
    Uni<Optional<String>> simulate(List<byte[]> signedTxns) {
        return simulateGroup(signedTxns).map(f -> f.map(SimulationFailure::message));
    }

    /** Why a simulated group would fail, and at which transaction when algod says ({@code failed-at}). */
    record SimulationFailure(String message, Optional<Integer> failedAt) {
    }

    /** {@link #simulate} with the index of the failing transaction. */
    Uni<Optional<SimulationFailure>> simulateGroup(List<byte[]> signedTxns) {
        byte[] body = AvmCodec.simulateRequest(signedTxns);
        return read(new Call("simulate", HttpMethod.POST, "/v2/transactions/simulate?format=json", body,
                "application/msgpack", timeout, a -> {
                    if (a.status() == 400) {
                        return Optional.of(new SimulationFailure(a.message(), Optional.empty()));
                    }
                    JsonNode groups = ok(a, "simulate").get("txn-groups");
                    if (groups == null || !groups.isArray() || groups.isEmpty()) {
                        throw new MalformedAnswerException("simulate answered without txn-groups");
                    }
                    JsonNode failure = groups.get(0).get("failure-message");
                    if (failure == null || !failure.isTextual() || failure.textValue().isEmpty()) {
                        return Optional.<SimulationFailure>empty();
                    }
                    JsonNode at = groups.get(0).path("failed-at").path(0);
                    return Optional.of(new SimulationFailure(failure.textValue(),
                            at.canConvertToInt() ? Optional.of(at.asInt()) : Optional.empty()));
                }));
    }

    /** What {@code GET /v2/transactions/params} says a new transaction needs. */
    record Params(long lastRound, String genesisId, byte[] genesisHash, long minFee, long feePerByte) {
    }

    /** {@code GET /v2/transactions/params}. */
    Uni<Params> params() {
        return read(new Call("params", HttpMethod.GET, "/v2/transactions/params", null, null, timeout, a -> {
            JsonNode j = ok(a, "params");
            JsonNode hash = j.get("genesis-hash");
            JsonNode id = j.get("genesis-id");
            if (hash == null || !hash.isTextual() || id == null || !id.isTextual()) {
                throw new MalformedAnswerException("params answered without genesis-id / genesis-hash");
            }
            return new Params(round(j, "last-round"), id.textValue(), java.util.Base64.getDecoder().decode(
                    hash.textValue()), round(j, "min-fee"), j.path("fee").asLong(0));
        }));
    }

    /** {@code GET /v2/accounts/{address}?exclude=all}: the account's µAlgo. */
    Uni<java.math.BigInteger> account(String address) {
        return read(new Call("account", HttpMethod.GET, "/v2/accounts/" + address + "?exclude=all", null, null, timeout,
                a -> {
                    JsonNode amount = ok(a, "account").get("amount");
                    if (amount == null || !amount.isIntegralNumber()) {
                        throw new MalformedAnswerException("account answered without amount");
                    }
                    return amount.bigIntegerValue();
                }));
    }

    /**
     * {@code GET /v2/accounts/{address}/assets/{id}}: the account's holding of the asset, or empty when
     * it is not opted in (algod's 404).
     */
    Uni<Optional<java.math.BigInteger>> assetHolding(String address, long assetId) {
        return read(new Call("account asset", HttpMethod.GET, "/v2/accounts/" + address + "/assets/" + assetId, null,
                null, timeout, a -> {
                    if (a.status() == 404) {
                        return Optional.<java.math.BigInteger>empty();
                    }
                    JsonNode amount = ok(a, "account asset").path("asset-holding").get("amount");
                    if (amount == null || !amount.isIntegralNumber()) {
                        throw new MalformedAnswerException("account asset answered without asset-holding.amount");
                    }
                    return Optional.of(amount.bigIntegerValue());
                }));
    }

    /** {@code GET /v2/transactions/pending/{txid}}. */
    Uni<Pending> pending(String txId) {
        return read(pendingCall(txId));
    }

    /**
     * {@code GET /v2/status} then {@code GET /v2/transactions/pending/{txid}?format=msgpack} on the
     * same node, failing over to the next node as a whole (the reconciler's read-only lookup).
     */
    Uni<Sighting> sighting(String txId) {
        Call status = new Call("status", HttpMethod.GET, "/v2/status", null, null, timeout,
                a -> round(ok(a, "status"), "last-round"));
        Call pending = new Call("pending", HttpMethod.GET, "/v2/transactions/pending/" + txId + "?format=msgpack", null,
                null, timeout, AlgodClient::sightingOf);
        return read("status and pending", timeout, e -> send(e, status).thenCompose(round -> send(e, pending)
                .thenApply(p -> {
                    Sighting seen = (Sighting) p;
                    return new Sighting(e.label, (Long) round, seen.pending(), seen.signedTxn());
                })));
    }

    /** A msgpack pending answer: its state, and the SignedTxn it carries. */
    private static Sighting sightingOf(Answer a) {
        if (a.status() == 404) {
            return new Sighting("", 0, new Pending.NotFound(), null);
        }
        if (a.status() / 100 != 2) {
            throw new MalformedAnswerException("pending answered HTTP " + a.status() + ": " + a.message());
        }
        Map<String, byte[]> fields;
        try {
            fields = AvmCodec.topLevelMap(a.body().getBytes(), "the pending answer");
        } catch (AvmCodec.DecodeException e) {
            throw new MalformedAnswerException(e.getMessage());
        }
        byte[] txn = fields.get("txn");
        if (txn == null) {
            throw new MalformedAnswerException("the pending answer carries no txn");
        }
        long confirmed = fields.containsKey("confirmed-round") ? AvmCodec.unsigned(fields.get("confirmed-round")) : 0;
        String poolError = fields.containsKey("pool-error") ? AvmCodec.text(fields.get("pool-error")) : "";
        Pending state = confirmed > 0 ? new Pending.Confirmed(confirmed)
                : !poolError.isEmpty() ? new Pending.Rejected(poolError) : new Pending.InPool();
        return new Sighting("", 0, state, txn);
    }

    private Call pendingCall(String txId) {
        return new Call("pending", HttpMethod.GET, "/v2/transactions/pending/" + txId + "?format=json", null, null,
                timeout, AlgodClient::pendingOf);
    }

    private static Pending pendingOf(Answer a) {
        if (a.status() == 404) {
            return new Pending.NotFound();
        }
        JsonNode info = ok(a, "pending");
        JsonNode confirmed = info.get("confirmed-round");
        if (confirmed != null && confirmed.canConvertToLong() && confirmed.asLong() > 0) {
            return new Pending.Confirmed(confirmed.asLong());
        }
        JsonNode poolError = info.get("pool-error");
        if (poolError != null && poolError.isTextual() && !poolError.textValue().isEmpty()) {
            return new Pending.Rejected(poolError.textValue());
        }
        return new Pending.InPool();
    }

    /**
     * {@code POST /v2/transactions} with the signed group back to back. {@code paymentTxId} is the
     * group's payment transaction, looked up before a node is asked again.
     *
     * @throws SubmitOutcomeUnknownException (as failure) when every node failed and one may have the group
     * @throws SchemeUnavailableException (as failure) when no node could even be tried (every breaker open)
     */
    Uni<Submitted> submit(byte[] signedGroup, String paymentTxId) {
        return submitFrom(0, signedGroup, paymentTxId, null, false);
    }

    private Uni<Submitted> submitFrom(int index, byte[] signedGroup, String txId, Throwable last, boolean triedAny) {
        if (index >= endpoints.size()) {
            String message = "every algod node of " + network + " failed to take the group"
                    + (last == null ? "" : ": " + last.getMessage());
            return Uni.createFrom().failure(triedAny ? new SubmitOutcomeUnknownException(message, last)
                    : new SchemeUnavailableException(message, RETRY_AFTER_SECONDS, last));
        }
        Endpoint e = endpoints.get(index);
        Call call = new Call("submit", HttpMethod.POST, "/v2/transactions", signedGroup, "application/x-binary",
                timeout, AlgodClient::submittedOf);
        return Uni.createFrom().completionStage(() -> send(e, call))
                .map(Submitted.class::cast)
                .onFailure().recoverWithUni(failure -> {
                    Throwable t = describe(e, call, unwrap(failure));
                    if (t instanceof CircuitBreakerOpenException) {
                        // skipped without a connection attempt: nothing was sent there
                        return submitFrom(index + 1, signedGroup, txId, last == null ? t : last, triedAny);
                    }
                    LOG.debugf("submit failed on %s: %s", e.label, t.toString());
                    // the group may have arrived: ask every node before sending it anywhere else
                    return knownByAnyNode(txId, 0).chain(known -> known
                            ? Uni.createFrom().item((Submitted) new Submitted.AlreadyKnown(
                                    "the group reached a node before " + e.label + " failed"))
                            : submitFrom(index + 1, signedGroup, txId, t, true));
                });
    }

    /** Whether any node has {@code txId} pooled or recently committed; a node that cannot answer counts as no. */
    private Uni<Boolean> knownByAnyNode(String txId, int index) {
        if (index >= endpoints.size()) {
            return Uni.createFrom().item(false);
        }
        return Uni.createFrom().completionStage(() -> send(endpoints.get(index), pendingCall(txId)))
                .map(p -> !(p instanceof Pending.NotFound))
                .onFailure().recoverWithItem(false)
                .chain(known -> known ? Uni.createFrom().item(true) : knownByAnyNode(txId, index + 1));
    }

    private static Submitted submittedOf(Answer a) {
        if (a.status() / 100 == 2) {
            JsonNode id = a.json().get("txId");
            return new Submitted.Accepted(id != null && id.isTextual() ? id.textValue() : "");
        }
        String message = a.message();
        String m = message.toLowerCase(Locale.ROOT);
        if (m.contains("already in ledger") || m.contains("already in pool") || m.contains("already in the pool")) {
            return new Submitted.AlreadyKnown(message);
        }
        return new Submitted.Refused(message);
    }

    // ------------------------------------------------------------------ failover

    /** A read: each node in order, then (SmallRye retry) one more pass unless every breaker was open. */
    private <T> Uni<T> read(Call call) {
        return read(call.what(), call.timeout(), e -> send(e, call));
    }

    /** A read of {@code on} (one or more calls to the node it is given), with the failover of {@link #read(Call)}. */
    @SuppressWarnings("unchecked")
    private <T> Uni<T> read(String what, Duration deadline, Function<Endpoint, CompletionStage<Object>> on) {
        // the last real failure of an earlier pass stays the cause when the next pass only meets open breakers
        AtomicReference<Throwable> lastFailure = new AtomicReference<>();
        Supplier<CompletionStage<Object>> pass = () -> Uni.createFrom()
                .deferred(() -> attempt(what, deadline, on, 0, lastFailure.get(), false))
                .onFailure(PassFailedException.class).invoke(p -> lastFailure.set(p.getCause()))
                .subscribeAsCompletionStage();
        return Uni.createFrom().completionStage(() -> readRetry.get(pass))
                .onFailure().transform(t -> unavailable(what, t))
                .map(o -> (T) o);
    }

    private Uni<Object> attempt(String what, Duration deadline, Function<Endpoint, CompletionStage<Object>> on,
            int index, Throwable last, boolean triedAny) {
        if (index >= endpoints.size()) {
            return Uni.createFrom().failure(new PassFailedException(last, triedAny));
        }
        Endpoint e = endpoints.get(index);
        return Uni.createFrom().completionStage(() -> on.apply(e))
                .onFailure().recoverWithUni(failure -> {
                    Throwable t = describe(e, what, deadline, unwrap(failure));
                    if (t instanceof CircuitBreakerOpenException) {
                        return attempt(what, deadline, on, index + 1, last == null ? t : last, triedAny);
                    }
                    LOG.debugf("%s failed on %s: %s", what, e.label, t.toString());
                    return attempt(what, deadline, on, index + 1, t, true);
                });
    }

    /** One guarded HTTP call; node trouble fails it (counting against the breaker). */
    private CompletionStage<Object> send(Endpoint e, Call call) {
        try {
            return e.guard.get(() -> {
                // the connection outlives a long poll's deadline a little, so that deadline always wins the race
                HttpRequest<Buffer> request = client.requestAbs(call.method(), e.baseUrl + call.path())
                        .timeout(call.timeout().toMillis() + (call.longPoll() ? LONG_POLL_GRACE_MS : 0))
                        .putHeader("Accept", "application/json");
                token.ifPresent(t -> request.putHeader(TOKEN_HEADER, t));
                io.vertx.core.Future<io.vertx.ext.web.client.HttpResponse<Buffer>> sent;
                if (call.body() != null) {
                    request.putHeader("Content-Type", call.contentType());
                    sent = request.sendBuffer(Buffer.buffer(call.body()));
                } else {
                    sent = request.send();
                }
                // the call's own deadline: a timeout counts against the breaker like any failure, except
                // for a long poll, whose deadline passing means "nothing new yet" (parse gets null)
                CompletableFuture<Object> answered = sent.toCompletionStage().toCompletableFuture()
                        .thenCompose(r -> answer(e, call, r.statusCode(), r.body()));
                return withDeadline(answered, call);
            });
        } catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }

    /**
     * The call's deadline on a Vert.x timer (the JDK's delay scheduler would complete the guard on a
     * thread of its own); whichever comes first, the answer or the deadline, completes the result.
     */
    private CompletableFuture<Object> withDeadline(CompletableFuture<Object> answered, Call call) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        long timer = vertx.setTimer(Math.max(1, call.timeout().toMillis()), id -> {
            if (call.longPoll()) {
                result.complete(call.parse().apply(null));
            } else {
                result.completeExceptionally(new TimeoutException(call.what() + " took longer than "
                        + call.timeout().toMillis() + " ms"));
            }
        });
        answered.whenComplete((value, failure) -> {
            vertx.cancelTimer(timer);
            if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(value);
            }
        });
        return result;
    }

    private static CompletableFuture<Object> answer(Endpoint e, Call call, int status, Buffer raw) {
        Buffer body = raw == null ? Buffer.buffer() : raw;
        if (status >= 500 || status == 429 || status == 401 || status == 403) {
            return CompletableFuture.failedFuture(new EndpointTroubleException(call.what() + " on " + e.label
                    + " answered HTTP " + status));
        }
        try {
            return CompletableFuture.completedFuture(call.parse().apply(new Answer(status, body)));
        } catch (MalformedAnswerException | IllegalArgumentException m) {
            // a proxy's error page or a truncated body: this node cannot answer now
            return CompletableFuture.failedFuture(new EndpointTroubleException(call.what() + " on " + e.label + ": "
                    + m.getMessage()));
        }
    }

    private Throwable describe(Endpoint e, Call call, Throwable t) {
        return describe(e, call.what(), call.timeout(), t);
    }

    private Throwable describe(Endpoint e, String what, Duration deadline, Throwable t) {
        if (t instanceof org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException
                || t instanceof TimeoutException
                || t instanceof io.netty.handler.timeout.TimeoutException) {
            return new TimeoutException(what + " on " + e.label + " took longer than " + deadline.toMillis() + " ms");
        }
        return t;
    }

    private Throwable unavailable(String what, Throwable failure) {
        Throwable t = unwrap(failure);
        if (!(t instanceof PassFailedException)) {
            return t;
        }
        Throwable last = t.getCause();
        return new SchemeUnavailableException("every algod node of " + network + " failed for " + what
                + (last == null ? "" : ": " + last.getMessage()), RETRY_AFTER_SECONDS, last);
    }

    private static JsonNode ok(Answer a, String what) {
        if (a.status() / 100 != 2) {
            // a 4xx to a well-formed read means the node misbehaves, not that the payment is bad
            throw new MalformedAnswerException(what + " answered HTTP " + a.status() + ": " + a.message());
        }
        return a.json();
    }

    private static long round(JsonNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || !v.canConvertToLong()) {
            throw new MalformedAnswerException("algod answer has no " + field);
        }
        return v.asLong();
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "AlgodClient[" + network + ", " + endpoints.size() + " nodes]";
    }
}
