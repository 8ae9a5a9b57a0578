package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sippar.evm.TestPayments;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.testsupport.FaultAudit;
import io.sippar.testsupport.TokenReader;
import io.sippar.x402.HeaderCodec;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * Paid calls through the gateway with settlement batching on (devnet: up to 50 authorizations per
 * Multicall3 transaction): concurrent payments share transactions, every client gets its own
 * PAYMENT-RESPONSE naming the batch, and the ledger records each payment exactly once.
 */
@QuarkusTest
@TestProfile(BatchedPaidFlowTest.Batching.class)
class BatchedPaidFlowTest {

    /** Batching on the demo devnet. */
    public static class Batching implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sippar.evm.networks.devnet.batch.enabled", "true",
                    "sippar.evm.networks.devnet.batch.max-wait", "50ms");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int[] PAYERS = {1, 3, 4, 5, 6, 7, 8};

    @TestHTTPResource("/demo/weather")
    URL demo;

    @Inject
    Pool pool;

    private Row payment(String payer, String nonce) {
        return pool.preparedQuery("""
                SELECT p.state, p.tx_hash, p.batch_index,
                       (SELECT count(*) FROM journal_entry e WHERE e.payment_id = p.id) AS entries
                  FROM payment p WHERE lower(p.payer) = lower($1) AND lower(p.chain_ref) = lower($2)""")
                .execute(Tuple.of(payer, nonce)).await().atMost(WAIT).iterator().next();
    }

    @Test
    void concurrentPaymentsShareBatchTransactionsAndEachIsRecordedOnce() throws Exception {
        AnvilFixture chain = ChainsTestResource.devnet();
        JsonNode offered = HeaderCodec.decodeJson(given().get(demo).getHeader("PAYMENT-REQUIRED")).at("/accepts/0");
        assertEquals("eip155:31337", offered.get("network").asText());
        Web3j web3j = Web3j.build(new HttpService(chain.rpcUrl()));
        BigInteger fromBlock = web3j.ethBlockNumber().send().getBlockNumber().add(BigInteger.ONE);
        web3j.shutdown();
        Instant since = Instant.now().minusSeconds(1);
        int n = 70;
        try (TokenReader token = new TokenReader(chain)) {
            BigInteger merchantBefore = token.balance(chain.merchant().address());
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            List<JsonNode> payloads = new ArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String header = TestPayments.v2Header(offered, chain.account(PAYERS[i % PAYERS.length]).privateKey());
                payloads.add(HeaderCodec.decodeJson(header).at("/payload/authorization"));
                calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(demo.toString()))
                        .header("PAYMENT-SIGNATURE", header).timeout(Duration.ofSeconds(90)).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            Map<String, Set<Integer>> positions = new HashMap<>();
            Set<String> txs = new HashSet<>();
            for (int i = 0; i < n; i++) {
                HttpResponse<String> r = calls.get(i).get();
                assertEquals(200, r.statusCode(), r.body());
                JsonNode settled = HeaderCodec.decodeJson(r.headers().firstValue("PAYMENT-RESPONSE").orElseThrow());
                assertTrue(settled.get("success").asBoolean(), settled.toString());
                String tx = settled.get("transaction").asText();
                txs.add(tx);
                Row row = payment(payloads.get(i).get("from").asText(), payloads.get(i).get("nonce").asText());
                assertEquals("settled", row.getString("state"));
                assertEquals(tx, row.getString("tx_hash"), "the ledger names the transaction the client was told");
                assertEquals(1L, row.getLong("entries"));
                Short index = row.getShort("batch_index");
                if (index != null) {
                    assertTrue(positions.computeIfAbsent(tx, k -> new HashSet<>()).add(index.intValue()),
                            "two payments in call " + index + " of " + tx);
                }
            }
            assertTrue(txs.size() < n / 2, n + " concurrent payments went out in " + txs.size() + " transactions");
            assertTrue(positions.values().stream().anyMatch(s -> s.size() > 1), "some transaction settled several: "
                    + positions);
            assertEquals(merchantBefore.add(BigInteger.valueOf(1000L * n)), token.balance(chain.merchant().address()));
        }
        FaultAudit.Result audit = FaultAudit.assertChainAndLedgerAgree(chain.rpcUrl(), AnvilFixture.TOKEN_ADDRESS,
                chain.settler().address(), "eip155:31337", fromBlock, since, FaultAudit.Database.ofTests());
        assertTrue(audit.settlements() >= n, "audit saw " + audit.settlements());
    }

    @Test
    void concurrentCopiesOfOnePaymentStillSettleOnceWithBatching() throws Exception {
        AnvilFixture chain = ChainsTestResource.devnet();
        JsonNode offered = HeaderCodec.decodeJson(given().get(demo).getHeader("PAYMENT-REQUIRED")).at("/accepts/0");
        try (TokenReader token = new TokenReader(chain)) {
            String header = TestPayments.v2Header(offered, chain.account(7).privateKey());
            BigInteger before = token.balance(chain.account(7).address());
            int ok = 0;
            for (HttpResponse<String> r : PaidRequests.copies(demo, header, 30)) {
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertEquals(402, r.statusCode(), r.body());
                }
            }
            assertEquals(1, ok);
            assertEquals(before.subtract(BigInteger.valueOf(1000)), token.balance(chain.account(7).address()));
        }
    }
}
