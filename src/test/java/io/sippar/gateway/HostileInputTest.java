package io.sippar.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sippar.evm.HostilePayments;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.testsupport.TokenReader;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.Network;
import io.sippar.x402.X402Json;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.web3j.utils.Numeric;

/**
 * The hostile-input corpus against the running gateway on real anvil chains: every malformed or
 * adversarial payment header and facilitator request gets its specific status and reason, and
 * nothing is charged (token balances unchanged on both chains, no payment settled or settling,
 * no journal entry).
 */
@QuarkusTest
class HostileInputTest {

    private static final String API_KEY = "Bearer sk_test_acme_0123456789abcdefghijklmn";
    /** A key that holds no tokens on any test chain. */
    private static final String UNFUNDED_KEY = "0x" + "11".repeat(32);
    private static final int[] WATCHED_ACCOUNTS = {0, 1, 2, 7};
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static HttpClient http;

    @TestHTTPResource("/")
    URL base;

    @Inject
    Pool pool;

    static Stream<HostileCase> corpus() {
        return HostileCase.all().stream();
    }

    @BeforeAll
    static void client() {
        // HTTP/1.1 as the official clients speak it (no h2c upgrade)
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    static void closeClient() {
        http.close();
    }

    @Test
    void corpusCoversEveryTargetAndHasUniqueNames() {
        List<HostileCase> all = HostileCase.all();
        assertTrue(all.size() >= 100, "corpus has " + all.size() + " cases");
        assertEquals(all.size(), all.stream().map(HostileCase::toString).distinct().count(), "duplicate case names");
        for (String target : List.of("v2", "v1", "verify", "settle", "raw")) {
            assertTrue(all.stream().anyMatch(c -> c.target().equals(target)), "no case for " + target);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void refusedWithItsReasonAndNothingCharged(HostileCase c) throws Exception {
        JsonNode offer = offer(c);
        AnvilFixture chain = chainOf(offer);
        Map<String, String> vars = new HashMap<>();
        vars.put("${nonce}", randomNonce());
        vars.put("${payTo}", offer.get("payTo").asText());
        vars.put("${asset}", offer.get("asset").asText());
        String key = key(c, chain);

        if ("settle-first".equals(c.setup())) {
            // the same payer and nonce paid once, legitimately, through the gateway
            ObjectNode first = HostilePayments.payload(offer, key, Map.of("nonce", vars.get("${nonce}")), Map.of());
            HttpResponse<String> paid = send("GET", c.route(), Map.of("PAYMENT-SIGNATURE",
                    HeaderCodec.encode(v2(offer, first))), null);
            assertEquals(200, paid.statusCode(), "setup payment failed: " + paid.body());
        }

        ObjectNode payload = payload(c, offer, key, vars);
        if ("consume-on-chain".equals(c.setup())) {
            HostilePayments.consumeOnChain(chain, payload, chain.account(0).privateKey());
        }
        byte[] document = document(c, offer, payload, vars);

        Snapshot before = snapshot();
        Answer answer = answer(c, document);
        assertNotEquals(500, answer.status(), c + ": " + answer.body());
        assertEquals(c.expectedStatus(), answer.status(), c + " answered " + answer.status() + ": " + answer.body());
        check(c, answer);
        Snapshot after = snapshot();
        assertEquals(before, after, c + ": something was charged or recorded");
    }

    @Test
    void theTokenItselfRefusesTheHighSTwinOfAValidSignature() throws Exception {
        AnvilFixture chain = ChainsTestResource.devnet();
        JsonNode offer = offer("/demo/weather", null);
        ObjectNode valid = HostilePayments.payload(offer, chain.payer().privateKey(), Map.of(), Map.of());
        assertFalse(HostilePayments.tokenRefuses(chain, valid), "the untouched signature must be good on chain");
        ObjectNode twin = valid.deepCopy();
        twin.put("signature", HostilePayments.twist(valid.get("signature").asText(), "high-s"));
        // plain ECDSA accepts the twin (same r, n - s, other parity); EIP-2 and USDC's ECRecover do not
        assertTrue(HostilePayments.tokenRefuses(chain, twin), "SipparUSDC must revert on a high-s signature");
    }

    // ---------------------------------------------------------------- building the input

    private JsonNode offer(HostileCase c) throws IOException {
        return offer(c.route(), c.network());
    }

    private JsonNode offer(String route, String network) throws IOException {
        HttpResponse<String> challenge = send("GET", route, Map.of(), null);
        assertEquals(402, challenge.statusCode(), route + " is not priced");
        JsonNode accepts = HeaderCodec.decodeJson(challenge.headers().firstValue("PAYMENT-REQUIRED").orElseThrow())
                .get("accepts");
        for (JsonNode a : accepts) {
            if (network == null || network.equals(a.get("network").asText())) {
                return a;
            }
        }
        throw new IllegalArgumentException(route + " offers no " + network);
    }

    private static AnvilFixture chainOf(JsonNode offer) {
        return "eip155:84532".equals(offer.get("network").asText()) ? ChainsTestResource.baseSepolia()
                : ChainsTestResource.devnet();
    }

    private static String key(HostileCase c, AnvilFixture chain) {
        JsonNode signer = c.payment().path("signer");
        if ("unfunded".equals(signer.asText())) {
            return UNFUNDED_KEY;
        }
        return chain.account(signer.asInt(1)).privateKey();
    }

    private static ObjectNode payload(HostileCase c, JsonNode offer, String key, Map<String, String> vars) {
        ObjectNode payload = HostilePayments.payload(offer, key, strings(c.payment().path("signedWith"), vars),
                strings(c.payment().path("domain"), vars));
        String trick = c.payment().path("signature").asText(null);
        if (trick != null) {
            payload.put("signature", HostilePayments.twist(payload.get("signature").asText(), trick));
        }
        return payload;
    }

    private static Map<String, String> strings(JsonNode node, Map<String, String> vars) {
        Map<String, String> out = new HashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), vars.getOrDefault(e.getValue().asText(),
                e.getValue().asText())));
        return out;
    }

    private static ObjectNode v2(JsonNode offer, JsonNode payload) {
        ObjectNode doc = X402Json.MAPPER.createObjectNode();
        doc.put("x402Version", 2);
        doc.set("accepted", offer.deepCopy());
        doc.set("payload", payload);
        return doc;
    }

    private static ObjectNode v1(JsonNode offer, JsonNode payload) {
        ObjectNode doc = X402Json.MAPPER.createObjectNode();
        doc.put("x402Version", 1);
        doc.put("scheme", offer.get("scheme").asText());
        doc.put("network", Network.parse(offer.get("network").asText()).flatMap(Network::v1Name).orElseThrow());
        doc.set("payload", payload);
        return doc;
    }

    private static byte[] document(HostileCase c, JsonNode offer, ObjectNode payload, Map<String, String> vars)
            throws IOException {
        String generated = c.generated();
        if (generated != null) {
            return c.editBytes(c.editText(generated));
        }
        JsonNode doc;
        if (c.spec().has("document")) {
            doc = c.spec().get("document").deepCopy();
        } else {
            doc = switch (c.target()) {
                case "v1" -> v1(offer, payload);
                case "verify", "settle" -> {
                    ObjectNode body = X402Json.MAPPER.createObjectNode();
                    body.put("x402Version", 2);
                    body.set("paymentPayload", v2(offer, payload));
                    body.set("paymentRequirements", offer.deepCopy());
                    yield body;
                }
                default -> v2(offer, payload);
            };
        }
        JsonNode mutated = c.mutate(substitute(doc, offer, payload, vars));
        return c.editBytes(c.editText(X402Json.MAPPER.writeValueAsString(mutated)));
    }

    /** Replaces "${offer}" / "${payload}" nodes and "${var}" strings anywhere in a literal document. */
    private static JsonNode substitute(JsonNode node, JsonNode offer, JsonNode payload, Map<String, String> vars) {
        if (node.isTextual()) {
            String s = node.asText();
            if (s.equals("${offer}")) {
                return offer.deepCopy();
            }
            if (s.equals("${payload}")) {
                return payload.deepCopy();
            }
            return vars.containsKey(s) ? TextNode.valueOf(vars.get(s)) : node;
        }
        if (node instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                o.set(name, substitute(o.get(name), offer, payload, vars));
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, substitute(a.get(i), offer, payload, vars));
            }
        }
        return node;
    }

    private static String randomNonce() {
        byte[] b = new byte[32];
        new java.security.SecureRandom().nextBytes(b);
        return Numeric.toHexString(b);
    }

    // ---------------------------------------------------------------- sending and checking

    /** Status, lower-cased header names and body of an answer. */
    record Answer(int status, Map<String, List<String>> headers, String body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    private Answer answer(HostileCase c, byte[] document) throws Exception {
        switch (c.target()) {
            case "v2", "v1" -> {
                String header = c.encode(document);
                HttpResponse<String> r = send("GET", c.route(),
                        Map.of(c.target().equals("v2") ? "PAYMENT-SIGNATURE" : "X-PAYMENT", header), null);
                return new Answer(r.statusCode(), lower(r.headers().map()), r.body());
            }
            case "verify", "settle" -> {
                HttpResponse<String> r = send("POST", "/" + c.target(),
                        Map.of("Authorization", API_KEY, "Content-Type", "application/json"), document);
                return new Answer(r.statusCode(), lower(r.headers().map()), r.body());
            }
            case "raw" -> {
                return raw(c.rawRequest(c.encode(document), base.getHost() + ":" + base.getPort()));
            }
            default -> throw new IllegalArgumentException("unknown target " + c.target());
        }
    }

    private static void check(HostileCase c, Answer a) throws IOException {
        String reason = c.expectedReason();
        if (reason == null) {
            return;
        }
        switch (a.status()) {
            case 402 -> {
                String required = a.header("PAYMENT-REQUIRED");
                assertTrue(required != null, c + ": 402 without PAYMENT-REQUIRED");
                assertEquals(reason, HeaderCodec.decodeJson(required).get("error").asText(), c + ": v2 error");
                assertEquals(c.spec().at("/expect/v1reason").asText(reason),
                        X402Json.MAPPER.readTree(a.body()).get("error").asText(), c + ": v1 error");
            }
            case 200 -> {
                JsonNode body = X402Json.MAPPER.readTree(a.body());
                if (c.target().equals("verify")) {
                    assertEquals(c.expectedValid(), body.get("isValid").asBoolean(), c + ": " + a.body());
                    if (!c.expectedValid()) {
                        assertEquals(reason, body.get("invalidReason").asText(), c + ": " + a.body());
                    }
                } else {
                    assertFalse(body.get("success").asBoolean(), c + ": " + a.body());
                    assertEquals(reason, body.get("errorReason").asText(), c + ": " + a.body());
                    assertTrue(body.has("transaction") && body.has("network"), c + ": incomplete settle answer");
                }
            }
            default -> {
                assertTrue(a.header("Content-Type") != null && a.header("Content-Type").startsWith(Problem.MEDIA_TYPE),
                        c + ": not problem+json: " + a.headers());
                assertEquals(reason, X402Json.MAPPER.readTree(a.body()).get("reason").asText(), c + ": " + a.body());
            }
        }
    }

    private HttpResponse<String> send(String method, String path, Map<String, String> headers, byte[] body)
            throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "") + path))
                .timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** HTTP/1.1 over a plain socket, for what HTTP clients refuse to send (CR, LF, NUL, folded lines). */
    private Answer raw(byte[] request) throws IOException {
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = s.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            String head = end < 0 ? text : text.substring(0, end);
            String body = end < 0 ? "" : text.substring(end + 4);
            Iterator<String> lines = head.lines().iterator();
            String status = lines.next();
            Map<String, List<String>> headers = new HashMap<>();
            while (lines.hasNext()) {
                String line = lines.next();
                int colon = line.indexOf(':');
                headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                        k -> new ArrayList<>()).add(line.substring(colon + 1).trim());
            }
            return new Answer(Integer.parseInt(status.split(" ")[1]), headers, body);
        }
    }

    private static Map<String, List<String>> lower(Map<String, List<String>> headers) {
        Map<String, List<String>> out = new HashMap<>();
        headers.forEach((k, v) -> out.put(k.toLowerCase(java.util.Locale.ROOT), v));
        return out;
    }

    // ---------------------------------------------------------------- nothing charged

    /** Token balances of the watched accounts on both chains and the recorded money, at one instant. */
    record Snapshot(List<BigInteger> balances, long settledOrSettling, long journalEntries) {
    }

    private Snapshot snapshot() {
        List<BigInteger> balances = new ArrayList<>();
        for (AnvilFixture chain : List.of(ChainsTestResource.devnet(), ChainsTestResource.baseSepolia())) {
            try (TokenReader token = new TokenReader(chain)) {
                for (int i : WATCHED_ACCOUNTS) {
                    balances.add(token.balance(chain.account(i).address()));
                }
            }
        }
        long money = pool.query("SELECT count(*) FROM payment WHERE state IN ('settled', 'settling')").execute()
                .await().atMost(TIMEOUT).iterator().next().getLong(0);
        long entries = pool.query("SELECT count(*) FROM journal_entry").execute()
                .await().atMost(TIMEOUT).iterator().next().getLong(0);
        return new Snapshot(balances, money, entries);
    }
}
