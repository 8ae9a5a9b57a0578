package io.sippar.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sippar.interop.NodeScript;
import io.sippar.interop.NodeServer;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.testsupport.TokenReader;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.net.URL;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Facilitator mode: the official {@code @x402/express} middleware on a merchant's own server uses
 * the gateway as its facilitator (with the merchant's API key), and {@code @x402/fetch} pays.
 */
@QuarkusTest
class FacilitatorModeTest {

    @TestHTTPResource("/")
    URL gateway;

    @Inject
    Pool pool;

    @Test
    void officialExpressServerSettlesThroughTheGatewayAndTheLedgerRecordsItUnderTheMerchant() {
        AnvilFixture chain = ChainsTestResource.devnet();
        String base = gateway.toString().replaceAll("/$", "");
        try (TokenReader token = new TokenReader(chain);
                NodeServer merchant = NodeServer.start("server.mjs", Duration.ofSeconds(60),
                        "--facilitator", base, "--api-key", "sk_test_acme_0123456789abcdefghijklmn",
                        "--network", "eip155:31337", "--asset", AnvilFixture.TOKEN_ADDRESS, "--amount", "3000",
                        "--pay-to", chain.merchant().address())) {
            BigInteger before = token.balance(chain.merchant().address());
            JsonNode out = NodeScript.run("client.mjs", Duration.ofSeconds(90), "--client", "v2", "--url",
                    "http://127.0.0.1:" + merchant.port() + "/weather", "--evm-key", chain.account(7).privateKey(),
                    "--allow-asset", AnvilFixture.TOKEN_ADDRESS + "@eip155:31337");
            assertEquals(200, out.get("finalStatus").asInt(), out.toString());
            assertTrue(out.get("finalBody").asText().contains("express-merchant"));
            JsonNode settlement = out.at("/decoded/paymentResponse");
            assertTrue(settlement.get("success").asBoolean(), settlement.toString());
            String tx = settlement.get("transaction").asText();
            assertEquals(before.add(BigInteger.valueOf(3000)), token.balance(chain.merchant().address()));
            Row row = pool.preparedQuery("""
                    SELECT p.state, m.slug, p.amount FROM payment p JOIN merchant m ON m.id = p.merchant_id
                     WHERE p.tx_hash = $1""").execute(Tuple.of(tx)).await().atMost(Duration.ofSeconds(10))
                    .iterator().next();
            assertEquals("settled", row.getString("state"));
            assertEquals("acme", row.getString("slug"));
            assertEquals(3000L, row.getBigDecimal("amount").longValue());
        }
    }
}
