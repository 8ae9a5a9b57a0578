package io.sippar.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * What tests read from (and do to) an algod devnet, independently of the gateway's own client:
 * balances, rounds, pending transactions, and the devnet's {@code /devnet/*} controls (hold rounds,
 * produce rounds, drop a pooled transaction, list what was committed).
 */
public final class AlgodQueries {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final String url;
    private final String token;
    /** HTTP/1.1 as algod speaks it: no h2c upgrade attempts on the devnet's connections. */
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT).build();

    public AlgodQueries(AlgodFixture algod) {
        this(algod.url(), algod.token());
    }

    public AlgodQueries(String url, String token) {
        this.url = url;
        this.token = token;
    }

    /** The account's holding of {@code assetId} in base units; 0 when not opted in. */
    public BigInteger assetBalance(String address, long assetId) {
        for (JsonNode h : get("/v2/accounts/" + address).path("assets")) {
            if (h.path("asset-id").asLong() == assetId) {
                return h.path("amount").bigIntegerValue();
            }
        }
        return BigInteger.ZERO;
    }

    /** The account's microAlgo. */
    public BigInteger algo(String address) {
        return get("/v2/accounts/" + address).path("amount").bigIntegerValue();
    }

    public long lastRound() {
        return get("/v2/status").path("last-round").asLong();
    }

    /** {@code /v2/transactions/pending/{txid}}; a missing node when the devnet does not know it. */
    public JsonNode pending(String txId) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url + "/v2/transactions/pending/" + txId)));
        return r.statusCode() == 404 ? JSON.missingNode() : parse(r);
    }

    /** Confirmed round of a transaction, or 0 when it is not (yet) committed. */
    public long confirmedRound(String txId) {
        return pending(txId).path("confirmed-round").asLong(0);
    }

    /** {@code POST /v2/transactions} of signed transactions back to back; the status and body algod answered. */
    public HttpResponse<String> submit(byte[] signedGroup) {
        return send(HttpRequest.newBuilder(URI.create(url + "/v2/transactions"))
                .header("Content-Type", "application/x-binary")
                .POST(HttpRequest.BodyPublishers.ofByteArray(signedGroup)));
    }

    /** Holds every accepted group in the pool until {@link #resume()}. */
    public void pause() {
        post("/devnet/pause", "{}");
    }

    public void resume() {
        post("/devnet/resume", "{}");
    }

    /** Produces {@code count} rounds. */
    public void rounds(int count) {
        post("/devnet/rounds", "{\"count\":" + count + "}");
    }

    /** Drops a pooled transaction with algod's pool-error path. */
    public void evict(String txId, String message) {
        post("/devnet/evict/" + txId, JSON.createObjectNode().put("message", message).toString());
    }

    /**
     * {@code GET /devnet/confirmed}: every transaction the devnet committed from {@code fromRound} on
     * ({@code transactions}, oldest first) and whether that list is {@code complete}.
     */
    public JsonNode confirmedSince(long fromRound) {
        return get("/devnet/confirmed?from-round=" + fromRound);
    }

    /** The devnet's pool, as lists of txids per group. */
    public JsonNode pool() {
        return get("/devnet/state").path("pool");
    }

    private JsonNode get(String path) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url + path)));
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return parse(r);
    }

    private JsonNode post(String path, String body) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        if (r.statusCode() != 200) {
            throw new IllegalStateException("POST " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return parse(r);
    }

    private HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return http.send(b.timeout(TIMEOUT).header("X-Algo-API-Token", token).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode parse(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
