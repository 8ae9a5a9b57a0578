package io.sippar.limits;

import io.sippar.x402.ReasonCode;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The request-rate limits: 402 challenges and paid requests per client IP, verifications per payer.
 * Buckets live in this pod's memory, so with N pods behind a load balancer the effective cluster
 * limit is up to N times the configured one; that is the intended trade (no shared state on the hot
 * path) for limits whose job is to blunt floods, not to meter.
 */
@ApplicationScoped
public class RequestLimits {

    /** The {@code limit} tag values of {@code sippar_limit_exceeded_total}. */
    static final String CHALLENGE_IP = "challenge_ip";
    static final String VERIFY_IP = "verify_ip";
    static final String VERIFY_PAYER = "verify_payer";
    static final String AUTH_IP = "auth_ip";

    private final boolean enabled;
    private final RateLimiter challenges;
    private final RateLimiter verifyByIp;
    private final RateLimiter verifyByPayer;
    private final RateLimiter authFailures;
    private final ClientAddresses clients;
    private final LimitMetrics metrics;

    public RequestLimits(LimitsConfig config, LimitMetrics metrics) {
        this.enabled = config.enabled();
        int max = config.maxTrackedClients();
        this.challenges = new RateLimiter(config.challengeRate(), config.challengeBurst(), max, System::nanoTime);
        this.verifyByIp = new RateLimiter(config.verifyIpRate(), config.verifyIpBurst(), max, System::nanoTime);
        this.verifyByPayer = new RateLimiter(config.verifyPayerRate(), config.verifyPayerBurst(), max,
                System::nanoTime);
        this.authFailures = new RateLimiter(config.authFailureRate(), config.authFailureBurst(), max,
                System::nanoTime);
        this.clients = new ClientAddresses(config.trustedProxies().orElse(List.of()), config.ipv6PrefixLength());
        this.metrics = metrics;
    }

    /** A 402 challenge for this request's client; empty = go ahead. */
    public Optional<LimitExceededException> challenge(HttpServerRequest request) {
        return check(challenges, CHALLENGE_IP, clientKey(request), "all", "too many unpaid requests from your address");
    }

    /** A paid request (payment header present) from this request's client; empty = go ahead. */
    public Optional<LimitExceededException> paidRequest(HttpServerRequest request) {
        return check(verifyByIp, VERIFY_IP, clientKey(request), "all", "too many paid requests from your address");
    }

    /** A verification for {@code payer} on {@code network}; empty = go ahead. */
    public Optional<LimitExceededException> verification(String network, String payer) {
        String key = network + "|" + (payer == null ? "" : payer.toLowerCase(Locale.ROOT));
        return check(verifyByPayer, VERIFY_PAYER, key, network, "too many payments from this payer");
    }

    /**
     * Whether this request's client has failed API-key checks too often to have its key looked up at
     * all (takes nothing); empty = go ahead. Guessing keys is hopeless (256 bits), so this bounds the
     * database work an address can cause with made-up keys.
     */
    public Optional<LimitExceededException> apiKeyAllowed(HttpServerRequest request) {
        if (!enabled) {
            return Optional.empty();
        }
        long wait = authFailures.peek(clientKey(request));
        if (wait == 0) {
            return Optional.empty();
        }
        metrics.exceeded(AUTH_IP, "all");
        long seconds = RateLimiter.retryAfterSeconds(wait);
        return Optional.of(new LimitExceededException(AUTH_IP, ReasonCode.RATE_LIMITED, seconds,
                "too many requests with an invalid API key from your address; retry in " + seconds + " s"));
    }

    /** Counts a request whose API key was not a live key against its client. */
    public void apiKeyFailed(HttpServerRequest request) {
        if (enabled) {
            authFailures.acquire(clientKey(request));
        }
    }

    /** The limiter key of the request's client (trusted proxies honoured). */
    String clientKey(HttpServerRequest request) {
        // the connection's peer, never a value rewritten from forwarding headers by the HTTP layer
        SocketAddress peer = request.connection() == null ? request.remoteAddress()
                : request.connection().remoteAddress();
        String host = peer == null ? "unknown" : peer.hostAddress();
        return clients.clientKey(host, request.headers().getAll("X-Forwarded-For"));
    }

    private Optional<LimitExceededException> check(RateLimiter limiter, String limit, String key, String network,
            String message) {
        if (!enabled) {
            return Optional.empty();
        }
        long wait = limiter.acquire(key);
        if (wait == 0) {
            return Optional.empty();
        }
        metrics.exceeded(limit, network);
        long seconds = RateLimiter.retryAfterSeconds(wait);
        return Optional.of(new LimitExceededException(limit, ReasonCode.RATE_LIMITED, seconds,
                message + "; retry in " + seconds + " s"));
    }
}
