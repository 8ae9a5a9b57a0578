package io.sippar.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A local anvil devnet with the SipparUSDC token deployed, for tests.
 *
 * <p>Runs {@code node chain-fixtures/evm/anvil.mjs} as a child process on a free loopback
 * port, waits for its {@code ANVIL_READY <json>} line and exposes what it reports. The
 * token address and the accounts are the same on every run (see
 * {@code chain-fixtures/evm/README.md}). {@link #close()} stops the launcher and anvil.
 *
 * <pre>{@code
 * try (AnvilFixture anvil = AnvilFixture.builder().chainId(84532).blockTime(1).start()) {
 *     Web3j web3j = Web3j.build(new HttpService(anvil.rpcUrl()));
 *     ...
 * }
 * }</pre>
 */
public final class AnvilFixture implements AutoCloseable {

    /** Where the launcher always deploys the token: CREATE address of the deployer at nonce 0. */
    public static final String TOKEN_ADDRESS = "0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9";
    /** Canonical Multicall3 address; the launcher places a compatible contract there. */
    public static final String MULTICALL3_ADDRESS = "0xcA11bde05977b3631167028862bE2a173976CA11";
    /** Token balance every test account (and the ERC-1271 wallet) starts with: 1,000,000 USDC. */
    public static final BigInteger MINTED_PER_ACCOUNT = BigInteger.TEN.pow(12);

    private static final String READY_PREFIX = "ANVIL_READY ";
    private static final int OUTPUT_LINES_KEPT = 200;
    private static final int PORT_ATTEMPTS = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One of anvil's default accounts, with its role in the tests (payer, merchant, settler, ...). */
    public record Account(int index, String address, String privateKey, String role) {
    }

    /** The deployed EIP-3009 token and its EIP-712 domain fields. */
    public record Token(String address, String name, String version, String symbol, int decimals,
                        BigInteger mintedPerAccount) {
    }

    private final Process process;
    private final Deque<String> output;
    private final JsonNode state;
    private final List<Account> accounts;
    private final Token token;

    private AnvilFixture(Process process, Deque<String> output, JsonNode state) {
        this.process = process;
        this.output = output;
        this.state = state;
        List<Account> list = new ArrayList<>();
        for (JsonNode a : state.get("accounts")) {
            list.add(new Account(a.get("index").asInt(), a.get("address").asText(), a.get("privateKey").asText(),
                    a.get("role").asText()));
        }
        this.accounts = List.copyOf(list);
        JsonNode t = state.get("token");
        this.token = new Token(t.get("address").asText(), t.get("name").asText(), t.get("version").asText(),
                t.get("symbol").asText(), t.get("decimals").asInt(), new BigInteger(t.get("mintedPerAccount").asText()));
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ accessors

    public String rpcUrl() {
        return state.get("rpcUrl").asText();
    }

    public long chainId() {
        return state.get("chainId").asLong();
    }

    /** CAIP-2 network id as x402 v2 writes it, e.g. {@code eip155:31337}. */
    public String network() {
        return state.get("network").asText();
    }

    /** Seconds between blocks; 0 means every transaction is mined at once. */
    public int blockTime() {
        return state.get("blockTime").asInt();
    }

    public Token token() {
        return token;
    }

    /** Anvil's default accounts 0..9, each with 10,000 ETH and {@link #MINTED_PER_ACCOUNT} tokens. */
    public List<Account> accounts() {
        return accounts;
    }

    public Account account(int index) {
        return accounts.get(index);
    }

    /** Account #1: signs payments. */
    public Account payer() {
        return accounts.get(state.at("/roles/payer").asInt());
    }

    /** Account #2: the resource server's payTo. */
    public Account merchant() {
        return accounts.get(state.at("/roles/merchant").asInt());
    }

    /** Account #9: the gateway's settlement key, which submits transferWithAuthorization. */
    public Account settler() {
        return accounts.get(state.at("/roles/settler").asInt());
    }

    /** ERC-1271 test wallet (funded with tokens); its owner is {@link #erc1271WalletOwner()}. */
    public String erc1271Wallet() {
        return state.at("/erc1271Wallet/address").asText();
    }

    /** The EOA whose ECDSA signatures the ERC-1271 test wallet accepts (account #3). */
    public Account erc1271WalletOwner() {
        return accounts.get(state.at("/erc1271Wallet/ownerIndex").asInt());
    }

    public String multicall3() {
        return state.get("multicall3").asText();
    }

    /** The gateway's treasury: the SipparDisburser holding treasury-mode payments and its owner key (#11). */
    public record Treasury(String disburser, String address, String privateKey) {
        @Override
        public String toString() {
            return "Treasury[" + disburser + ", owner " + address + "]";
        }
    }

    /** The treasury the launcher deployed: {@code disburser} is the payTo, {@code privateKey} owns it and pays gas. */
    public Treasury treasury() {
        JsonNode t = state.get("treasury");
        return new Treasury(t.get("disburser").asText(), t.get("address").asText(), t.get("privateKey").asText());
    }

    /** The deployer (#10): the token's owner, the only account that can mint and blacklist. */
    public Account deployer() {
        JsonNode d = state.get("deployer");
        return new Account(10, d.get("address").asText(), d.get("privateKey").asText(), "deployer");
    }

    /** The launcher's full report, for fields without an accessor. */
    public JsonNode state() {
        return state;
    }

    /** PID of the node launcher (the direct child of this JVM). */
    public long pid() {
        return process.pid();
    }

    /** PID of the anvil process the launcher started. */
    public long anvilPid() {
        return state.get("anvilPid").asLong();
    }

    /** The last lines of the launcher's and anvil's log, for diagnosing a failed test. */
    public String recentOutput() {
        return tail(output);
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Stops the launcher and anvil. The launcher kills anvil on SIGTERM; the descendants
     * are collected before that and stopped as well, so anvil cannot survive even if the
     * launcher dies before passing the signal on.
     */
    @Override
    public void close() {
        stopTree(process, Optional.of(anvilPid()));
    }

    private static void stopTree(Process process, Optional<Long> extraPid) {
        ProcessHandle root = process.toHandle();
        // Snapshot first: once the launcher is gone anvil is re-parented and no longer a descendant.
        Set<ProcessHandle> tree = new LinkedHashSet<>(root.descendants().toList());
        extraPid.flatMap(ProcessHandle::of)
                .filter(h -> h.info().command().map(c -> c.endsWith("/anvil")).orElse(false))
                .ifPresent(tree::add);
        root.destroy();
        awaitExit(root, Duration.ofSeconds(5));
        for (ProcessHandle h : tree) {
            if (h.isAlive()) {
                h.destroy();
            }
        }
        for (ProcessHandle h : tree) {
            if (!awaitExit(h, Duration.ofSeconds(3))) {
                h.destroyForcibly();
                awaitExit(h, Duration.ofSeconds(3));
            }
        }
        if (!awaitExit(root, Duration.ZERO)) {
            root.destroyForcibly();
            awaitExit(root, Duration.ofSeconds(3));
        }
    }

    private static boolean awaitExit(ProcessHandle handle, Duration timeout) {
        if (!handle.isAlive()) {
            return true;
        }
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !handle.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        }
    }

    // ------------------------------------------------------------------ builder

    public static final class Builder {
        private long chainId = 31337;
        private int blockTime = 0;
        private Duration startupTimeout = Duration.ofSeconds(60);
        private String node = System.getProperty("sippar.node", "node");
        private Path launcher;

        private Builder() {
        }

        public Builder chainId(long chainId) {
            this.chainId = chainId;
            return this;
        }

        /** Seconds between blocks (interval mining); 0, the default, mines every transaction at once. */
        public Builder blockTime(int seconds) {
            this.blockTime = seconds;
            return this;
        }

        /** Includes a first-time {@code npm ci} in chain-fixtures/evm (about 20 s). */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        /** The node executable; defaults to {@code node} on PATH or the {@code sippar.node} property. */
        public Builder node(String node) {
            this.node = node;
            return this;
        }

        /** Path of anvil.mjs; by default found by walking up from the working directory. */
        public Builder launcher(Path launcher) {
            this.launcher = launcher;
            return this;
        }

        public AnvilFixture start() {
            Path script = launcher != null ? launcher : findLauncher();
            IllegalStateException last = null;
            // A free port can be taken between probing and anvil's bind; try a fresh one then.
            for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
                try {
                    return startOnce(script, freeLoopbackPort());
                } catch (PortInUseException e) {
                    last = e;
                }
            }
            throw last;
        }

        private AnvilFixture startOnce(Path script, int port) {
            List<String> command = List.of(node, script.toString(),
                    "--port", Integer.toString(port),
                    "--chain-id", Long.toString(chainId),
                    "--block-time", Integer.toString(blockTime),
                    // Our stdin pipe closes when this JVM dies, however it dies; the launcher
                    // then stops anvil, so a crashed test run leaves no chain behind.
                    "--exit-on-stdin-close");
            Process process;
            try {
                process = new ProcessBuilder(command).directory(script.getParent().toFile()).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
            }
            Deque<String> output = new ArrayDeque<>();
            CompletableFuture<String> ready = new CompletableFuture<>();
            // stdout carries only the ANVIL_READY line; stderr (launcher + anvil log) is kept
            // as a tail for error messages. Both must be drained for the whole run, or anvil
            // blocks on a full pipe.
            drain(process.getInputStream(), "anvil-fixture-stdout", line -> {
                if (line.startsWith(READY_PREFIX)) {
                    ready.complete(line.substring(READY_PREFIX.length()));
                } else {
                    remember(output, line);
                }
            }, () -> ready.completeExceptionally(new IllegalStateException("launcher closed stdout before ANVIL_READY")));
            drain(process.getErrorStream(), "anvil-fixture-stderr", line -> remember(output, line), () -> {
            });

            String json;
            try {
                json = ready.get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopTree(process, Optional.empty());
                throw new IllegalStateException("interrupted while starting anvil", e);
            } catch (TimeoutException | ExecutionException e) {
                boolean exited = awaitExit(process.toHandle(), Duration.ofMillis(500));
                stopTree(process, Optional.empty());
                String log = tail(output);
                if (exited && log.contains("Address already in use")) {
                    throw new PortInUseException(port, log);
                }
                String why = e instanceof TimeoutException
                        ? "no ANVIL_READY within " + startupTimeout.toSeconds() + " s"
                        : "launcher exited before ANVIL_READY" + (exited ? " (exit " + process.exitValue() + ")" : "");
                throw new IllegalStateException(why + ": " + String.join(" ", command) + "\n--- output ---\n" + log);
            }
            try {
                return new AnvilFixture(process, output, JSON.readTree(json));
            } catch (IOException | RuntimeException e) {
                stopTree(process, Optional.empty());
                throw new IllegalStateException("unparseable ANVIL_READY line: " + json, e);
            }
        }
    }

    private static final class PortInUseException extends IllegalStateException {
        PortInUseException(int port, String output) {
            super("port " + port + " was taken before anvil could bind it:\n" + output);
        }
    }

    private static void drain(InputStream in, String threadName, Consumer<String> onLine,
                              Runnable onEof) {
        Thread t = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    onLine.accept(line);
                }
            } catch (IOException ignored) {
                // Stream closed because the process was stopped: nothing left to read.
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

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static Path findLauncher() {
        Path relative = Path.of("chain-fixtures", "evm", "anvil.mjs");
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("cannot find " + relative + " above " + Path.of("").toAbsolutePath());
    }
}
