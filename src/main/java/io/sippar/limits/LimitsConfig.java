package io.sippar.limits;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Abuse limits: request rates per client IP and per payer (in memory, per pod) and ceilings on the
 * network fees the gateway pays to settle (in Postgres, cluster-wide). Rates are token buckets:
 * {@code rate} requests per second sustained, {@code burst} at once.
 */
@ConfigMapping(prefix = "sippar.limits")
public interface LimitsConfig {

    /** Master switch for the rate limits (the gas ceilings apply whenever one is configured); default true. */
    @WithDefault("true")
    boolean enabled();

    /** 402 challenges (requests without a payment) per second per client IP; default 1000. */
    @WithDefault("1000")
    long challengeRate();

    /** Burst of 402 challenges per client IP; default 2000. */
    @WithDefault("2000")
    long challengeBurst();

    /** Paid requests (anything carrying a payment header) per second per client IP; default 200. */
    @WithDefault("200")
    long verifyIpRate();

    /** Burst of paid requests per client IP; default 400. */
    @WithDefault("400")
    long verifyIpBurst();

    /** Verifications per second per payer address and network, at the edge and the facilitator API; default 50. */
    @WithDefault("50")
    long verifyPayerRate();

    /** Burst of verifications per payer; default 100. */
    @WithDefault("100")
    long verifyPayerBurst();

    /**
     * Requests with an API key that is not a live key (unknown, revoked) per second per client IP,
     * sustained; past the burst every keyed request from that address is 429 until the bucket refills,
     * before any key lookup; default 5.
     */
    @WithDefault("5")
    long authFailureRate();

    /** Burst of failed API-key requests per client IP; default 100. */
    @WithDefault("100")
    long authFailureBurst();

    /** Most clients (IPs or payers) each limiter tracks; the least recently seen are forgotten first; default 100000. */
    @WithDefault("100000")
    int maxTrackedClients();

    /** IPv6 clients are limited per prefix of this length (one host usually owns a /64); default 64. */
    @WithDefault("64")
    int ipv6PrefixLength();

    /**
     * Proxies (CIDR list, e.g. {@code 10.0.0.0/8,fd00::/8}) whose {@code X-Forwarded-For} is believed;
     * default none: the client is always the connection's remote address.
     */
    Optional<List<String>> trustedProxies();

    /** Ceilings on network fees the gateway pays for settlements. */
    Gas gas();

    /** Network-fee ceilings, in the network's native atomic unit (wei on EVM, microAlgos on Algorand). */
    interface Gas {

        /** Length of a ceiling period, aligned to the UTC epoch (P1D = UTC days); default P1D. */
        @WithDefault("P1D")
        Duration period();

        /**
         * Most one merchant may cost the gateway per period, by CAIP-2 network
         * ({@code sippar.limits.gas.merchant-ceiling."eip155:8453"=50000000000000000}); none by default.
         */
        Map<String, String> merchantCeiling();

        /** Most all merchants together may cost per period, by CAIP-2 network; none by default. */
        Map<String, String> networkCeiling();
    }
}
