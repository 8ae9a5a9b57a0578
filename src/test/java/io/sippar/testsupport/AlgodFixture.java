package io.sippar.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The local algod-compatible Algorand devnet, for tests.
 *
 * <p>Runs {@code node chain-fixtures/algorand/devnet.mjs --port 0} as a child process, waits
 * for its {@code ALGOD_READY <json>} line and exposes what it reports: the algod URL and token,
 * testnet's genesis id and hash (so the network is {@code algorand:SGO1GKSz…OiI=}), the USDC ASA
 * 10458941 and the documented accounts by name and role ({@code chain-fixtures/algorand/README.md}).
 * The launcher binds the port itself and reports it, so there is no port race. {@link #close()}
 * stops it by PID; a shutdown hook and the launcher's {@code --exit-on-stdin-close} make sure no
 * devnet outlives the JVM.
 *
 * <pre>{@code
 * try (AlgodFixture algod = AlgodFixture.builder().start()) {
 *     AlgodClient client = new AlgodClient(algod.host(), algod.port(), algod.token());
 *     ...
 * }
 * }</pre>
 */
public final class AlgodFixture implements AutoCloseable {

    /** Testnet USDC's ASA id, which the devnet seeds. */
    public static final long USDC_ASSET_ID = 10458941L;
    /** Testnet's genesis hash, which the devnet presents. */
    public static final String GENESIS_HASH = "SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=";

    private static final String READY_PREFIX = "ALGOD_READY ";
    private static final int OUTPUT_LINES_KEPT = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A devnet account: {@code key} is the x402 key form (base64 of seed || public key, what
     * {@code AVM_PRIVATE_KEY} holds), {@code mnemonic} the 25 words; both null for the multisig
     * account. {@code usdc} is null when the account is not opted in. {@code authAddr} is set for a
     * rekeyed account (sign with that account's key).
     */
    public record Account(String name, String role, String address, String key, String mnemonic,
                          BigInteger algo, BigInteger usdc, String authAddr) {

        /** The 32-byte Ed25519 seed (the first half of {@link #key()}). */
        public byte[] seed() {
            if (key == null) {
                throw new IllegalStateException(name + " has no key of its own");
            }
            byte[] full = Base64.getDecoder().decode(key);
            byte[] seed = new byte[32];
            System.arraycopy(full, 0, seed, 0, 32);
            return seed;
        }

        @Override
        public String toString() {
            // Test keys, but still keys: keep them out of assertion messages and logs.
            return "Account[" + name + ", " + role + ", " + address + "]";
        }
    }

    private final Process process;
    private final Deque<String> output;
    private final JsonNode state;
    private final List<Account> accounts;
    private final Thread shutdownHook;

    private AlgodFixture(Process process, Deque<String> output, JsonNode state) {
        this.process = process;
        this.output = output;
        this.state = state;
        List<Account> list = new ArrayList<>();
        for (JsonNode a : state.get("accounts")) {
            list.add(new Account(a.get("name").asText(), a.get("role").asText(), a.get("address").asText(),
                    text(a, "key"), text(a, "mnemonic"), new BigInteger(a.get("algo").asText()),
                    a.get("usdc").isNull() ? null : new BigInteger(a.get("usdc").asText()), text(a, "authAddr")));
        }
        this.accounts = List.copyOf(list);
        this.shutdownHook = new Thread(() -> stop(process), "algod-fixture-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ accessors

    /** Base URL of the algod API, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        return state.get("url").asText();
    }

    /** {@code http://127.0.0.1}, as the Java algosdk's {@code AlgodClient(host, port, token)} wants it. */
    public String host() {
        URI uri = URI.create(url());
        return uri.getScheme() + "://" + uri.getHost();
    }

    public int port() {
        return URI.create(url()).getPort();
    }

    /** The {@code X-Algo-API-Token}; empty when the devnet was started without a token check. */
    public String token() {
        return state.get("token").asText();
    }

    public String genesisId() {
        return state.get("genesisId").asText();
    }

    public String genesisHash() {
        return state.get("genesisHash").asText();
    }

    /** CAIP-2 network id with the full genesis hash: {@code algorand:SGO1GKSz…OiI=}. */
    public String network() {
        return state.get("network").asText();
    }

    public long usdcAssetId() {
        return state.at("/usdc/assetId").asLong();
    }

    public int usdcDecimals() {
        return state.at("/usdc/decimals").asInt();
    }

    /** The round the devnet started at (see {@code --initial-round}). */
    public long initialRound() {
        return state.get("lastRound").asLong();
    }

    /** Milliseconds between rounds; 0 means every accepted group is a round of its own. */
    public long roundIntervalMs() {
        return state.get("roundIntervalMs").asLong();
    }

    public List<Account> accounts() {
        return accounts;
    }

    public Account account(String name) {
        return accounts.stream().filter(a -> a.name().equals(name)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no devnet account " + name));
    }

    /** All accounts with {@code role}, in the README's order (payer-1, payer-2, ...). */
    public List<Account> accounts(String role) {
        return accounts.stream().filter(a -> a.role().equals(role)).toList();
    }

    /** The gateway's fee payer: ALGO only, not opted in to USDC. */
    public Account feePayer() {
        return account("fee-payer");
    }

    /** {@code payer-1}: ALGO and 1,000,000 USDC, opted in. */
    public Account payer() {
        return account("payer-1");
    }

    /** {@code merchant-1}: opted in to USDC with a zero balance. */
    public Account merchant() {
        return account("merchant-1");
    }

    /** The launcher's full report, for fields without an accessor. */
    public JsonNode state() {
        return state;
    }

    /** PID of the devnet (the node launcher, a direct child of this JVM). */
    public long pid() {
        return process.pid();
    }

    /** The last lines of the devnet's log, for diagnosing a failed test. */
    public String recentOutput() {
        return tail(output);
    }

    // ------------------------------------------------------------------ lifecycle

    /** Stops the devnet (SIGTERM, then SIGKILL after 5 s) and waits for it to be gone. */
    @Override
    public void close() {
        stop(process);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run: nothing left to undo
        }
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ builder

    public static final class Builder {
        private long roundIntervalMs = 0;
        private String token;
        private Long initialRound;
        private Duration waitTimeout;
        private Duration startupTimeout = Duration.ofSeconds(60);
        private String node = System.getProperty("sippar.node", "node");
        private Path launcher;

        private Builder() {
        }

        /** Milliseconds between rounds (empty rounds too); 0, the default, makes a round per accepted group. */
        public Builder roundInterval(Duration interval) {
            this.roundIntervalMs = interval.toMillis();
            return this;
        }

        /** The API token; default the launcher's (64 × 'a'); empty turns the check off. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** First round; the launcher's default (50,000,000) keeps x402 vector E valid. */
        public Builder initialRound(long round) {
            this.initialRound = round;
            return this;
        }

        /** Bound of {@code /v2/status/wait-for-block-after} (algod: one minute). */
        public Builder waitTimeout(Duration timeout) {
            this.waitTimeout = timeout;
            return this;
        }

        /** Includes a first-time {@code npm ci} in chain-fixtures/algorand (a few seconds). */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        /** The node executable; defaults to {@code node} on PATH or the {@code sippar.node} property. */
        public Builder node(String node) {
            this.node = node;
            return this;
        }

        /** Path of devnet.mjs; by default found by walking up from the working directory. */
        public Builder launcher(Path launcher) {
            this.launcher = launcher;
            return this;
        }

        public AlgodFixture start() {
            Path script = launcher != null ? launcher : findLauncher();
            List<String> command = new ArrayList<>(List.of(node, script.toString(), "--port", "0",
                    "--round-interval-ms", Long.toString(roundIntervalMs),
                    // Our stdin pipe closes when this JVM dies, however it dies: the devnet then stops.
                    "--exit-on-stdin-close", "--quiet"));
            Optional.ofNullable(token).ifPresent(t -> command.addAll(List.of("--token", t)));
            Optional.ofNullable(initialRound).ifPresent(r -> command.addAll(List.of("--initial-round", Long.toString(r))));
            Optional.ofNullable(waitTimeout).ifPresent(w -> command.addAll(List.of("--wait-timeout-ms", Long.toString(w.toMillis()))));
            Process process;
            try {
                process = new ProcessBuilder(command).directory(script.getParent().toFile()).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
            }
            Deque<String> output = new ArrayDeque<>();
            CompletableFuture<String> ready = new CompletableFuture<>();
            // Both pipes are drained for the whole run, or the devnet would block on a full pipe.
            drain(process.getInputStream(), "algod-fixture-stdout", line -> {
                if (line.startsWith(READY_PREFIX)) {
                    ready.complete(line.substring(READY_PREFIX.length()));
                } else {
                    remember(output, line);
                }
            }, () -> ready.completeExceptionally(new IllegalStateException("launcher closed stdout before ALGOD_READY")));
            drain(process.getErrorStream(), "algod-fixture-stderr", line -> remember(output, line), () -> {
            });
            String json;
            try {
                json = ready.get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop(process);
                throw new IllegalStateException("interrupted while starting the Algorand devnet", e);
            } catch (TimeoutException | ExecutionException e) {
                boolean exited = awaitExit(process, Duration.ofMillis(500));
                stop(process);
                String why = e instanceof TimeoutException
                        ? "no ALGOD_READY within " + startupTimeout.toSeconds() + " s"
                        : "launcher exited before ALGOD_READY" + (exited ? " (exit " + process.exitValue() + ")" : "");
                throw new IllegalStateException(why + ": " + String.join(" ", command) + "\n--- output ---\n" + tail(output));
            }
            try {
                return new AlgodFixture(process, output, JSON.readTree(json));
            } catch (IOException | RuntimeException e) {
                stop(process);
                throw new IllegalStateException("unparseable ALGOD_READY line: " + json, e);
            }
        }
    }

    private static boolean awaitExit(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private interface LineSink {
        void accept(String line);
    }

    private static void drain(InputStream in, String threadName, LineSink onLine, Runnable onEof) {
        Thread t = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    onLine.accept(line);
                }
            } catch (IOException streamClosed) {
                // the devnet was stopped: nothing left to read
            } finally {
                onEof.run();
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
    }

    private static void remember(Deque<String> output, String line) {
        synchronized (output) {
            output.addLast(line);
            while (output.size() > OUTPUT_LINES_KEPT) {
                output.removeFirst();
            }
        }
    }

    private static String tail(Deque<String> output) {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    private static Path findLauncher() {
        Path relative = Path.of("chain-fixtures", "algorand", "devnet.mjs");
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("cannot find " + relative + " above " + Path.of("").toAbsolutePath());
    }
}
