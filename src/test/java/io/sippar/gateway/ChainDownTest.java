package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sippar.evm.TestPayments;
import io.sippar.x402.HeaderCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A chain whose every node is down: paid requests get 503 with Retry-After, never "invalid payment". */
@QuarkusTest
@TestProfile(ChainDownTest.NodeDown.class)
class ChainDownTest {

    private static final String PAYER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    /** eip155:1337 served by two RPC URLs on which nothing listens. */
    public static class NodeDown implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> p = new HashMap<>();
            p.put("sippar.evm.networks.down.chain-id", "1337");
            p.put("sippar.evm.networks.down.rpc-urls", "http://127.0.0.1:" + deadPort() + ",http://127.0.0.1:" + deadPort());
            p.put("sippar.evm.networks.down.rpc-timeout", "500ms");
            p.put("sippar.evm.networks.down.settlement-key",
                    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6");
            p.put("sippar.pricing.assets.down-usdc.network", "eip155:1337");
            p.put("sippar.pricing.assets.down-usdc.address", "0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9");
            p.put("sippar.pricing.assets.down-usdc.eip712-name", "USD Coin");
            p.put("sippar.pricing.assets.down-usdc.eip712-version", "2");
            p.put("sippar.pricing.routes.down.merchant", "acme");
            p.put("sippar.pricing.routes.down.path", "/paid/down");
            p.put("sippar.pricing.routes.down.upstream", "/demo-upstream/weather");
            p.put("sippar.pricing.routes.down.price", "$0.001");
            p.put("sippar.pricing.routes.down.accepts[0].network", "eip155:1337");
            p.put("sippar.pricing.routes.down.accepts[0].pay-to", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
            return p;
        }

        private static int deadPort() {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void paidRequestOnAChainWithEveryNodeDownIs503WithRetryAfter() {
        JsonNode offered = HeaderCodec.decodeJson(given().get("/paid/down").getHeader("PAYMENT-REQUIRED"))
                .at("/accepts/0");
        String header = TestPayments.v2Header(offered, PAYER_KEY);
        given().header("PAYMENT-SIGNATURE", header).get("/paid/down").then().statusCode(503)
                .header("Retry-After", equalTo("5")).contentType("application/problem+json")
                .body("reason", equalTo("facilitator_unavailable"));
        // the reservation was released, so the same payment is not "in progress" or "used" on retry
        given().header("PAYMENT-SIGNATURE", header).get("/paid/down").then().statusCode(503);
    }
}
