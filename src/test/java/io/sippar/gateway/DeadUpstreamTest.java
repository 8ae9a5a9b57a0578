package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An upstream that is down becomes a 502 problem+json within the deadline, never a hang or a 500. */
@QuarkusTest
@TestProfile(DeadUpstreamTest.DeadUpstream.class)
class DeadUpstreamTest {

    /** A loopback port nobody listens on. */
    public static class DeadUpstream implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("sippar.gateway.passthrough-upstream", "http://127.0.0.1:" + port,
                    "sippar.gateway.upstream-timeout", "2s");
        }
    }

    @Test
    void refusedConnectionIs502ProblemJson() {
        given().get("/anything").then().statusCode(502).contentType("application/problem+json")
                .body("reason", equalTo("upstream_unavailable"));
    }
}
