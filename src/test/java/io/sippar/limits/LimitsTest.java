package io.sippar.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sippar.algorand.TestAvmPayments;
import io.sippar.evm.TestPayments;
import io.sippar.ledger.GasBudgetRepository;
import io.sippar.scheme.NetworkFee;
import io.sippar.testsupport.AlgodFixture;
import io.sippar.testsupport.AlgodQueries;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.testsupport.TokenReader;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Every abuse limit against the running gateway: under the limit passes, over it is 429 problem+json
 * with Retry-After and the metric counts it, the limit recovers after its window, and
 * X-Forwarded-For moves a client to another bucket only when it comes from a trusted proxy. Clients
 * are told apart by their loopback source address (127.0.0.x), so each test has buckets of its own.
 */
@QuarkusTest
@TestProfile(LimitsTest.TightLimits.class)
class LimitsTest {

    /** The seconds of a gas-ceiling period in this profile. */
    static final int GAS_PERIOD_SECONDS = 6;
    /** Merchant ceiling on the devnet: room for many settlements, until a test fills it. */
    static final BigInteger MERCHANT_CEILING = new BigInteger("1000000000000000000");
    static final BigInteger NETWORK_CEILING = new BigInteger("2000000000000000000");
    /** All merchants' fee payer fees on the Algorand devnet, in microAlgo. */
    static final BigInteger ALGORAND_CEILING = BigInteger.valueOf(1_000_000);
    /** What the fee payer pays for the client's group of two. */
    static final BigInteger ALGORAND_GROUP_FEE = BigInteger.valueOf(2000);
    static final String ALGORAND = "algorand:SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=";

    /** Small limits, 127.0.0.2 as the only trusted proxy, gas ceilings on the devnet. */
    public static class TightLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("sippar.limits.challenge-rate", "2");
            m.put("sippar.limits.challenge-burst", "3");
            m.put("sippar.limits.verify-ip-rate", "2");
            m.put("sippar.limits.verify-ip-burst", "4");
            m.put("sippar.limits.verify-payer-rate", "1");
            m.put("sippar.limits.verify-payer-burst", "2");
            m.put("sippar.limits.auth-failure-rate", "1");
            m.put("sippar.limits.auth-failure-burst", "3");
            m.put("sippar.limits.trusted-proxies", "127.0.0.2/32");
            m.put("sippar.limits.gas.period", "PT" + GAS_PERIOD_SECONDS + "S");
            m.put("sippar.limits.gas.merchant-ceiling.\"eip155:31337\"", MERCHANT_CEILING.toString());
            m.put("sippar.limits.gas.network-ceiling.\"eip155:31337\"", NETWORK_CEILING.toString());
            m.put("sippar.limits.gas.network-ceiling.\"" + ALGORAND + "\"", ALGORAND_CEILING.toString());
            return m;
        }
    }

    private static final Map<String, HttpClient> CLIENTS = new ConcurrentHashMap<>();
    private static final String API_KEY = "Bearer sk_test_acme_0123456789abcdefghijklmn";

    @TestHTTPResource("/demo/weather")
    URL demo;
    @TestHTTPResource("/paid/algo/weather")
    URL paidAlgo;

    @Inject
    Pool pool;
    @Inject
    GasBudget gas;
    @Inject
    GasBudgetRepository repository;

    // ------------------------------------------------------------------ challenges per IP

    @Test
    void challengesOverTheBurstAre429WithRetryAfterAndCountedAndRecover() throws Exception {
        String ip = "127.0.0.11";
        double before = exceeded("challenge_ip", "all");
        for (int i = 0; i < 3; i++) {
            assertEquals(402, get(ip, demo, Map.of()).statusCode(), "challenge " + i + " is within the burst");
        }
        HttpResponse<String> limited = get(ip, demo, Map.of());
        assertTooMany(limited, "rate_limited");
        assertEquals(before + 1, exceeded("challenge_ip", "all"));
        // 2 per second: one token back after the Retry-After the client was given
        Thread.sleep(1000L * Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow()));
        assertEquals(402, get(ip, demo, Map.of()).statusCode(), "recovered after Retry-After");
    }

    @Test
    void anotherAddressHasItsOwnBucket() throws Exception {
        exhaustChallenges("127.0.0.12");
        assertEquals(402, get("127.0.0.13", demo, Map.of()).statusCode());
    }

    @Test
    void forwardedForFromAnUntrustedPeerIsIgnored() throws Exception {
        String ip = "127.0.0.14";
        exhaustChallenges(ip);
        // a client naming a fresh address of its own still counts as itself
        assertTooMany(get(ip, demo, Map.of("X-Forwarded-For", "203.0.113.77")), "rate_limited");
    }

    @Test
    void forwardedForFromTheTrustedProxyNamesTheClient() throws Exception {
        String proxy = "127.0.0.2";
        for (int i = 0; i < 3; i++) {
            assertEquals(402, get(proxy, demo, Map.of("X-Forwarded-For", "203.0.113.10")).statusCode());
        }
        assertTooMany(get(proxy, demo, Map.of("X-Forwarded-For", "203.0.113.10")), "rate_limited");
        // another client behind the same proxy is not affected
        assertEquals(402, get(proxy, demo, Map.of("X-Forwarded-For", "203.0.113.11")).statusCode());
        // nor can a client behind the proxy pick its address by prepending one
        assertTooMany(get(proxy, demo, Map.of("X-Forwarded-For", "198.51.100.1, 203.0.113.10")), "rate_limited");
    }

    // ------------------------------------------------------------------ paid requests per IP

    @Test
    void paidRequestsOverTheBurstAre429BeforeAnyDecoding() throws Exception {
        String ip = "127.0.0.15";
        double before = exceeded("verify_ip", "all");
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = get(ip, demo, Map.of("PAYMENT-SIGNATURE", "not base64!"));
            assertEquals(402, r.statusCode(), "paid request " + i + " is within the burst");
        }
        assertTooMany(get(ip, demo, Map.of("PAYMENT-SIGNATURE", "not base64!")), "rate_limited");
        assertEquals(before + 1, exceeded("verify_ip", "all"));
        // challenges have their own bucket
        assertEquals(402, get(ip, demo, Map.of()).statusCode());
    }

    // ------------------------------------------------------------------ verifications per payer

    @Test
    void aPayerOverItsBurstIs429AtTheEdgeWhateverItsAddressAndRecovers() throws Exception {
        AnvilFixture chain = ChainsTestResource.devnet();
        String key = chain.account(3).privateKey();
        JsonNode offer = offer();
        double before = exceeded("verify_payer", "eip155:31337");
        // a bad signature still names the payer: each attempt counts
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = get("127.0.0.2" + i, demo, Map.of("PAYMENT-SIGNATURE", badSignature(offer, key)));
            assertEquals(402, r.statusCode(), r.body());
        }
        HttpResponse<String> limited = get("127.0.0.22", demo, Map.of("PAYMENT-SIGNATURE", badSignature(offer, key)));
        assertTooMany(limited, "rate_limited");
        assertEquals(before + 1, exceeded("verify_payer", "eip155:31337"));
        // another payer from the same address is fine
        HttpResponse<String> other = get("127.0.0.22", demo,
                Map.of("PAYMENT-SIGNATURE", badSignature(offer, chain.account(5).privateKey())));
        assertEquals(402, other.statusCode());
        Thread.sleep(1000L * Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow()));
        assertEquals(402, get("127.0.0.23", demo, Map.of("PAYMENT-SIGNATURE", badSignature(offer, key))).statusCode(),
                "recovered after Retry-After");
    }

    @Test
    void aPayerOverItsBurstIs429AtTheFacilitator() throws Exception {
        AnvilFixture chain = ChainsTestResource.devnet();
        String key = chain.account(6).privateKey();
        JsonNode offer = offer();
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = post("127.0.0.31", "/verify", facilitatorBody(offer, key));
            assertEquals(200, r.statusCode(), r.body());
        }
        assertTooMany(post("127.0.0.31", "/verify", facilitatorBody(offer, key)), "rate_limited");
        assertTooMany(post("127.0.0.31", "/settle", facilitatorBody(offer, key)), "rate_limited");
    }

    // ------------------------------------------------------------------ invalid API keys per IP

    private static final String MADE_UP_KEY = "Bearer sk_test_madeup_0123456789abcdefghijk";

    @Test
    void anAddressSendingMadeUpApiKeysIs429BeforeAnyLookupEvenWithAValidKeyUntilItsBucketRefills() throws Exception {
        String ip = "127.0.0.41";
        URL me = new URL(demo, "/merchant/me");
        double before = exceeded("auth_ip", "all");
        for (int i = 0; i < 3; i++) {
            assertEquals(401, get(ip, me, Map.of("Authorization", MADE_UP_KEY)).statusCode(), "failure " + i);
        }
        assertTooMany(get(ip, me, Map.of("Authorization", MADE_UP_KEY)), "rate_limited");
        HttpResponse<String> valid = get(ip, me, Map.of("Authorization", API_KEY));
        assertTooMany(valid, "rate_limited");
        assertEquals(before + 2, exceeded("auth_ip", "all"));
        // a valid key from another address, and a request without a key, are not affected
        assertEquals(200, get("127.0.0.42", me, Map.of("Authorization", API_KEY)).statusCode());
        assertEquals(402, get(ip, demo, Map.of()).statusCode());
        Thread.sleep(1000L * Long.parseLong(valid.headers().firstValue("Retry-After").orElseThrow()));
        assertEquals(200, get(ip, me, Map.of("Authorization", API_KEY)).statusCode(), "recovered after Retry-After");
    }

    @Test
    void madeUpApiKeysAtTheFacilitatorAre401ThenThe429() throws Exception {
        String ip = "127.0.0.43";
        String body = facilitatorBody(offer(), ChainsTestResource.devnet().account(7).privateKey());
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = post(ip, "/verify", body, MADE_UP_KEY);
            assertEquals(401, r.statusCode(), r.body());
        }
        assertTooMany(post(ip, "/settle", body, MADE_UP_KEY), "rate_limited");
        assertTooMany(post(ip, "/verify", body, API_KEY), "rate_limited");
    }

    // ------------------------------------------------------------------ gas ceilings

    @Test
    void aSettlementIsChargedExactlyItsGasUsedTimesEffectivePrice() throws Exception {
        AnvilFixture chain = ChainsTestResource.devnet();
        HttpResponse<String> paid = get("127.0.0.41", demo,
                Map.of("PAYMENT-SIGNATURE", TestPayments.v2Header(offer(), chain.account(4).privateKey())));
        assertEquals(200, paid.statusCode(), paid.body());
        String tx = HeaderCodec.decodeJson(paid.headers().firstValue("PAYMENT-RESPONSE").orElseThrow())
                .get("transaction").asText();
        Row hold = pool.preparedQuery("""
                SELECT h.state, h.held, h.spent FROM gas_hold h JOIN payment p ON p.id = h.payment_id
                 WHERE p.tx_hash = $1""").execute(Tuple.of(tx)).await().atMost(Duration.ofSeconds(10)).iterator().next();
        try (TokenReader token = new TokenReader(chain)) {
            var receipt = token.receipt(tx);
            BigInteger fee = receipt.getGasUsed().multiply(org.web3j.utils.Numeric.decodeQuantity(
                    receipt.getEffectiveGasPrice()));
            assertEquals("charged", hold.getString("state"));
            assertEquals(fee, hold.getBigDecimal("spent").toBigIntegerExact());
            assertTrue(hold.getBigDecimal("held").toBigIntegerExact().compareTo(fee) >= 0,
                    "the hold was the worst case, at least what was paid");
        }
    }

    @Test
    void aMerchantOverItsGasCeilingIs429BeforeBroadcastAndPaysAfterTheWindow() throws Exception {
        verifyCeiling("merchant:" + demoMerchant(), MERCHANT_CEILING, "gas_merchant", 7, "127.0.0.51");
    }

    @Test
    void aNetworkOverItsGasCeilingIs429BeforeBroadcastAndPaysAfterTheWindow() throws Exception {
        verifyCeiling("network", NETWORK_CEILING, "gas_network", 1, "127.0.0.52");
    }

    /**
     * Fills one scope's counter for the current period as other pods' settlements would, then: the
     * next paid request is refused with 429 gas_budget_exceeded before anything is broadcast, its
     * authorization is released (not failed), nothing moves on chain; in the next period the very
     * same authorization pays.
     */
    private void verifyCeiling(String scope, BigInteger ceiling, String limit, int payerIndex, String ip)
            throws Exception {
        AnvilFixture chain = ChainsTestResource.devnet();
        AnvilFixture.Account payer = chain.account(payerIndex);
        String header = TestPayments.v2Header(offer(), payer.privateKey());
        OffsetDateTime period = awaitFreshPeriod();
        pool.preparedQuery("""
                INSERT INTO gas_spend (scope, network, period_start, spent) VALUES ($1, 'eip155:31337', $2, $3)
                ON CONFLICT (scope, network, period_start) DO UPDATE SET spent = EXCLUDED.spent""")
                .execute(Tuple.of(scope, period, new java.math.BigDecimal(ceiling)))
                .await().atMost(Duration.ofSeconds(10));
        double before = exceeded(limit, "eip155:31337");
        try (TokenReader token = new TokenReader(chain)) {
            BigInteger balance = token.balance(payer.address());
            HttpResponse<String> refused = get(ip, demo, Map.of("PAYMENT-SIGNATURE", header));
            assertTooMany(refused, "gas_budget_exceeded");
            long retry = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
            assertTrue(retry >= 1 && retry <= GAS_PERIOD_SECONDS + 1, "Retry-After points at the next period: " + retry);
            assertEquals(before + 1, exceeded(limit, "eip155:31337"));
            assertEquals(balance, token.balance(payer.address()), "nothing moved on chain");
            String nonce = HeaderCodec.decodeJson(header).at("/payload/authorization/nonce").asText();
            Row row = pool.preparedQuery("SELECT id, state, tx_hash FROM payment WHERE chain_ref = $1")
                    .execute(Tuple.of(nonce)).await().atMost(Duration.ofSeconds(10)).iterator().next();
            assertEquals("released", row.getString("state"), "the authorization stays usable");
            assertEquals(null, row.getString("tx_hash"));
            assertEquals(0L, pool.preparedQuery("SELECT count(*) FROM gas_hold WHERE payment_id = $1")
                    .execute(Tuple.of(row.getUUID("id"))).await().atMost(Duration.ofSeconds(10)).iterator().next()
                    .getLong(0), "the refused hold was rolled back");
            Thread.sleep(1000L * retry);
            HttpResponse<String> paid = get(ip, demo, Map.of("PAYMENT-SIGNATURE", header));
            assertEquals(200, paid.statusCode(), paid.body());
            assertEquals(balance.subtract(new BigInteger(offer().get("amount").asText())), token.balance(payer.address()));
        }
    }

    @Test
    void anAlgorandSettlementHoldsAndIsChargedExactlyTheFeePayersFeesInMicroAlgos() throws Exception {
        AlgodFixture algod = ChainsTestResource.algorand();
        AlgodQueries chain = new AlgodQueries(algod);
        String feePayer = algod.feePayer().address();
        BigInteger feePayerBefore = chain.algo(feePayer);
        String header = TestAvmPayments.v2Header(algorandOffer(), algod.account("payer-1"), chain.lastRound());

        HttpResponse<String> paid = get("127.0.0.42", paidAlgo, Map.of("PAYMENT-SIGNATURE", header));

        assertEquals(200, paid.statusCode(), paid.body());
        String tx = HeaderCodec.decodeJson(paid.headers().firstValue("PAYMENT-RESPONSE").orElseThrow())
                .get("transaction").asText();
        Row hold = pool.preparedQuery("""
                SELECT h.state, h.held, h.spent, h.network FROM gas_hold h JOIN payment p ON p.id = h.payment_id
                 WHERE p.tx_hash = $1""").execute(Tuple.of(tx)).await().atMost(Duration.ofSeconds(10)).iterator().next();
        assertEquals(ALGORAND, hold.getString("network"));
        assertEquals("charged", hold.getString("state"));
        assertEquals(ALGORAND_GROUP_FEE, hold.getBigDecimal("held").toBigIntegerExact(), "a group's fee is known exactly");
        assertEquals(ALGORAND_GROUP_FEE, hold.getBigDecimal("spent").toBigIntegerExact());
        assertEquals(feePayerBefore.subtract(ALGORAND_GROUP_FEE), chain.algo(feePayer), "what the fee payer paid");
    }

    /**
     * The Algorand network's counter filled to its ceiling in microAlgo: the paid request is 429
     * gas_budget_exceeded before the group is submitted (nothing in the pool, nothing moved, the fee
     * payer pays nothing), the payment is released, and the same group pays in the next period.
     */
    @Test
    void anAlgorandNetworkOverItsCeilingInMicroAlgosIs429BeforeSubmitAndPaysAfterTheWindow() throws Exception {
        AlgodFixture algod = ChainsTestResource.algorand();
        AlgodQueries chain = new AlgodQueries(algod);
        AlgodFixture.Account payer = algod.account("payer-6");
        String feePayer = algod.feePayer().address();
        ObjectNode payload = TestAvmPayments.v2Payload(algorandOffer(), payer, chain.lastRound());
        String header = HeaderCodec.encode(payload);
        OffsetDateTime period = awaitFreshPeriod();
        pool.preparedQuery("""
                INSERT INTO gas_spend (scope, network, period_start, spent) VALUES ('network', $1, $2, $3)
                ON CONFLICT (scope, network, period_start) DO UPDATE SET spent = EXCLUDED.spent""")
                .execute(Tuple.of(ALGORAND, period, new java.math.BigDecimal(ALGORAND_CEILING.subtract(BigInteger.ONE))))
                .await().atMost(Duration.ofSeconds(10));
        double before = exceeded("gas_network", ALGORAND);
        BigInteger usdc = chain.assetBalance(payer.address(), algod.usdcAssetId());
        BigInteger feePayerAlgo = chain.algo(feePayer);

        HttpResponse<String> refused = get("127.0.0.53", paidAlgo, Map.of("PAYMENT-SIGNATURE", header));

        assertTooMany(refused, "gas_budget_exceeded");
        long retry = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retry >= 1 && retry <= GAS_PERIOD_SECONDS + 1, "Retry-After points at the next period: " + retry);
        assertEquals(before + 1, exceeded("gas_network", ALGORAND));
        Row row = pool.preparedQuery("""
                SELECT id, state, tx_hash, chain_ref FROM payment WHERE network = $1 AND payer = $2
                 ORDER BY created_at DESC LIMIT 1""")
                .execute(Tuple.of(ALGORAND, payer.address())).await().atMost(Duration.ofSeconds(10)).iterator().next();
        assertEquals("released", row.getString("state"), "the group stays usable");
        assertEquals(null, row.getString("tx_hash"));
        assertTrue(chain.pending(row.getString("chain_ref")).isMissingNode(), "the group never reached the node");
        assertEquals(usdc, chain.assetBalance(payer.address(), algod.usdcAssetId()), "nothing moved");
        assertEquals(feePayerAlgo, chain.algo(feePayer), "the fee payer paid nothing");

        Thread.sleep(1000L * retry);
        HttpResponse<String> paid = get("127.0.0.53", paidAlgo, Map.of("PAYMENT-SIGNATURE", header));
        assertEquals(200, paid.statusCode(), paid.body());
        assertEquals(usdc.subtract(new BigInteger(algorandOffer().get("amount").asText())),
                chain.assetBalance(payer.address(), algod.usdcAssetId()));
        assertEquals(feePayerAlgo.subtract(ALGORAND_GROUP_FEE), chain.algo(feePayer));
    }

    @Test
    void concurrentHoldsNeverOvershootTheCeiling() throws Exception {
        UUID merchant = demoMerchant();
        List<UUID> payments = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            payments.add(verifiedPayment(merchant));
        }
        OffsetDateTime period = OffsetDateTime.parse("2001-01-01T00:00:00Z");
        String scope = "merchant:" + merchant;
        Map<String, BigInteger> ceilings = Map.of(scope, BigInteger.valueOf(25_000));
        List<Uni<Boolean>> holds = new ArrayList<>();
        for (UUID p : payments) {
            holds.add(repository.holdAndStartSettling(p, "eip155:999001", period, ceilings, BigInteger.valueOf(1000))
                    .map(refusal -> refusal.isEmpty()));
        }
        List<Boolean> results = Uni.join().all(holds).andFailFast().await().atMost(Duration.ofSeconds(60));
        assertEquals(25, results.stream().filter(b -> b).count(), "exactly the holds that fit");
        assertEquals(List.of(BigInteger.valueOf(25_000), BigInteger.ZERO),
                repository.totals(scope, "eip155:999001", period).await().atMost(Duration.ofSeconds(10)));
        // the winners are settling, the others still verified (free to be released)
        long settling = pool.preparedQuery("SELECT count(*) FROM payment WHERE id = ANY($1) AND state = 'settling'")
                .execute(Tuple.of(payments.toArray(new UUID[0]))).await().atMost(Duration.ofSeconds(10))
                .iterator().next().getLong(0);
        assertEquals(25, settling);
        // charge some below their hold, release the others: held returns to zero, spent is exact
        int charged = 0;
        for (int i = 0; i < payments.size(); i++) {
            if (!results.get(i)) {
                continue;
            }
            if (charged < 10) {
                assertTrue(repository.charge(payments.get(i), BigInteger.valueOf(600)).await().atMost(Duration.ofSeconds(10)));
                charged++;
            } else {
                assertTrue(repository.release(payments.get(i)).await().atMost(Duration.ofSeconds(10)));
            }
            // closing twice changes nothing
            assertEquals(false, repository.charge(payments.get(i), BigInteger.valueOf(600))
                    .await().atMost(Duration.ofSeconds(10)));
        }
        assertEquals(List.of(BigInteger.ZERO, BigInteger.valueOf(6000)),
                repository.totals(scope, "eip155:999001", period).await().atMost(Duration.ofSeconds(10)));
    }

    @Test
    void aHoldCanBeRaisedOnlyWithinTheCeiling() {
        UUID merchant = demoMerchant();
        UUID payment = verifiedPayment(merchant);
        OffsetDateTime period = OffsetDateTime.parse("2001-01-02T00:00:00Z");
        Map<String, BigInteger> ceilings = Map.of("network", BigInteger.valueOf(5000));
        assertTrue(repository.holdAndStartSettling(payment, "eip155:999002", period, ceilings, BigInteger.valueOf(3000))
                .await().atMost(Duration.ofSeconds(10)).isEmpty());
        assertTrue(repository.raiseHold(payment, ceilings, BigInteger.valueOf(5000)).await().atMost(Duration.ofSeconds(10)));
        assertEquals(false, repository.raiseHold(payment, ceilings, BigInteger.valueOf(5001))
                .await().atMost(Duration.ofSeconds(10)));
        assertEquals(List.of(BigInteger.valueOf(5000), BigInteger.ZERO),
                repository.totals("network", "eip155:999002", period).await().atMost(Duration.ofSeconds(10)));
    }

    @Test
    void periodsAreAlignedToTheEpoch() {
        OffsetDateTime start = gas.periodStart(Instant.parse("2026-01-01T00:00:13.500Z"));
        assertEquals(0, start.toEpochSecond() % GAS_PERIOD_SECONDS);
        assertTrue(!start.toInstant().isAfter(Instant.parse("2026-01-01T00:00:13.500Z")));
        assertEquals(gas.limits("eip155:31337"), true);
        assertEquals(gas.limits("eip155:84532"), false);
        assertNotNull(new NetworkFee("eip155:1", BigInteger.ONE));
    }

    // ------------------------------------------------------------------ helpers

    /** Waits until a new gas period has just begun, so a test does not straddle two. */
    private OffsetDateTime awaitFreshPeriod() throws InterruptedException {
        OffsetDateTime now = gas.periodStart(Instant.now());
        OffsetDateTime next = now.plusSeconds(GAS_PERIOD_SECONDS);
        long wait = Duration.between(Instant.now(), next.toInstant()).toMillis() + 50;
        Thread.sleep(Math.max(0, wait));
        return gas.periodStart(Instant.now());
    }

    private void exhaustChallenges(String ip) throws Exception {
        for (int i = 0; i < 3; i++) {
            get(ip, demo, Map.of());
        }
        assertTooMany(get(ip, demo, Map.of()), "rate_limited");
    }

    private static void assertTooMany(HttpResponse<String> r, String reason) throws IOException {
        assertEquals(429, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        assertEquals(reason, X402Json.MAPPER.readTree(r.body()).get("reason").asText());
        long retry = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retry >= 1, "Retry-After " + retry);
    }

    private static JsonNode offer;

    /** The demo route's offer, fetched once (its challenges are rate limited too). */
    private synchronized JsonNode offer() throws Exception {
        if (offer == null) {
            offer = HeaderCodec.decodeJson(get("127.0.0.99", demo, Map.of()).headers().firstValue("PAYMENT-REQUIRED")
                    .orElseThrow()).at("/accepts/0");
        }
        return offer;
    }

    private static JsonNode algorandOffer;

    /** The paid-algo route's offer, fetched once. */
    private synchronized JsonNode algorandOffer() throws Exception {
        if (algorandOffer == null) {
            algorandOffer = HeaderCodec.decodeJson(get("127.0.0.97", paidAlgo, Map.of()).headers()
                    .firstValue("PAYMENT-REQUIRED").orElseThrow()).at("/accepts/0");
        }
        return algorandOffer;
    }

    private static String badSignature(JsonNode offer, String key) {
        ObjectNode p = TestPayments.v2Payload(offer, key);
        ((ObjectNode) p.get("payload")).put("signature", "0x" + "11".repeat(65));
        return HeaderCodec.encode(p);
    }

    private static String facilitatorBody(JsonNode offer, String key) {
        ObjectNode body = X402Json.MAPPER.createObjectNode();
        body.put("x402Version", 2);
        body.set("paymentPayload", TestPayments.v2Payload(offer, key));
        body.set("paymentRequirements", offer);
        return body.toString();
    }

    private UUID demoMerchant() {
        return pool.query("SELECT merchant_id FROM route WHERE path_pattern = '/demo/weather'").execute()
                .await().atMost(Duration.ofSeconds(10)).iterator().next().getUUID(0);
    }

    /** A payment row in state verified, as the flow leaves it right before settlement. */
    private UUID verifiedPayment(UUID merchant) {
        UUID id = pool.preparedQuery("""
                INSERT INTO payment (merchant_id, x402_version, scheme, network, asset, payer, pay_to, amount, chain_ref)
                VALUES ($1, 2, 'exact', 'eip155:999000', '0xasset', '0xpayer', '0xpayto', 1, $2) RETURNING id""")
                .execute(Tuple.of(merchant, UUID.randomUUID().toString())).await().atMost(Duration.ofSeconds(10))
                .iterator().next().getUUID(0);
        pool.preparedQuery("UPDATE payment SET state = 'verified' WHERE id = $1").execute(Tuple.of(id))
                .await().atMost(Duration.ofSeconds(10));
        return id;
    }

    /** The value of sippar_limit_exceeded_total for one limit and network (0 when not yet counted). */
    private double exceeded(String limit, String network) throws Exception {
        String metrics = get("127.0.0.98", new URL(demo, "/q/metrics"), Map.of()).body();
        for (String line : metrics.split("\n")) {
            if (line.startsWith("sippar_limit_exceeded_total{") && line.contains("limit=\"" + limit + "\"")
                    && line.contains("network=\"" + network + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private static HttpClient client(String localIp) throws IOException {
        HttpClient c = CLIENTS.get(localIp);
        if (c == null) {
            c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).localAddress(InetAddress.getByName(localIp))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            CLIENTS.put(localIp, c);
        }
        return c;
    }

    private static HttpResponse<String> get(String fromIp, URL url, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(url.toURI()).timeout(Duration.ofSeconds(60)).GET();
        headers.forEach(b::header);
        return client(fromIp).send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String fromIp, String path, String body) throws Exception {
        return post(fromIp, path, body, API_KEY);
    }

    private HttpResponse<String> post(String fromIp, String path, String body, String authorization) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(new URL(demo, path).toString())).timeout(Duration.ofSeconds(60))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return client(fromIp).send(r, HttpResponse.BodyHandlers.ofString());
    }
}
