package io.sippar.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sippar.x402.HeaderCodec;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The largest legitimate payment header (an Algorand group of 16 signed transactions, ~12 KB) must
 * reach the gateway over HTTP/2 too, not only over HTTP/1.1.
 */
@QuarkusTest
class Http2HeadersTest {

    @TestHTTPResource("/demo/weather")
    URL demo;

    @Test
    void aPaymentHeaderNearTheLimitIsAnsweredOverHttp2() throws Exception {
        // valid base64 of a JSON object with an oversized unknown field: decoded, then refused by shape
        String json = "{\"x402Version\":2,\"pad\":\"" + "a".repeat(11_500) + "\"}";
        String header = Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
        assertEquals(true, header.length() > 15_000 && header.length() <= HeaderCodec.MAX_PAYMENT_HEADER_CHARS);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5)).build();
        // the first request upgrades the connection (h2c), the second travels as HTTP/2 frames
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(demo.toString()))
                    .timeout(Duration.ofSeconds(20)).header("PAYMENT-SIGNATURE", header).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(402, r.statusCode(), r.body());
            assertEquals(true, r.headers().firstValue("PAYMENT-REQUIRED").isPresent());
        }
    }
}
