package io.sippar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sippar.evm.TestPayments;
import io.sippar.testsupport.AlgodFixture;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.FaultAudit;
import io.sippar.testsupport.FaultGateway;
import io.sippar.testsupport.PodAudit;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import java.io.IOException;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Several gateway processes (the packaged jar) on one PostgreSQL and one anvil: the replay guard
 * and the settlement-key leases hold across processes, a graceful stop hands its key over, and a
 * rolling restart under load loses and double-counts nothing. Pods A and B share keys #9 and #8
 * (from a key directory); C and D share the single key #7. Every pod also knows the Algorand
 * devnet (with the fee payer's mnemonic), for the readiness probes and the log check.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiPodIT {

    private static final Duration START = Duration.ofSeconds(180);
    private static final Duration STOP = Duration.ofSeconds(120);
    private static final Duration REQUEST = Duration.ofSeconds(90);
    private static final String ADMIN_KEY = "sk_test_multipod_operator_0123456789abcdef";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private AnvilFixture anvil;
    private AlgodFixture algod;
    private EmbeddedDatabase db;
    private PodAudit audit;
    private Path keyDir;
    private FaultGateway a;
    private FaultGateway b;
    private final List<String> sentHeaders = new ArrayList<>();
    private final List<FaultGateway> retired = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        anvil = AnvilFixture.builder().chainId(31337).start();
        algod = AlgodFixture.builder().start();
        db = EmbeddedDatabase.start();
        audit = new PodAudit(anvil, jdbcUrl(), "postgres", "postgres");
        keyDir = Files.createTempDirectory("sippar-keys");
        Files.writeString(keyDir.resolve("key-1"), anvil.account(9).privateKey() + "\n");
        Files.writeString(keyDir.resolve("key-2"), anvil.account(8).privateKey());
        // what a mounted Secret also holds: never read as keys
        Files.createDirectory(keyDir.resolve("..2026_01_01_00_00_00.000000000"));
        Files.writeString(keyDir.resolve(".hidden"), "not a key");
        // A first so it migrates alone and takes the first key; B then gets the second
        a = pod("a", Map.of("sippar.evm.networks.devnet.settlement-key-dir", keyDir.toString()));
        b = pod("b", Map.of("sippar.evm.networks.devnet.settlement-key-dir", keyDir.toString()));
        a.awaitReadiness(200, START);
        b.awaitReadiness(200, START);
    }

    @AfterAll
    void stopAll() {
        for (FaultGateway p : new FaultGateway[] {a, b}) {
            if (p != null) {
                p.close();
            }
        }
        retired.forEach(FaultGateway::close);
        if (audit != null) {
            audit.close();
        }
        if (db != null) {
            db.close();
        }
        if (anvil != null) {
            anvil.close();
        }
        if (algod != null) {
            algod.close();
        }
    }

    private String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + db.port() + "/postgres";
    }

    private FaultGateway pod(String name, Map<String, String> keys) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DB_URL", "postgresql://127.0.0.1:" + db.port() + "/postgres");
        env.put("DB_USER", "postgres");
        env.put("DB_PASSWORD", "postgres");
        env.put("DB_POOL_SIZE", "8");
        env.put("SIPPAR_DEMO", "true");
        env.put("SIPPAR_LOG_JSON", "true");
        env.put("SIPPAR_ADMIN_API_KEY", ADMIN_KEY);
        Map<String, String> props = new LinkedHashMap<>();
        props.put("sippar.evm.networks.devnet.chain-id", "31337");
        props.put("sippar.evm.networks.devnet.rpc-urls", anvil.rpcUrl());
        props.put("sippar.evm.networks.devnet.rpc-timeout", "3s");
        props.putAll(keys);
        props.put("sippar.algorand.networks.devnet.network", "testnet");
        props.put("sippar.algorand.networks.devnet.algod-urls", algod.url());
        if (!algod.token().isEmpty()) {
            props.put("sippar.algorand.networks.devnet.algod-token", algod.token());
        }
        props.put("sippar.algorand.networks.devnet.fee-payer-mnemonic", algod.feePayer().mnemonic());
        // short leases so a takeover shows within the test; ttl - renew-interval > rpc-timeout
        props.put("sippar.key-leases.ttl", "10s");
        props.put("sippar.key-leases.renew-interval", "2s");
        props.put("sippar.health.interval", "2s");
        props.put("sippar.health.timeout", "2s");
        props.put("quarkus.log.category.\"io.sippar.gateway.PaymentFlow\".level", "DEBUG");
        return FaultGateway.start(name, env, props, "/q/health/started");
    }

    // ------------------------------------------------------------------ helpers

    private static JsonNode offered(FaultGateway pod) {
        HttpResponse<String> r = pod.get("/demo/weather");
        assertNotNull(r, pod.name() + " answers");
        assertEquals(402, r.statusCode(), r.body());
        return HeaderCodec.decodeJson(r.headers().firstValue("PAYMENT-REQUIRED").orElseThrow()).at("/accepts/0");
    }

    private String signed(FaultGateway pod) {
        String header = TestPayments.v2Header(offered(pod), anvil.payer().privateKey());
        synchronized (sentHeaders) {
            sentHeaders.add(header);
        }
        return header;
    }

    private static HttpResponse<String> pay(FaultGateway pod, String header) throws IOException {
        try {
            return HTTP.send(HttpRequest.newBuilder(pod.uri("/demo/weather?city=Nineveh")).timeout(REQUEST)
                    .header("PAYMENT-SIGNATURE", header).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static String nonce(String header) {
        return HeaderCodec.decodeJson(header).at("/payload/authorization/nonce").asText().toLowerCase(Locale.ROOT);
    }

    private static JsonNode settlement(HttpResponse<String> r) {
        return HeaderCodec.decodeJson(r.headers().firstValue("PAYMENT-RESPONSE").orElseThrow());
    }

    private static String refusal(HttpResponse<String> r) {
        return HeaderCodec.decodeJson(r.headers().firstValue("PAYMENT-REQUIRED").orElseThrow()).get("error").asText();
    }

    private static JsonNode json(String body) {
        try {
            return X402Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private static String keyCheck(String readinessBody) {
        for (JsonNode check : json(readinessBody).get("checks")) {
            if (check.get("name").asText().equals("settlement-keys")) {
                return check.at("/data/eip155:31337").asText();
            }
        }
        throw new AssertionError("no settlement-keys check in " + readinessBody);
    }

    private static JsonNode check(String readinessBody, String name) {
        for (JsonNode check : json(readinessBody).get("checks")) {
            if (check.get("name").asText().equals(name)) {
                return check;
            }
        }
        throw new AssertionError("no " + name + " check in " + readinessBody);
    }

    /** Sends {@code signal} (STOP, CONT) to processes by PID. */
    private static void signal(String signal, List<Long> pids) throws Exception {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        pids.forEach(p -> command.add(Long.toString(p)));
        Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " " + pids);
    }

    /** The embedded PostgreSQL's postmaster (found by its port) and every backend under it. */
    private List<Long> postgresPids() {
        List<Long> pids = new ArrayList<>();
        ProcessHandle.allProcesses()
                .filter(h -> h.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
                .filter(h -> h.info().arguments().map(a -> String.join(" ", a).contains("-p " + db.port() + " "))
                        .orElse(false))
                .forEach(h -> {
                    pids.add(h.pid());
                    h.descendants().forEach(d -> pids.add(d.pid()));
                });
        assertFalse(pids.isEmpty(), "the embedded postgres on port " + db.port());
        return pids;
    }

    /** Readiness answered without waiting on the stopped dependency: from memory, within a second. */
    private static String readyQuickly(FaultGateway pod) {
        long start = System.nanoTime();
        HttpResponse<String> r = pod.get("/q/health/ready");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertNotNull(r, "readiness answers");
        assertTrue(millis < 1_000, "readiness took " + millis + " ms");
        return r.body();
    }

    /** Pays once on {@code pod}, expecting 200 with a successful settlement; the transaction. */
    private String paidTx(FaultGateway pod) throws IOException {
        HttpResponse<String> r = pay(pod, signed(pod));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode s = settlement(r);
        assertTrue(s.get("success").asBoolean(), s.toString());
        return s.get("transaction").asText();
    }

    /** Two payments on {@code pod}, both sent from {@code address}; their nonces appended. */
    private void settleTwiceFrom(FaultGateway pod, String address, List<Long> nonces) throws IOException {
        for (int i = 0; i < 2; i++) {
            String tx = paidTx(pod);
            assertEquals(address.toLowerCase(Locale.ROOT), audit.sender(tx).toLowerCase(Locale.ROOT));
            nonces.add(audit.transactionNonce(tx));
        }
    }

    private static String settledFrom(FaultGateway pod) {
        return keyCheck(pod.awaitReadiness(200, START)).replaceAll("^UP: (0x[0-9a-fA-F]{40}).*$", "$1");
    }

    // ------------------------------------------------------------------ tests

    @Test
    @Order(1)
    void paymentSettledOnOnePodIsRefusedOnTheOther() throws Exception {
        String header = signed(a);
        HttpResponse<String> first = pay(a, header);
        assertEquals(200, first.statusCode(), first.body());
        assertTrue(settlement(first).get("success").asBoolean(), first.headers().toString());
        HttpResponse<String> replay = pay(b, header);
        assertEquals(402, replay.statusCode(), replay.body());
        assertEquals("payment_already_used", refusal(replay));
        assertEquals(1, audit.transfersOf(anvil.payer().address(), nonce(header)).size(), "one transfer on chain");
        assertEquals(1, audit.journalEntries(nonce(header)), "one journal entry");
    }

    @Test
    @Order(2)
    void concurrentDuplicatesAcrossBothPodsSettleExactlyOnce() throws Exception {
        String header = signed(a);
        int copies = 24;
        ExecutorService pool = Executors.newFixedThreadPool(copies);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < copies; i++) {
                FaultGateway pod = i % 2 == 0 ? a : b;
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                        return pay(pod, header);
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
            go.countDown();
            int served = 0;
            for (CompletableFuture<HttpResponse<String>> f : answers) {
                HttpResponse<String> r = f.get(3, TimeUnit.MINUTES);
                if (r.statusCode() == 200) {
                    served++;
                    assertTrue(settlement(r).get("success").asBoolean());
                } else {
                    assertEquals(402, r.statusCode(), r.body());
                    assertTrue(Set.of("payment_in_progress", "payment_already_used").contains(refusal(r)), refusal(r));
                }
            }
            assertEquals(1, served, "exactly one copy is served");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, audit.transfersOf(anvil.payer().address(), nonce(header)).size(), "one transfer on chain");
        assertEquals(1, audit.journalEntries(nonce(header)), "one journal entry");
        assertEquals("settled", audit.paymentState(nonce(header)));
    }

    @Test
    @Order(3)
    void withTwoKeysAndTwoPodsEachPodSettlesFromItsOwnAddress() throws Exception {
        String addressA = settledFrom(a);
        String addressB = settledFrom(b);
        assertNotEquals(addressA.toLowerCase(Locale.ROOT), addressB.toLowerCase(Locale.ROOT));
        assertEquals(Set.of(anvil.account(9).address().toLowerCase(Locale.ROOT),
                anvil.account(8).address().toLowerCase(Locale.ROOT)),
                Set.of(addressA.toLowerCase(Locale.ROOT), addressB.toLowerCase(Locale.ROOT)));
        for (int i = 0; i < 3; i++) {
            for (FaultGateway pod : List.of(a, b)) {
                assertEquals((pod == a ? addressA : addressB).toLowerCase(Locale.ROOT),
                        audit.sender(paidTx(pod)).toLowerCase(Locale.ROOT), pod.name() + " settles from its own key");
            }
        }
        Map<String, String> holders = audit.leaseHolders("eip155:31337");
        assertEquals(2, new HashSet<>(holders.values()).size(), "two processes hold the two keys: " + holders);
    }

    @Test
    @Order(4)
    void withOneKeyTheSecondPodRefusesWith503AndTakesTheKeyOverWithAContinuousNonceAfterAGracefulStop()
            throws Exception {
        String key = anvil.account(7).privateKey();
        String address = anvil.account(7).address();
        FaultGateway c = pod("c", Map.of("sippar.evm.networks.devnet.settlement-keys", key));
        retired.add(c);
        c.awaitReadiness(200, START);
        FaultGateway d = pod("d", Map.of("sippar.evm.networks.devnet.settlement-keys", key));
        retired.add(d);
        String notReady = d.awaitReadiness(503, START);
        assertTrue(keyCheck(notReady).startsWith("DOWN: all 1 settlement keys of eip155:31337 are leased to other "
                + "gateways"), notReady);

        String refusedHeader = signed(d);
        HttpResponse<String> refused = pay(d, refusedHeader);
        assertEquals(503, refused.statusCode(), refused.body());
        assertTrue(refused.headers().firstValue("Retry-After").isPresent(), "Retry-After");
        assertEquals("facilitator_unavailable", json(refused.body()).get("reason").asText(), refused.body());
        assertFalse(audit.authorizationUsed(anvil.payer().address(), nonce(refusedHeader)), "not charged");
        assertEquals(null, audit.paymentState(nonce(refusedHeader)), "nothing reserved");

        List<Long> nonces = new ArrayList<>();
        settleTwiceFrom(c, address, nonces);
        assertTrue(c.stopGracefully(STOP), "graceful exit");
        assertTrue(c.log().contains("gave back settlement key " + address), "C gave its key back");
        // D takes the key over on its next lease round, without waiting for the ttl
        String ready = d.awaitReadiness(200, Duration.ofSeconds(60));
        assertTrue(keyCheck(ready).startsWith("UP: " + address), ready);
        settleTwiceFrom(d, address, nonces);
        long first = nonces.get(0);
        for (int i = 0; i < nonces.size(); i++) {
            assertEquals(first + i, nonces.get(i), "nonces of " + address + " run on without a gap: " + nonces);
        }
        assertEquals(nonces.get(nonces.size() - 1) + 1, audit.pendingNonce(address), "nothing stuck behind them");
        assertFalse(d.log().contains("nonce too low"), "D resynced from pending and never collided");
        assertTrue(d.stopGracefully(STOP));
    }

    /** A client's view of one payment in the load: the pods it tried and what it finally got. */
    private record Attempt(String header, int status, JsonNode settlement, String via) {
    }

    @Test
    @Order(5)
    void rollingRestartUnderLoadLosesNoPaymentAndCountsNoneTwice() throws Exception {
        // the database runs on this machine's clock: settled_at >= since is exactly this run's
        Instant since = Instant.now();
        BigInteger fromBlock = audit.blockNumber();
        AtomicReference<List<FaultGateway>> pods = new AtomicReference<>(List.of(a, b));
        ConcurrentLinkedQueue<Attempt> done = new ConcurrentLinkedQueue<>();
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger servedByRestarted = new AtomicInteger();
        AtomicReference<FaultGateway> restarted = new AtomicReference<>();
        JsonNode offer = offered(a);
        int workers = 4;
        // paced (~8 payments/s) so the load outlasts the restart; bounded by count and time
        int max = 600;
        long pauseMillis = 250;
        long deadline = System.nanoTime() + Duration.ofMinutes(6).toNanos();
        ExecutorService load = Executors.newFixedThreadPool(workers);
        CountDownLatch finished = new CountDownLatch(workers);
        for (int w = 0; w < workers; w++) {
            load.submit(() -> {
                try {
                    while (System.nanoTime() < deadline && sent.get() < max
                            && (restarted.get() == null || servedByRestarted.get() < 6)) {
                        int i = sent.getAndIncrement();
                        String header = TestPayments.v2Header(offer, anvil.payer().privateKey());
                        synchronized (sentHeaders) {
                            sentHeaders.add(header);
                        }
                        List<FaultGateway> now = pods.get();
                        FaultGateway first = now.get(i % now.size());
                        Attempt got = attempt(header, first);
                        if (got.status() != 200 && got.status() != 402) {
                            // a real client retries elsewhere: the same signed payment, on the other pod
                            FaultGateway other = now.get((i + 1) % now.size());
                            got = attempt(header, other);
                        }
                        done.add(got);
                        FaultGateway r = restarted.get();
                        if (r != null && got.status() == 200 && got.via().equals(r.name())) {
                            servedByRestarted.incrementAndGet();
                        }
                        Thread.sleep(pauseMillis);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    finished.countDown();
                }
            });
        }
        FaultGateway old = a;
        try {
            awaitCount(done, 15, deadline);
            // the rolling restart: A stops gracefully mid-run while B serves, then comes back
            CompletableFuture<Boolean> stopping = CompletableFuture.supplyAsync(() -> old.stopGracefully(STOP));
            awaitCount(done, done.size() + 10, deadline);
            assertTrue(stopping.get(STOP.toSeconds() + 10, TimeUnit.SECONDS), "A shuts down gracefully on SIGTERM");
            pods.set(List.of(b));
            retired.add(old);
            a = pod("a2", Map.of("sippar.evm.networks.devnet.settlement-key-dir", keyDir.toString()));
            a.awaitReadiness(200, START);
            pods.set(List.of(a, b));
            restarted.set(a);
            assertTrue(finished.await(Math.max(1, (deadline - System.nanoTime()) / 1_000_000_000L), TimeUnit.SECONDS),
                    "load finished in time");
        } finally {
            load.shutdownNow();
        }
        assertTrue(old.log().contains("gave back settlement key"), "A gave its key back on SIGTERM");
        assertTrue(servedByRestarted.get() >= 6, "the restarted pod served again");

        int served = 0;
        int refused = 0;
        for (Attempt t : done) {
            boolean used = audit.authorizationUsed(anvil.payer().address(), nonce(t.header()));
            if (t.status() == 200) {
                served++;
                assertTrue(t.settlement().get("success").asBoolean(), t.settlement().toString());
                assertTrue(used, "a served payment is on chain");
                assertEquals(1, audit.journalEntries(nonce(t.header())), "and in the ledger once");
            } else {
                refused++;
                assertFalse(used, "a client that got " + t.status() + " was not charged");
            }
        }
        assertTrue(served >= 30, "served " + served + " of " + done.size());
        System.out.printf("rolling restart: %d payments, %d served (%d by the restarted pod), %d refused and not "
                + "charged%n", done.size(), served, servedByRestarted.get(), refused);
        audit.awaitNoneSettling(Duration.ofSeconds(90));
        FaultAudit.Result agreed = FaultAudit.assertChainAndLedgerAgree(anvil.rpcUrl(), anvil.token().address(),
                List.of(anvil.account(9).address(), anvil.account(8).address()), "eip155:31337", fromBlock, since,
                new FaultAudit.Database(jdbcUrl(), "postgres", "postgres"));
        assertEquals(served, agreed.settlements(), "every on-chain settlement of the run is a served payment ("
                + refused + " refused)");
    }

    private static Attempt attempt(String header, FaultGateway pod) {
        try {
            HttpResponse<String> r = pay(pod, header);
            JsonNode s = r.statusCode() == 200 ? settlement(r) : null;
            return new Attempt(header, r.statusCode(), s, pod.name());
        } catch (IOException e) {
            // connection refused or reset: the pod is gone; nothing was charged through it
            return new Attempt(header, -1, null, pod.name());
        }
    }

    private static void awaitCount(ConcurrentLinkedQueue<?> done, int count, long deadline) throws InterruptedException {
        while (done.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(done.size() >= count, "load progressed to " + count + " (at " + done.size() + ")");
    }

    @Test
    @Order(6)
    void readinessGoesDownWithTheReasonWhileTheChainOrTheDatabaseIsStoppedAndComesBackAfter() throws Exception {
        signal("STOP", List.of(anvil.anvilPid()));
        try {
            String down = b.awaitReadiness(503, Duration.ofSeconds(60));
            JsonNode chains = check(down, "chains");
            assertEquals("DOWN", chains.get("status").asText(), down);
            assertEquals("DOWN: 0 of 1 nodes answer", chains.at("/data/eip155:31337").asText(), down);
            assertTrue(chains.toString().contains("no answer within"), down);
            assertEquals("UP", check(down, "database").get("status").asText(), "only the chain is down: " + down);
            assertEquals("DOWN", json(readyQuickly(b)).get("status").asText());
            assertEquals(200, b.get("/q/health/live").statusCode(), "liveness never depends on the chain");
        } finally {
            signal("CONT", List.of(anvil.anvilPid()));
        }
        String up = b.awaitReadiness(200, Duration.ofSeconds(60));
        assertEquals("UP: 1 of 1 nodes answer", check(up, "chains").at("/data/eip155:31337").asText(), up);

        String algorand = "algorand:" + AlgodFixture.GENESIS_HASH;
        signal("STOP", List.of(algod.pid()));
        try {
            String down = b.awaitReadiness(503, Duration.ofSeconds(60));
            JsonNode chains = check(down, "chains");
            assertEquals("DOWN: 0 of 1 nodes answer", chains.at("/data/" + algorand.replace("/", "~1")).asText(),
                    down);
            assertEquals("UP: 1 of 1 nodes answer", chains.at("/data/eip155:31337").asText(), "anvil is fine");
            assertEquals("DOWN", json(readyQuickly(b)).get("status").asText());
        } finally {
            signal("CONT", List.of(algod.pid()));
        }
        b.awaitReadiness(200, Duration.ofSeconds(60));

        List<Long> postgres = postgresPids();
        signal("STOP", postgres);
        try {
            String down = b.awaitReadiness(503, Duration.ofSeconds(60));
            JsonNode database = check(down, "database");
            assertEquals("DOWN", database.get("status").asText(), down);
            assertTrue(database.at("/data/detail").asText().startsWith("no answer within"), down);
            assertEquals("DOWN", json(readyQuickly(b)).get("status").asText());
            assertEquals(200, b.get("/q/health/live").statusCode(), "liveness never depends on the database");
        } finally {
            signal("CONT", postgres);
        }
        // the lease renewals resume with the same epoch (nobody took the key meanwhile)
        String up2 = b.awaitReadiness(200, Duration.ofSeconds(90));
        assertEquals("UP", check(up2, "database").get("status").asText(), up2);
        assertTrue(keyCheck(up2).startsWith("UP: "), up2);
        HttpResponse<String> paid = pay(b, signed(b));
        assertEquals(200, paid.statusCode(), "settles again: " + paid.body());
    }

    @Test
    @Order(7)
    void podLogsAreJsonWithThePaymentIdAndNeverASecretOrAPaymentHeader() throws Exception {
        // a few refused requests as well: a malformed header, a wrong signature, an unknown API key
        assertEquals(402, pay(b, "not-base64!").statusCode());
        String tampered = signed(b).replaceFirst("[A-Za-z0-9]{8}(?==*$)", "AAAAAAAA");
        assertEquals(402, pay(b, tampered).statusCode());
        HttpResponse<String> unauthorised = HTTP.send(HttpRequest.newBuilder(b.uri("/admin/merchants"))
                .header("Authorization", "Bearer sk_wrong_0123456789abcdefghijklmnop").timeout(REQUEST).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, unauthorised.statusCode());

        List<String> secrets = new ArrayList<>();
        for (int i : new int[] {7, 8, 9}) {
            secrets.add(anvil.account(i).privateKey().substring(2).toLowerCase(Locale.ROOT));
        }
        secrets.add(ADMIN_KEY);
        secrets.add(algod.feePayer().key());
        if (!algod.token().isEmpty()) {
            secrets.add(algod.token());
        }
        secrets.add(algod.feePayer().mnemonic());
        secrets.add(String.join(" ", List.of(algod.feePayer().mnemonic().split(" ")).subList(0, 4)));
        secrets.add("sk_wrong_0123456789abcdefghijklmnop");
        secrets.add("test test test test");
        List<FaultGateway> all = new ArrayList<>(retired);
        all.add(a);
        all.add(b);
        int withPaymentId = 0;
        Set<String> phases = new HashSet<>();
        for (FaultGateway pod : all) {
            String log = pod.log();
            String lower = log.toLowerCase(Locale.ROOT);
            for (String s : secrets) {
                assertFalse(lower.contains(s.toLowerCase(Locale.ROOT)), pod.name() + "'s log holds a secret");
            }
            synchronized (sentHeaders) {
                for (String h : sentHeaders) {
                    // the signature part of a header, long enough to be unmistakable
                    assertFalse(log.contains(h.substring(h.length() / 2, h.length() / 2 + 40)),
                            pod.name() + "'s log holds a payment header");
                }
            }
            for (String line : log.split("\n")) {
                if (!line.startsWith("{")) {
                    continue;
                }
                JsonNode entry = json(line);
                assertTrue(entry.has("level") && entry.has("message"), line);
                JsonNode id = entry.at("/mdc/paymentId");
                if (!id.isMissingNode() && entry.get("loggerName").asText().endsWith("PaymentFlow")) {
                    withPaymentId++;
                    String m = entry.get("message").asText();
                    phases.add(m.startsWith("verification of") ? "verify" : m.startsWith("upstream of") ? "upstream"
                            : m.startsWith("settl") ? "settle" : m.startsWith("recorded in the ledger") ? "ledger"
                            : "other");
                    assertNotNull(audit.paymentById(id.asText()), "the MDC names a real payment: " + line);
                }
            }
            // the launcher logs before Quarkus has its configuration; from Quarkus's first line on, only JSON
            String fromQuarkus = log.substring(Math.max(0, log.indexOf("\n{")));
            assertFalse(fromQuarkus.lines().anyMatch(l -> l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +[A-Z]+ .*")),
                    pod.name() + " logs JSON lines once Quarkus runs");
        }
        assertTrue(withPaymentId > 0, "payment lines carry the payment id");
        assertTrue(phases.containsAll(Set.of("verify", "upstream", "settle", "ledger")), "phases seen: " + phases);
    }
}
