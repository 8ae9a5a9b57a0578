package io.sippar.gateway;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Paid GETs fired at once, for the duplicate and concurrency tests. */
final class PaidRequests {

    private PaidRequests() {
    }

    /** {@code copies} GETs of {@code url} carrying the same PAYMENT-SIGNATURE, all in flight together. */
    static List<HttpResponse<String>> copies(URL url, String header, int copies) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url.toString()))
                .header("PAYMENT-SIGNATURE", header).timeout(Duration.ofSeconds(60)).build();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            calls.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        List<HttpResponse<String>> out = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            out.add(call.get());
        }
        return out;
    }
}
