package io.sippar.treasury;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Treasury-mode merchants made through the admin API (each test its own, so balances and payouts are
 * exact whatever else ran before), their routes, payments through the edge, and ledger readers.
 */
final class TreasuryFixtures {

    static final String ADMIN = "Bearer sk_test_operator_0123456789abcdefghij";
    static final Duration DB = Duration.ofSeconds(20);

    private TreasuryFixtures() {
    }

    /** A merchant with its own API key. */
    record Merchant(UUID id, String slug, String bearer) {
    }

    static String unique(String prefix) {
        return prefix + "-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    }

    /** A new merchant on the unlimited Enterprise plan (no hard stop), in {@code mode}. */
    static Merchant merchant(String mode) {
        String slug = unique("tr");
        String id = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Treasury " + slug + "\",\"plan\":\"enterprise\"}")
                .post("/admin/merchants").then().statusCode(201).extract().path("id");
        String secret = given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{}")
                .post("/admin/merchants/" + id + "/api-keys").then().statusCode(201).extract().path("secret");
        Merchant m = new Merchant(UUID.fromString(id), slug, "Bearer " + secret);
        if (!"direct".equals(mode)) {
            given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{\"mode\":\"" + mode + "\"}")
                    .put("/admin/merchants/" + id + "/settlement-mode").then().statusCode(200);
        }
        return m;
    }

    /** A route of {@code m} at a fresh path, priced {@code price}, accepting {@code network}, paying {@code payTo}. */
    static String route(Merchant m, String network, String payTo, String price) {
        String path = "/" + unique("tp") + "/" + UUID.randomUUID().toString().substring(0, 8);
        ObjectNode body = X402Json.MAPPER.createObjectNode();
        body.put("name", unique("r"));
        body.put("path", path);
        body.put("upstream", upstreamUrl("/ok"));
        body.put("price", price);
        body.put("maxTimeoutSeconds", 300);
        body.putArray("accepts").addObject().put("network", network).put("payTo", payTo);
        given().header("Authorization", m.bearer()).contentType(ContentType.JSON).body(body.toString())
                .post("/merchant/routes").then().statusCode(201);
        return path;
    }

    /** The operator sets a merchant's payout address (immediate) and threshold on a network. */
    static void payoutAccount(Merchant m, String network, String address, String threshold) {
        ObjectNode body = X402Json.MAPPER.createObjectNode().put("network", network).put("address", address)
                .put("threshold", threshold);
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(body.toString())
                .put("/admin/merchants/" + m.id() + "/payout-accounts").then().statusCode(200);
    }

    /** The one requirement the 402 of {@code path} offers. */
    static JsonNode offered(String path) {
        Response r = given().get(path);
        assertEquals(402, r.statusCode(), r.asString());
        JsonNode accepts = HeaderCodec.decodeJson(r.getHeader("PAYMENT-REQUIRED")).get("accepts");
        assertEquals(1, accepts.size());
        return accepts.get(0);
    }

    /** Pays {@code path} with {@code header}; returns the settlement's transaction id. */
    static String pay(String path, String header) {
        Response r = given().header("PAYMENT-SIGNATURE", header).get(path);
        assertEquals(200, r.statusCode(), () -> r.asString() + " " + r.getHeader("PAYMENT-REQUIRED"));
        JsonNode settled = HeaderCodec.decodeJson(r.getHeader("PAYMENT-RESPONSE"));
        assertEquals(true, settled.get("success").asBoolean(), settled.toString());
        return settled.get("transaction").asText();
    }

    /** Runs payouts now (POST /admin/treasury/payouts/run) and returns what the run did. */
    static List<String> runPayouts() {
        Response r = given().header("Authorization", ADMIN).post("/admin/treasury/payouts/run");
        assertEquals(200, r.statusCode(), r.asString());
        List<String> events = new ArrayList<>();
        r.jsonPath().getList("events", String.class).forEach(events::add);
        return events;
    }

    /** The settled payment with this transaction: amount and recorded fee. */
    static Row paymentByTx(Pool pool, String tx) {
        return pool.preparedQuery("SELECT * FROM payment WHERE tx_hash = $1").execute(Tuple.of(tx))
                .await().atMost(DB).iterator().next();
    }

    /** amount − fee of a settled payment. */
    static BigInteger share(Row payment) {
        return payment.getBigDecimal("amount").toBigIntegerExact()
                .subtract(payment.getBigDecimal("fee_atomic").toBigIntegerExact());
    }

    static BigInteger fee(Row payment) {
        return payment.getBigDecimal("fee_atomic").toBigIntegerExact();
    }

    /** The balance of a ledger account in a posting asset. */
    static BigInteger ledger(Pool pool, String account, String asset) {
        return pool.preparedQuery("SELECT coalesce(sum(amount), 0) AS b FROM posting WHERE account = $1 AND asset = $2")
                .execute(Tuple.of(account, asset)).await().atMost(DB).iterator().next().getBigDecimal("b")
                .toBigIntegerExact();
    }

    /** The payout transfers of {@code m} with their payout's state, transaction and network fee, oldest first. */
    static List<Row> payoutItems(Pool pool, Merchant m) {
        List<Row> rows = new ArrayList<>();
        pool.preparedQuery("""
                SELECT i.*, o.state AS payout_state, o.tx_id AS payout_tx, o.network_fee FROM payout_item i
                  JOIN payout o ON o.id = i.payout_id WHERE i.merchant_id = $1 ORDER BY o.created_at""")
                .execute(Tuple.of(m.id())).await().atMost(DB).forEach(rows::add);
        return rows;
    }

    /** custody + liability + operator adjustments of a treasury: zero when every movement of it was recorded. */
    static BigInteger custodyPlusLiability(Pool pool, String network, String treasury, String asset) {
        return ledger(pool, io.sippar.ledger.TreasuryAccounts.custody(network, treasury), asset)
                .add(ledger(pool, io.sippar.ledger.TreasuryAccounts.liability(network, treasury), asset))
                .add(ledger(pool, io.sippar.ledger.TreasuryAccounts.ADJUSTMENT, asset));
    }

    /**
     * The key of a new anvil payer holding 1,000 USDC minted for it by the token's owner, so no other
     * test's spending makes it short (EIP-3009 payers need no ETH).
     */
    static String newEvmPayer(io.sippar.testsupport.TokenReader token) {
        org.web3j.crypto.ECKeyPair pair;
        try {
            pair = org.web3j.crypto.Keys.createEcKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        String address = org.web3j.crypto.Credentials.create(pair).getAddress();
        token.mint(io.sippar.testsupport.ChainsTestResource.devnet().deployer().privateKey(), address,
                BigInteger.valueOf(1_000_000_000L));
        return org.web3j.utils.Numeric.toHexStringWithPrefixZeroPadded(pair.getPrivateKey(), 64);
    }

    /** Entries of the whole ledger that do not balance (the invariant: none). */
    static List<String> unbalanced(Pool pool) {
        List<String> out = new ArrayList<>();
        pool.query("SELECT entry_id, asset, total FROM ledger_unbalanced_entries").execute().await().atMost(DB)
                .forEach(r -> out.add(r.getLong("entry_id") + "/" + r.getString("asset")));
        return out;
    }

    /** A merchant's payout transfers, as the merchant API shows them. */
    static JsonNode merchantPayouts(Merchant m) {
        try {
            return X402Json.MAPPER.readTree(given().header("Authorization", m.bearer()).get("/merchant/payouts")
                    .then().statusCode(200).extract().asString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The payout ids of the payouts the transfers of {@code m} belong to, newest first. */
    static List<String> payoutIds(Merchant m) {
        List<String> ids = new ArrayList<>();
        merchantPayouts(m).forEach(p -> ids.add(p.get("payoutId").asText()));
        return ids;
    }

    private static HttpServer upstream;

    /** A loopback upstream shared by the treasury tests, answering 200 (or 500 under /fail). */
    static synchronized String upstreamUrl(String path) {
        if (upstream == null) {
            try {
                upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            upstream.createContext("/", exchange -> {
                boolean fail = exchange.getRequestURI().getPath().startsWith("/fail");
                byte[] body = ("{\"ok\":" + !fail + "}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(fail ? 500 : 200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            upstream.start();
            HttpServer started = upstream;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> started.stop(0), "treasury-upstream-stop"));
        }
        return "http://127.0.0.1:" + upstream.getAddress().getPort() + path;
    }
}
