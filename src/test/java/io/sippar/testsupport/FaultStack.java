package io.sippar.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import io.sippar.x402.HeaderCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Everything a process-level fault test runs against: a stoppable PostgreSQL, an anvil devnet
 * (eip155:31337, the demo route's chain) and the packaged gateway started against both, with the
 * reconciler running every second and short deadlines, so a crashed or cut-off payment is finished
 * within seconds of the gateway coming back. {@link #startWithAlgorand()} adds the Algorand devnet,
 * reached only through two {@link FaultProxy} algod URLs (one chain behind both), the route
 * {@code /fault/algo} on it. Every network has a gas ceiling (too high ever to refuse here), so every
 * settlement takes a gas hold that a crash can leave behind.
 */
public final class FaultStack implements AutoCloseable {

    /** Reconciler and timeouts of every gateway this stack starts. */
    public static final Duration SETTLING_DEADLINE = Duration.ofSeconds(3);
    public static final Duration RESERVED_DEADLINE = Duration.ofSeconds(6);
    public static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(5);
    /** The gateways' deadline per database call on the payment path. */
    public static final Duration DATABASE_TIMEOUT = Duration.ofSeconds(5);
    /** The crash merchant's facilitator API key (a test secret). */
    public static final String API_KEY = "sk_test_crash_0123456789abcdefghijkl";
    /** Price of the demo route, of /crash/slow and of /fault/algo, in atomic units. */
    public static final BigInteger PRICE = BigInteger.valueOf(1000);
    /** Confirmation rounds of the Algorand settlements; a wait lasts at most (this + 2) × {@link #ALGOD_BLOCK_WAIT}. */
    public static final int ALGOD_CONFIRMATION_ROUNDS = 3;
    public static final Duration ALGOD_BLOCK_WAIT = Duration.ofSeconds(2);
    /** Per-call deadline of the gateway's algod calls. */
    public static final Duration ALGOD_TIMEOUT = Duration.ofSeconds(1);
    /** Gas ceilings high enough never to refuse here: they only make every settlement take a hold. */
    private static final String CEILING = "1000000000000000000";

    private final FaultPostgres db;
    private final AnvilFixture anvil;
    private final ChainFaults chain;
    private final Path keys;
    private final AlgodFixture algod;
    private final FaultProxy algodPrimary;
    private final FaultProxy algodSecondary;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private FaultStack(FaultPostgres db, AnvilFixture anvil, Path keys, AlgodFixture algod) {
        this.db = db;
        this.anvil = anvil;
        this.chain = new ChainFaults(anvil.rpcUrl());
        this.keys = keys;
        this.algod = algod;
        this.algodPrimary = algod == null ? null : new FaultProxy(algod.url());
        this.algodSecondary = algod == null ? null : new FaultProxy(algod.url());
    }

    public static FaultStack start() {
        return start(false);
    }

    /** The stack with the Algorand devnet behind two algod URLs as well. */
    public static FaultStack startWithAlgorand() {
        return start(true);
    }

    private static FaultStack start(boolean withAlgorand) {
        FaultPostgres db = FaultPostgres.start();
        AnvilFixture anvil = null;
        try {
            anvil = AnvilFixture.builder().chainId(31337).start();
            Path keys = Files.createTempDirectory("sippar-fault-keys",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return new FaultStack(db, anvil, keys, withAlgorand ? AlgodFixture.builder().start() : null);
        } catch (IOException | RuntimeException e) {
            if (anvil != null) {
                anvil.close();
            }
            db.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    public FaultPostgres db() {
        return db;
    }

    public AnvilFixture anvil() {
        return anvil;
    }

    public ChainFaults chain() {
        return chain;
    }

    /** The Algorand devnet ({@link #startWithAlgorand()} only). */
    public AlgodFixture algod() {
        return java.util.Objects.requireNonNull(algod, "started without Algorand");
    }

    /** The devnet's reads and controls, straight to it (not through the algod URLs the gateway uses). */
    public AlgodQueries algorand() {
        return new AlgodQueries(algod());
    }

    /** The gateway's first algod URL. */
    public FaultProxy algodPrimary() {
        return java.util.Objects.requireNonNull(algodPrimary, "started without Algorand");
    }

    /** The gateway's second algod URL, which takes over when the first fails. */
    public FaultProxy algodSecondary() {
        return java.util.Objects.requireNonNull(algodSecondary, "started without Algorand");
    }

    /** A gateway settling from anvil account #9. */
    public FaultGateway gateway(String name) {
        return gateway(name, 9);
    }

    /**
     * A gateway settling from anvil account {@code settlerIndex} (one key per pod), returned once it
     * holds that key's lease: after a SIGKILL the dead process's lease runs out first (8 s here).
     */
    public FaultGateway gateway(String name, int settlerIndex) {
        try {
            Path key = keys.resolve("settler-" + settlerIndex);
            if (!Files.exists(key)) {
                Files.writeString(key, anvil.account(settlerIndex).privateKey());
            }
            Map<String, String> env = FaultGateway.map("DB_URL", db.url(), "DB_USER", "postgres",
                    "DB_PASSWORD", "postgres", "SIPPAR_DEMO", "true");
            Map<String, String> p = FaultGateway.map(
                    "sippar.evm.networks.devnet.chain-id", "31337",
                    "sippar.evm.networks.devnet.rpc-urls", anvil.rpcUrl(),
                    "sippar.evm.networks.devnet.settlement-key-file", key.toString(),
                    "sippar.evm.networks.devnet.poll-interval", "100ms",
                    // short leases, so a restarted gateway takes over a killed one's key within seconds
                    "sippar.key-leases.ttl", "8s",
                    "sippar.key-leases.renew-interval", "2s",
                    "sippar.gateway.upstream-timeout", UPSTREAM_TIMEOUT.toSeconds() + "s",
                    "sippar.gateway.database-timeout", DATABASE_TIMEOUT.toSeconds() + "s",
                    "sippar.reconciler.interval", "1s",
                    "sippar.reconciler.settling-deadline", SETTLING_DEADLINE.toSeconds() + "s",
                    "sippar.reconciler.reserved-deadline", RESERVED_DEADLINE.toSeconds() + "s",
                    "sippar.reconciler.retry-delay", "1s",
                    "sippar.reconciler.max-retry-delay", "2s",
                    "sippar.pricing.merchants.crash.name", "Crash Test",
                    "sippar.pricing.merchants.crash.api-key", API_KEY,
                    "sippar.pricing.routes.crash-slow.merchant", "crash",
                    "sippar.pricing.routes.crash-slow.path", "/crash/slow",
                    "sippar.pricing.routes.crash-slow.upstream", "/demo-upstream/slow",
                    "sippar.pricing.routes.crash-slow.price", "$0.001",
                    "sippar.pricing.routes.crash-slow.accepts[0].network", "eip155:31337",
                    "sippar.pricing.routes.crash-slow.accepts[0].pay-to", anvil.merchant().address());
            // a genesis hash ends in '=', which a -D option cannot carry in its name: the ceilings go in a file
            p.put("quarkus.config.locations", ceilingsFile().toUri().toString());
            if (algod != null) {
                p.putAll(algorandProperties());
            }
            FaultGateway g = FaultGateway.start(name, env, p, "/demo/weather");
            g.awaitSettlementKey(Duration.ofSeconds(60));
            return g;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, String> algorandProperties() throws IOException {
        Path feePayer = keys.resolve("algorand-fee-payer");
        if (!Files.exists(feePayer)) {
            Files.writeString(feePayer, algod.feePayer().key());
        }
        String net = "sippar.algorand.networks.devnet.";
        return FaultGateway.map(
                net + "network", algod.network(),
                net + "algod-urls", algodPrimary.url() + "," + algodSecondary.url(),
                net + "algod-token", algod.token(),
                net + "fee-payer-key-file", feePayer.toString(),
                net + "algod-timeout", ALGOD_TIMEOUT.toMillis() + "ms",
                net + "block-wait-timeout", ALGOD_BLOCK_WAIT.toSeconds() + "s",
                net + "confirmation-rounds", Integer.toString(ALGOD_CONFIRMATION_ROUNDS),
                net + "breaker-failure-threshold", "3",
                net + "breaker-delay", "1s",
                "sippar.demo.algorand-pay-to", algod.merchant().address(),
                "sippar.pricing.routes.fault-algo.merchant", "crash",
                "sippar.pricing.routes.fault-algo.path", "/fault/algo",
                "sippar.pricing.routes.fault-algo.upstream", "/demo-upstream/weather",
                "sippar.pricing.routes.fault-algo.price", "$0.001",
                "sippar.pricing.routes.fault-algo.accepts[0].network", algod.network(),
                "sippar.pricing.routes.fault-algo.accepts[0].pay-to", algod.merchant().address());
    }

    /** Gas ceilings on every network of the stack, as a properties file (keys escaped as java.util.Properties writes them). */
    private Path ceilingsFile() throws IOException {
        Path file = keys.resolve("ceilings.properties");
        java.util.Properties ceilings = new java.util.Properties();
        ceilings.setProperty("sippar.limits.gas.network-ceiling.\"" + anvil.network() + "\"", CEILING);
        if (algod != null) {
            ceilings.setProperty("sippar.limits.gas.network-ceiling.\"" + algod.network() + "\"", CEILING);
        }
        try (var out = Files.newBufferedWriter(file)) {
            ceilings.store(out, "gas ceilings of the fault stack");
        }
        return file;
    }

    /** The first requirement a route's 402 offers. */
    public JsonNode offered(FaultGateway gateway, String path) {
        HttpResponse<String> r = get(gateway, path, null);
        String header = r.headers().firstValue("PAYMENT-REQUIRED")
                .orElseThrow(() -> new AssertionError(path + " answered " + r.statusCode() + " without a 402 challenge"));
        return HeaderCodec.decodeJson(header).at("/accepts/0");
    }

    /** GET with an optional PAYMENT-SIGNATURE, 60 s deadline. */
    public HttpResponse<String> get(FaultGateway gateway, String path, String paymentHeader) {
        try {
            return http.send(request(gateway, path, paymentHeader), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The same request, not waited for. */
    public java.util.concurrent.CompletableFuture<HttpResponse<String>> getAsync(FaultGateway gateway, String path,
            String paymentHeader) {
        return http.sendAsync(request(gateway, path, paymentHeader), HttpResponse.BodyHandlers.ofString());
    }

    /** POST of a JSON body with the crash merchant's API key. */
    public HttpResponse<String> postWithApiKey(FaultGateway gateway, String path, String json) {
        try {
            return http.send(HttpRequest.newBuilder(gateway.uri(path)).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + API_KEY)
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpRequest request(FaultGateway gateway, String path, String paymentHeader) {
        HttpRequest.Builder b = HttpRequest.newBuilder(gateway.uri(path)).timeout(Duration.ofSeconds(60));
        if (paymentHeader != null) {
            b.header("PAYMENT-SIGNATURE", paymentHeader);
        }
        return b.build();
    }

    public BigInteger balance(String holder) {
        try (TokenReader token = new TokenReader(anvil)) {
            return token.balance(holder);
        }
    }

    /** The newest payment of {@code payer}, as column name to value; empty when there is none. */
    public Optional<Map<String, Object>> latestPayment(String payer) {
        List<Map<String, Object>> rows = query("SELECT * FROM payment WHERE payer = ? ORDER BY created_at DESC LIMIT 1",
                payer);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    /**
     * A row the reconciler has settled and let go: its decision is written (state, then note and end of
     * the claim, in that order), so the note read with it is that decision's.
     */
    public static boolean settledAndReleasedByTheReconciler(Map<String, Object> row) {
        return "settled".equals(row.get("state")) && row.get("reconcile_owner") == null;
    }

    /** Waits (polling every 100 ms, database outages included) until the payer's newest payment matches. */
    public Map<String, Object> awaitPayment(String payer, Predicate<Map<String, Object>> condition, Duration timeout,
            String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> last = null;
        while (System.nanoTime() < deadline) {
            try {
                Optional<Map<String, Object>> row = latestPayment(payer);
                if (row.isPresent()) {
                    last = row.get();
                    if (condition.test(last)) {
                        return last;
                    }
                }
            } catch (IllegalStateException databaseDown) {
                // keep waiting
            }
            sleep(100);
        }
        throw new AssertionError("payment of " + payer + " never became " + what + " within " + timeout.toSeconds()
                + " s; last seen: " + last);
    }

    /** Journal entries of a payment. */
    public long journalEntries(Object paymentId) {
        return ((Number) query("SELECT count(*) AS n FROM journal_entry WHERE payment_id = ?::uuid",
                paymentId.toString()).get(0).get("n")).longValue();
    }

    public List<Map<String, Object>> query(String sql, Object... params) {
        try (Connection c = java.sql.DriverManager.getConnection(db.database().jdbcUrl(), "postgres", "postgres");
                PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                List<Map<String, Object>> out = new java.util.ArrayList<>();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        row.put(md.getColumnLabel(i), rs.getObject(i));
                    }
                    out.add(row);
                }
                return out;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("query failed: " + e.getMessage(), e);
        }
    }

    /** The payment's gas hold row (it has one once it started settling, every network here having a ceiling). */
    public Map<String, Object> hold(Object paymentId) {
        return query("SELECT * FROM gas_hold WHERE payment_id = ?::uuid", paymentId.toString()).get(0);
    }

    /** The payment's gas hold once it is no longer held (the reconciler closes it right after its decision). */
    public Map<String, Object> awaitHoldClosed(Object paymentId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<String, Object> hold = hold(paymentId);
        while ("held".equals(hold.get("state")) && System.nanoTime() < deadline) {
            sleep(100);
            hold = hold(paymentId);
        }
        return hold;
    }

    /** The end check: everything the given settler accounts mined is recorded once, and nothing else. */
    public FaultAudit.Result audit(int... settlerIndexes) {
        List<String> settlers = java.util.Arrays.stream(settlerIndexes).mapToObj(i -> anvil.account(i).address())
                .toList();
        return FaultAudit.assertChainAndLedgerAgree(anvil.rpcUrl(), anvil.token().address(), settlers, anvil.network(),
                BigInteger.ZERO, Instant.EPOCH, db.database());
    }

    /**
     * The end check on the Algorand devnet: every asset transfer to its merchant-1 since the devnet
     * started is one settled payment, journaled once, and nothing else is settled on it.
     */
    public FaultAudit.Result auditAlgorand() {
        return AlgorandFaultAudit.assertChainAndLedgerAgree(algorand(), algod.network(), algod.usdcAssetId(),
                java.util.Set.of(algod.merchant().address()), algod.initialRound() + 1, Instant.EPOCH, db.database());
    }

    /** The status a client got, or -1 when the connection died with the process; a client left hanging fails. */
    public static int statusOrFailure(java.util.concurrent.CompletableFuture<HttpResponse<String>> call)
            throws InterruptedException {
        try {
            return call.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode();
        } catch (java.util.concurrent.ExecutionException e) {
            return -1;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the client was left hanging by a dead process", e);
        }
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        chain.close();
        if (algod != null) {
            algodPrimary.close();
            algodSecondary.close();
            algod.close();
        }
        anvil.close();
        db.close();
        try (var files = Files.walk(keys)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp files only
        }
    }
}
