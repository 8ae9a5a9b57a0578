package io.sippar.x402;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A seeded mutation fuzzer for payment headers, shared by the fuzz tests: it starts from real
 * payments (the spec vectors, signed payloads, the hostile corpus's literal documents) and mutates
 * them at every layer a header has: base64 characters, decoded bytes, JSON text tokens and the
 * JSON tree. Deterministic for a seed, bounded by time and count, every input run under a time limit.
 *
 * <p>Budget: {@code -Dfuzz.seconds} (per fuzz target), {@code -Dfuzz.iterations} (cap, for replaying
 * a failure exactly), {@code -Dfuzz.seed}; the seed in use is printed.
 */
public final class FuzzInputs {

    /** Fixed seed in CI so a failure reproduces; override with -Dfuzz.seed. */
    public static final long DEFAULT_SEED = 20261125L;
    /** Longest any single decode may take before it counts as a hang. */
    public static final Duration PER_INPUT_LIMIT = Duration.ofSeconds(2);

    private static final String[] NUMBERS = {"0", "-0", "1", "2", "2.0", "2.5", "-1", "1e3", "1E+2", "2e0",
        "2e999999999", "1e-999999999", "-2e999999999", "4294967298", "9223372036854775808",
        "115792089237316195423570985008687907853269984665640564039457584007913129639936",
        "0.000000000000000000000000000001", "1" + "0".repeat(63), "1" + "0".repeat(70), "NaN", "Infinity",
        "0x10", "01", "+1", "1.", ".5"};
    private static final String[] STRINGS = {"", " ", "exact", "EXACT", "eip155:31337", "eip155:84532",
        "base-sepolia", "eip155:031337", "eip155:\uff13\uff11\uff13\uff13\uff17", "eip155:31337\u200b", "\ud800",
        "\udfff\ud800", "\u0000", "\ufeff", "0x", "0x0", "0x" + "0".repeat(40), "0x" + "f".repeat(64),
        "0x" + "ab".repeat(65), "01000", "+1000", "-1000", "1e3", "1000.0", "\uff11\uff10\uff10\uff10",
        "\u0661\u0660", "null", "true", "{}", "[]", "%00", "\\", "\"", "a".repeat(300), "\u202eevil",
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"};
    private static final String[] KEYS = {"x402Version", "accepted", "payload", "resource", "extensions", "scheme",
        "network", "amount", "asset", "payTo", "maxTimeoutSeconds", "extra", "signature", "authorization", "from",
        "to", "value", "validAfter", "validBefore", "nonce", "permit2Authorization", "url", "__proto__",
        "constructor", ""};
    private static final String[][] BYTES = {{"00"}, {"FF"}, {"FE"}, {"C0", "AF"}, {"E0", "80", "B0"},
        {"ED", "A0", "80"}, {"EF", "BB", "BF"}, {"F4", "90", "80", "80"}, {"E2", "82"}, {"0D", "0A"}, {"5C"},
        {"22"}, {"7B"}, {"5B"}, {"2C"}};

    private final Random random;
    private final List<byte[]> seeds;

    public FuzzInputs(long seed, List<byte[]> seeds) {
        this.random = new Random(seed);
        this.seeds = List.copyOf(seeds);
    }

    /** The seed from -Dfuzz.seed, else {@link #DEFAULT_SEED}. */
    public static long seed() {
        return Long.getLong("fuzz.seed", DEFAULT_SEED);
    }

    /** The time budget of one fuzz target from -Dfuzz.seconds, else {@code fallback}. */
    public static Duration budget(int fallbackSeconds) {
        return Duration.ofSeconds(Long.getLong("fuzz.seconds", fallbackSeconds));
    }

    /** The iteration cap from -Dfuzz.iterations, else unbounded (the time budget decides). */
    public static long iterationCap() {
        return Long.getLong("fuzz.iterations", Long.MAX_VALUE);
    }

    /** The seed documents every fuzz target starts from: spec vectors, signed payments, corpus documents. */
    public static List<byte[]> standardSeeds(List<String> extraJson) {
        List<byte[]> out = new ArrayList<>();
        for (String header : List.of(SpecVectors.V2_PAYMENT_SIGNATURE, SpecVectors.V1_X_PAYMENT)) {
            out.add(Base64.getDecoder().decode(header));
        }
        for (String json : List.of(SpecVectors.V2_PAYMENT_SIGNATURE_JSON, SpecVectors.V1_X_PAYMENT_JSON)) {
            out.add(json.getBytes(StandardCharsets.UTF_8));
        }
        extraJson.forEach(j -> out.add(j.getBytes(StandardCharsets.UTF_8)));
        try (InputStream in = FuzzInputs.class.getResourceAsStream("/hostile/shape.json")) {
            if (in != null) {
                for (JsonNode c : new com.fasterxml.jackson.databind.ObjectMapper().readTree(in)) {
                    if (c.has("document")) {
                        out.add(c.get("document").toString().getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The next header value to try. */
    public String nextHeader() {
        byte[] doc = mutateDocument(seeds.get(random.nextInt(seeds.size())));
        String b64 = Base64.getEncoder().encodeToString(doc);
        if (random.nextInt(6) == 0) {
            b64 = mutateBase64(b64);
        }
        return b64;
    }

    /** The next JSON document (bytes) to try. */
    public byte[] nextDocument() {
        return mutateDocument(seeds.get(random.nextInt(seeds.size())));
    }

    private byte[] mutateDocument(byte[] seed) {
        byte[] doc = seed;
        int rounds = 1 + random.nextInt(4);
        for (int i = 0; i < rounds; i++) {
            doc = switch (random.nextInt(10)) {
                case 0, 1 -> mutateBytes(doc);
                case 2, 3, 4 -> mutateText(doc);
                default -> mutateTree(doc);
            };
        }
        return doc;
    }

    private String mutateBase64(String b64) {
        StringBuilder s = new StringBuilder(b64);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \t*";
        switch (random.nextInt(5)) {
            case 0 -> {
                if (!s.isEmpty()) {
                    s.setCharAt(random.nextInt(s.length()), alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            case 1 -> s.insert(random.nextInt(s.length() + 1), alphabet.charAt(random.nextInt(alphabet.length())));
            case 2 -> s.setLength(random.nextInt(s.length() + 1));
            case 3 -> s.append("=".repeat(random.nextInt(3)));
            default -> {
                String encoded = Base64.getUrlEncoder().encodeToString(Base64.getDecoder().decode(b64.isEmpty() ? ""
                        : b64.replaceAll("[^A-Za-z0-9+/=]", "")));
                return random.nextBoolean() ? encoded : encoded.replace("=", "");
            }
        }
        return s.toString();
    }

    private byte[] mutateBytes(byte[] doc) {
        List<Byte> b = new ArrayList<>(doc.length + 8);
        for (byte x : doc) {
            b.add(x);
        }
        int at = b.isEmpty() ? 0 : random.nextInt(b.size());
        switch (random.nextInt(5)) {
            case 0 -> {
                if (!b.isEmpty()) {
                    b.set(at, (byte) (b.get(at) ^ (1 << random.nextInt(8))));
                }
            }
            case 1 -> {
                for (String hex : BYTES[random.nextInt(BYTES.length)]) {
                    b.add(at, HexFormat.fromHexDigits(hex) > 127 ? (byte) (HexFormat.fromHexDigits(hex) - 256)
                            : (byte) HexFormat.fromHexDigits(hex));
                    at++;
                }
            }
            case 2 -> {
                int len = Math.min(b.size() - at, 1 + random.nextInt(16));
                for (int i = 0; i < len; i++) {
                    b.remove(at);
                }
            }
            case 3 -> {
                // a chunk of another seed spliced in
                byte[] other = seeds.get(random.nextInt(seeds.size()));
                int from = random.nextInt(Math.max(1, other.length));
                int len = Math.min(other.length - from, random.nextInt(64));
                for (int i = 0; i < len; i++) {
                    b.add(Math.min(at + i, b.size()), other[from + i]);
                }
            }
            default -> {
                int len = Math.min(b.size() - at, random.nextInt(32));
                List<Byte> chunk = new ArrayList<>(b.subList(at, at + len));
                b.addAll(at, chunk);
            }
        }
        byte[] out = new byte[b.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get(i);
        }
        return out;
    }

    /** Token-level edits on the JSON text: numbers, strings, duplicate keys, nesting. */
    private byte[] mutateText(byte[] doc) {
        String text = new String(doc, StandardCharsets.UTF_8);
        String out;
        switch (random.nextInt(5)) {
            case 0 -> out = replaceMatch(text, "-?[0-9][0-9.eE+-]*", pick(NUMBERS));
            case 1 -> out = replaceMatch(text, "\"[^\"\\\\]*\"", "\"" + escapeOrNot(pick(STRINGS)) + "\"");
            case 2 -> {
                // a key repeated right after itself: duplicate detection must see through escapes too
                String key = pick(KEYS);
                out = text.replaceFirst("\\{", java.util.regex.Matcher.quoteReplacement(
                        "{\"" + key + "\":" + pick(NUMBERS) + ",\"" + key + "\":0,"));
            }
            case 3 -> {
                int depth = random.nextInt(3) == 0 ? 40 + random.nextInt(3000) : 1 + random.nextInt(30);
                out = replaceMatch(text, ":", ":" + "[".repeat(depth)) + "]".repeat(depth);
            }
            default -> out = replaceMatch(text, "\"[^\"\\\\]*\"", pick(new String[] {"null", "true", "[]", "{}", "0",
                "-1", "[\"a\"]", "{\"a\":{}}"}));
        }
        return out.getBytes(StandardCharsets.UTF_8);
    }

    private String escapeOrNot(String s) {
        if (!random.nextBoolean()) {
            return s.replace("\\", "\\\\").replace("\"", "\\\"");
        }
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(String.format("\\u%04x", (int) c));
        }
        return b.toString();
    }

    private String replaceMatch(String text, String regex, String replacement) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
        List<int[]> spans = new ArrayList<>();
        while (m.find() && spans.size() < 256) {
            spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
            return text + replacement;
        }
        int[] span = spans.get(random.nextInt(spans.size()));
        return text.substring(0, span[0]) + replacement + text.substring(span[1]);
    }

    /** Structural edits on the parsed tree: a node replaced by a random value, removed, or added. */
    private byte[] mutateTree(byte[] doc) {
        JsonNode root;
        try {
            root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(doc);
        } catch (IOException | RuntimeException e) {
            return mutateBytes(doc);
        }
        if (root == null || !root.isContainerNode()) {
            return randomValue(3).toString().getBytes(StandardCharsets.UTF_8);
        }
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode target = containers.get(random.nextInt(containers.size()));
        if (target instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            int op = random.nextInt(3);
            if (op == 0 || names.isEmpty()) {
                o.set(pick(KEYS), randomValue(3));
            } else if (op == 1) {
                o.remove(names.get(random.nextInt(names.size())));
            } else {
                o.set(names.get(random.nextInt(names.size())), randomValue(3));
            }
        } else if (target instanceof ArrayNode a) {
            if (a.isEmpty() || random.nextBoolean()) {
                a.add(randomValue(2));
            } else {
                a.set(random.nextInt(a.size()), randomValue(2));
            }
        }
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void collect(JsonNode node, List<JsonNode> out) {
        if (node.isContainerNode()) {
            out.add(node);
            node.elements().forEachRemaining(child -> collect(child, out));
        }
    }

    private JsonNode randomValue(int depth) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        int kind = random.nextInt(depth <= 0 ? 5 : 7);
        return switch (kind) {
            case 0 -> f.nullNode();
            case 1 -> f.booleanNode(random.nextBoolean());
            case 2 -> f.numberNode(new java.math.BigDecimal(pick(new String[] {"0", "1", "2", "-1", "2.5", "1e3",
                "4294967298", "1e300"})));
            case 3, 4 -> f.textNode(pick(STRINGS));
            case 5 -> {
                ArrayNode a = f.arrayNode();
                for (int i = random.nextInt(3); i > 0; i--) {
                    a.add(randomValue(depth - 1));
                }
                yield a;
            }
            default -> {
                ObjectNode o = f.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    o.set(pick(KEYS), randomValue(depth - 1));
                }
                yield o;
            }
        };
    }

    private String pick(String[] options) {
        return options[random.nextInt(options.length)];
    }

    /** One iteration of a fuzz loop; {@code bounded} runs a check under the per-input limit. */
    @FunctionalInterface
    public interface Step {
        void accept(long iteration, Bounded bounded) throws Throwable;
    }

    /** Runs one check of an iteration under {@link #PER_INPUT_LIMIT}; {@code context} names the input. */
    @FunctionalInterface
    public interface Bounded {
        void run(String context, Runnable check) throws Throwable;
    }

    /** Iterates {@code step} until {@code budget} is spent or -Dfuzz.iterations is reached; the count run. */
    public static long run(Duration budget, Step step) throws Throwable {
        long deadline = System.nanoTime() + budget.toNanos();
        long cap = iterationCap();
        ExecutorService worker = worker();
        long n = 0;
        try {
            for (; n < cap && System.nanoTime() < deadline; n++) {
                step.accept(n, (context, check) -> bounded(worker, () -> {
                    check.run();
                    return null;
                }, context));
            }
        } finally {
            worker.shutdownNow();
        }
        return n;
    }

    /** Runs one input under {@link #PER_INPUT_LIMIT}; a slower input is reported as a hang. */
    static <T> T bounded(ExecutorService worker, java.util.concurrent.Callable<T> task, String input)
            throws Throwable {
        Future<T> f = worker.submit(task);
        try {
            return f.get(PER_INPUT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("input took longer than " + PER_INPUT_LIMIT + " (hang?): " + input);
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    private static ExecutorService worker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-worker");
            t.setDaemon(true);
            return t;
        });
    }
}
