package io.sippar.evm;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import okhttp3.ResponseBody;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.exceptions.ClientConnectionException;
import org.web3j.protocol.http.HttpService;

/**
 * web3j's HTTP transport with a truly asynchronous {@link #sendAsync}: the call is enqueued on the
 * endpoint's own OkHttp client instead of blocking a thread of web3j's static {@code Async} pool.
 * That pool has one thread per core (two here), so every RPC call of the gateway queued behind two
 * blocking calls, and it is shut down by a JVM shutdown hook the moment SIGTERM arrives, which made
 * every settlement still waiting for its receipt during Quarkus's graceful shutdown fail (found by
 * MultiPodIT's rolling restart). The OkHttp client, its dispatcher and its timeouts belong to
 * {@link EvmRpc}, which closes them after the application has stopped.
 */
final class AsyncHttpService extends HttpService {

    private final OkHttpClient http;
    private final String url;

    AsyncHttpService(String url, OkHttpClient http) {
        super(url, http);
        this.http = http;
        this.url = url;
    }

    @Override
    public <T extends Response> CompletableFuture<T> sendAsync(Request request, Class<T> responseType) {
        CompletableFuture<T> result = new CompletableFuture<>();
        byte[] payload;
        try {
            payload = objectMapper.writeValueAsBytes(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        Call call = http.newCall(new okhttp3.Request.Builder().url(url)
                .post(RequestBody.create(payload, JSON_MEDIA_TYPE)).build());
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                result.completeExceptionally(e);
            }

            @Override
            public void onResponse(Call c, okhttp3.Response response) {
                try (ResponseBody body = response.body()) {
                    if (!response.isSuccessful()) {
                        // as HttpService: a non-2xx answer is the endpoint failing, not a JSON-RPC answer
                        result.completeExceptionally(new ClientConnectionException("Invalid response received: "
                                + response.code() + "; " + (body == null ? "" : body.string())));
                        return;
                    }
                    result.complete(objectMapper.readValue(body.byteStream(), responseType));
                } catch (IOException | RuntimeException e) {
                    result.completeExceptionally(e);
                }
            }
        });
        // a caller giving up (timeout guard) frees the connection at once
        result.whenComplete((ignored, failure) -> {
            if (result.isCancelled()) {
                call.cancel();
            }
        });
        return result;
    }
}
