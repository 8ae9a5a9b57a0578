package io.sippar.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the official x402 JS clients in {@code src/test/js} (see its README.md) from Java
 * tests. Test-framework agnostic: it only throws {@link NodeScriptException}.
 *
 * <p>{@link #run} installs the pinned npm dependencies once per JVM when needed
 * ({@code npm ci} from the committed package-lock.json), runs
 * {@code node src/test/js/<script> args...} with the project root as working directory,
 * kills the whole process tree when the timeout expires, and returns the single JSON
 * line the script prints on stdout.
 *
 * <p>Overrides: system property {@code sippar.projectRoot} (else the nearest ancestor of
 * {@code user.dir} holding {@code src/test/js/package.json}), {@code sippar.node} /
 * env {@code SIPPAR_NODE} for the node binary, {@code sippar.npm} / env {@code SIPPAR_NPM}
 * for npm.
 */
public final class NodeScript {

    /** Upper bound for {@code npm ci} (cold install is about 1-2 minutes here). */
    public static final Duration NPM_CI_TIMEOUT = Duration.ofMinutes(10);

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Object INSTALL_LOCK = new Object();
    private static volatile boolean installed;

    private NodeScript() {
    }

    /** Failure of the harness itself (install, spawn, timeout, non-zero exit, no JSON). */
    public static final class NodeScriptException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String stdout;
        private final String stderr;
        private final Integer exitCode;

        public NodeScriptException(String message, String stdout, String stderr, Integer exitCode, Throwable cause) {
            super(message + describe(stdout, stderr, exitCode), cause);
            this.stdout = stdout;
            this.stderr = stderr;
            this.exitCode = exitCode;
        }

        private static String describe(String stdout, String stderr, Integer exitCode) {
            StringBuilder sb = new StringBuilder();
            if (exitCode != null) {
                sb.append("\n--- exit code: ").append(exitCode);
            }
            if (stdout != null && !stdout.isEmpty()) {
                sb.append("\n--- stdout:\n").append(tail(stdout, 8000));
            }
            if (stderr != null && !stderr.isEmpty()) {
                sb.append("\n--- stderr:\n").append(tail(stderr, 8000));
            }
            return sb.toString();
        }

        public String stdout() {
            return stdout;
        }

        public String stderr() {
            return stderr;
        }

        /** Null when the process did not exit on its own (timeout) or never started. */
        public Integer exitCode() {
            return exitCode;
        }
    }

    /**
     * Runs {@code node src/test/js/<script> args...} and returns its JSON result line.
     *
     * @param script  file name inside {@code src/test/js}, e.g. {@code "client.mjs"}
     * @param timeout wall-clock limit for the node process (not counting a first npm ci)
     * @param args    arguments passed verbatim
     * @return the last line of stdout that parses as a JSON object
     * @throws NodeScriptException on timeout, non-zero exit, or when stdout holds no JSON line
     */
    public static JsonNode run(String script, Duration timeout, String... args) {
        ensureInstalled();
        Path root = projectRoot();
        Path scriptPath = jsDir().resolve(script);
        if (!Files.isRegularFile(scriptPath)) {
            throw new NodeScriptException("no such script: " + scriptPath, null, null, null, null);
        }
        List<String> command = new ArrayList<>();
        command.add(executable("sippar.node", "SIPPAR_NODE", "node"));
        command.add(root.relativize(scriptPath).toString());
        command.addAll(List.of(args));

        Result r = exec(command, root, timeout);
        if (r.timedOut) {
            throw new NodeScriptException(
                    "node " + script + " timed out after " + timeout.toMillis() + " ms; process tree killed",
                    r.stdout, r.stderr, null, null);
        }
        JsonNode json = lastJsonLine(r.stdout);
        if (r.exitCode != 0) {
            throw new NodeScriptException("node " + script + " failed (harness error)", r.stdout, r.stderr,
                    r.exitCode, null);
        }
        if (json == null) {
            throw new NodeScriptException("node " + script + " printed no JSON line", r.stdout, r.stderr,
                    r.exitCode, null);
        }
        return json;
    }

    /** The project root: the directory holding {@code src/test/js/package.json}. */
    public static Path projectRoot() {
        String configured = System.getProperty("sippar.projectRoot");
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured).toAbsolutePath().normalize();
        }
        Path dir = Paths.get(System.getProperty("user.dir")).toAbsolutePath().normalize();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("src/test/js/package.json"))) {
                return p;
            }
        }
        throw new NodeScriptException("cannot find src/test/js/package.json above " + dir, null, null, null, null);
    }

    public static Path jsDir() {
        return projectRoot().resolve("src/test/js");
    }

    /**
     * Runs {@code npm ci} in {@code src/test/js} once per JVM when {@code node_modules} is
     * missing, incomplete (no {@code node_modules/.package-lock.json}, which npm writes last)
     * or older than {@code package-lock.json}.
     */
    public static void ensureInstalled() {
        if (installed) {
            return;
        }
        synchronized (INSTALL_LOCK) {
            if (installed) {
                return;
            }
            Path js = jsDir();
            if (needsInstall(js)) {
                List<String> command = List.of(executable("sippar.npm", "SIPPAR_NPM", "npm"),
                        "ci", "--no-audit", "--no-fund");
                Result r = exec(command, js, NPM_CI_TIMEOUT);
                if (r.timedOut) {
                    throw new NodeScriptException("npm ci timed out after " + NPM_CI_TIMEOUT.toMinutes() + " min",
                            r.stdout, r.stderr, null, null);
                }
                if (r.exitCode != 0) {
                    throw new NodeScriptException("npm ci failed in " + js, r.stdout, r.stderr, r.exitCode, null);
                }
                if (needsInstall(js)) {
                    throw new NodeScriptException("npm ci finished but node_modules is still incomplete in " + js,
                            r.stdout, r.stderr, r.exitCode, null);
                }
            }
            installed = true;
        }
    }

    private static boolean needsInstall(Path js) {
        Path marker = js.resolve("node_modules/.package-lock.json");
        if (!Files.isRegularFile(marker)) {
            return true;
        }
        try {
            FileTime lock = Files.getLastModifiedTime(js.resolve("package-lock.json"));
            return lock.compareTo(Files.getLastModifiedTime(marker)) > 0;
        } catch (IOException e) {
            return true;
        }
    }

    private static String executable(String property, String env, String fallback) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? fallback : v;
    }

    private record Result(int exitCode, boolean timedOut, String stdout, String stderr) {
    }

    private static Result exec(List<String> command, Path cwd, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            // Files, not pipes: no reader threads, no deadlock on large output.
            out = Files.createTempFile("nodescript-", ".out");
            err = Files.createTempFile("nodescript-", ".err");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(cwd.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().put("NO_UPDATE_NOTIFIER", "1");
            pb.environment().put("NO_COLOR", "1");
            Process process;
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new NodeScriptException("cannot start " + String.join(" ", command) + " in " + cwd,
                        null, null, null, e);
            }
            boolean finished;
            try {
                finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                killTree(process);
                Thread.currentThread().interrupt();
                throw new NodeScriptException("interrupted while running " + String.join(" ", command),
                        read(out), read(err), null, e);
            }
            if (!finished) {
                killTree(process);
                return new Result(-1, true, read(out), read(err));
            }
            return new Result(process.exitValue(), false, read(out), read(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void killTree(Process process) {
        ProcessHandle handle = process.toHandle();
        // Children first so none is re-parented and left running.
        handle.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static String read(Path file) {
        try {
            return file == null ? "" : Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<unreadable: " + e.getMessage() + ">";
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // temp file; the OS cleans up eventually
            }
        }
    }

    /** The last stdout line that is a JSON object; other lines (if any) are ignored. */
    static JsonNode lastJsonLine(String stdout) {
        if (stdout == null) {
            return null;
        }
        String[] lines = stdout.split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].trim();
            if (!line.startsWith("{")) {
                continue;
            }
            try {
                JsonNode node = MAPPER.readTree(line);
                if (node != null && node.isObject()) {
                    return node;
                }
            } catch (IOException ignored) {
                // not JSON: keep looking
            }
        }
        return null;
    }

    private static String tail(String s, int max) {
        return s.length() <= max ? s : "..." + s.substring(s.length() - max);
    }
}
