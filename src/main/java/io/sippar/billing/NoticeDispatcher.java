package io.sippar.billing;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Delivers the usage-notice outbox to merchants' webhooks. Every pod polls for due notices and claims
 * them ({@code FOR UPDATE SKIP LOCKED} plus a lease), so any number of pods deliver without sending a
 * notice twice at once; a pod that dies mid-attempt only delays that notice until its lease expires
 * (delivery is at least once: receivers drop duplicates by event id). Each attempt is signed, bounded by
 * {@code timeout}, never follows redirects, and is recorded; failures are retried with exponential
 * backoff and jitter until a 2xx or {@code max-attempts}.
 */
@ApplicationScoped
public class NoticeDispatcher {

    private static final Logger LOG = Logger.getLogger(NoticeDispatcher.class);
    private static final long LEASE_MARGIN_MILLIS = 30_000;
    private static final int MAX_ERROR_CHARS = 500;

    private final BillingConfig.Webhooks config;
    private final NoticeRepository notices;
    private final WebhookRepository endpoints;
    private final WebhookSecrets secrets;
    private final Vertx vertx;
    private final HttpClient client;
    private final AtomicBoolean polling = new AtomicBoolean();
    private long timer = -1;

    public NoticeDispatcher(BillingConfig config, NoticeRepository notices, WebhookRepository endpoints,
            WebhookSecrets secrets, Vertx vertx) {
        this.config = config.webhooks();
        this.notices = notices;
        this.endpoints = endpoints;
        this.secrets = secrets;
        this.vertx = vertx;
        int timeout = (int) Math.min(Integer.MAX_VALUE, this.config.timeout().toMillis());
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setKeepAlive(false)
                .setConnectTimeout(timeout)
                .setIdleTimeout(timeout)
                .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
                .setMaxPoolSize(32)
                .setVerifyHost(true));
    }

    void onStart(@Observes StartupEvent event) {
        // reads (and validates) the encryption key now, so a bad key stops the start instead of a later request
        if (!secrets.available()) {
            LOG.info("no webhook encryption key configured (sippar.billing.webhooks.encryption-key[-file]): "
                    + "merchants cannot set webhooks; their notices are kept with status no_webhook");
        }
        if (!config.enabled()) {
            LOG.info("usage-notice webhooks are not delivered by this pod (sippar.billing.webhooks.enabled=false)");
            return;
        }
        timer = vertx.setPeriodic(Math.max(50, config.pollInterval().toMillis()), id -> poll());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        client.close();
    }

    /** One poll: claims the due notices and attempts each; a poll still running makes the next one skip. */
    void poll() {
        if (!polling.compareAndSet(false, true)) {
            return;
        }
        long lease = config.timeout().toMillis() + LEASE_MARGIN_MILLIS;
        notices.claimDue(config.batchSize(), lease, config.maxAttempts())
                .chain(claimed -> claimed.isEmpty() ? Uni.createFrom().voidItem()
                        : Uni.join().all(claimed.stream().map(this::attempt).toList()).andCollectFailures()
                                .replaceWithVoid())
                .eventually(() -> polling.set(false))
                .subscribe().with(x -> { }, failure -> LOG.warnf("usage-notice delivery poll failed: %s",
                        failure.getMessage()));
    }

    /** The result of one attempt. */
    private record Result(String url, Integer status, String error) {
        boolean delivered() {
            return status != null && status >= 200 && status < 300;
        }
    }

    private Uni<Void> attempt(NoticeRepository.Claimed claim) {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        UsageNotice notice = claim.notice();
        return endpoints.find(notice.merchantId()).chain(endpoint -> {
            if (endpoint.isEmpty()) {
                return notices.record(claim, "no_webhook", started, null, null, "the merchant has no webhook configured",
                        0, null).replaceWithVoid();
            }
            return send(notice, claim.attempt(), endpoint.get())
                    .onFailure().recoverWithItem(t -> new Result(endpoint.get().url(), null, describe(t)))
                    .chain(result -> finish(claim, started, t0, result));
        }).onFailure().invoke(t -> LOG.warnf("notice %s: attempt %d not recorded: %s", notice.id(), claim.attempt(),
                t.getMessage()));
    }

    private Uni<Void> finish(NoticeRepository.Claimed claim, Instant started, long t0, Result result) {
        UsageNotice notice = claim.notice();
        int ms = (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - t0) / 1_000_000);
        if (result.delivered()) {
            return notices.record(claim, "delivered", started, result.url(), result.status(), null, ms, null)
                    .replaceWithVoid();
        }
        String error = result.error() != null ? result.error() : "the endpoint answered " + result.status();
        if (claim.attempt() >= notice.attemptLimit()) {
            LOG.warnf("notice %s for merchant %s given up after %d attempts: %s", notice.id(), notice.merchantId(),
                    claim.attempt(), error);
            return notices.record(claim, "failed", started, result.url(), result.status(), error, ms, null)
                    .replaceWithVoid();
        }
        Instant next = Instant.now().plus(Backoff.after(claim.attempt(), config.initialBackoff(), config.maxBackoff(),
                ThreadLocalRandom.current().nextDouble()));
        return notices.record(claim, "pending", started, result.url(), result.status(), error, ms, next)
                .replaceWithVoid();
    }

    private Uni<Result> send(UsageNotice notice, int attempt, WebhookRepository.Endpoint endpoint) {
        String url = endpoint.url();
        String secret;
        URI uri;
        try {
            secret = secrets.open(notice.merchantId(), endpoint.secret());
            uri = WebhookUrls.validate(url, policy());
        } catch (WebhookSecrets.Unusable | IllegalArgumentException e) {
            return Uni.createFrom().item(new Result(url, null, e.getMessage()));
        }
        byte[] body = UsageEvent.body(notice);
        boolean https = uri.getScheme().equalsIgnoreCase("https");
        int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
                : uri.getHost();
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        Duration timeout = config.timeout();
        return resolve(host).chain(address -> {
            String refused = WebhookUrls.refusal(address, policy());
            if (refused != null) {
                return Uni.createFrom().item(new Result(url, null, host + " resolves to " + refused
                        + ", which webhooks may not reach"));
            }
            long now = Instant.now().getEpochSecond();
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
                    .setHost(host).setPort(port).setSsl(https).setURI(path)
                    .setFollowRedirects(false)
                    .setConnectTimeout(timeout.toMillis()).setIdleTimeout(timeout.toMillis())
                    .putHeader("Content-Type", "application/json")
                    .putHeader("User-Agent", "Sippar-Webhooks/1")
                    .putHeader("Sippar-Event-Id", notice.id().toString())
                    .putHeader("Sippar-Event-Type", UsageNotice.TYPE)
                    .putHeader("Sippar-Delivery-Attempt", Integer.toString(attempt))
                    .putHeader(WebhookSigner.HEADER, WebhookSigner.header(secret, now, body));
            return Uni.createFrom().completionStage(() -> client.request(options)
                            .compose(req -> req.send(Buffer.buffer(body)))
                            .map(resp -> {
                                // only the status matters: never wait for (or buffer) what the receiver sends
                                resp.request().connection().close();
                                return resp.statusCode();
                            }).toCompletionStage())
                    .map(status -> new Result(url, status, status >= 300 && status < 400
                            ? "the endpoint answered " + status + " (redirects are not followed)" : null));
        }).ifNoItem().after(timeout).failWith(() -> new java.util.concurrent.TimeoutException(
                "no answer within " + timeout.toMillis() + " ms"));
    }

    private WebhookUrls.Policy policy() {
        return WebhookUrls.Policy.of(config);
    }

    /** The first address of {@code host}, looked up off the event loop (within the attempt's deadline). */
    private static Uni<InetAddress> resolve(String host) {
        return Uni.createFrom().item(() -> {
            try {
                return InetAddress.getAllByName(host)[0];
            } catch (UnknownHostException e) {
                throw new IllegalStateException("host " + host + " could not be resolved");
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static String describe(Throwable t) {
        String kind = t instanceof java.util.concurrent.TimeoutException
                || t instanceof io.netty.channel.ConnectTimeoutException
                || (t.getMessage() != null && t.getMessage().contains("timeout")) ? "timeout: " : "";
        String m = kind + (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
        return m.length() > MAX_ERROR_CHARS ? m.substring(0, MAX_ERROR_CHARS) : m;
    }
}
