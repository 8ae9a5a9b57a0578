package io.sippar.billing;

import io.sippar.merchant.ApiError;
import io.sippar.x402.ReasonCode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.UUID;

/** A merchant's webhook endpoint: set, rotate its secret, remove. The secret is returned once, when made. */
@ApplicationScoped
public class Webhooks {

    /** The endpoint after a change; {@code secret} is set only when a new secret was made. */
    public record Configured(WebhookRepository.Endpoint endpoint, Optional<String> secret) {
        @Override
        public String toString() {
            return "Configured[" + endpoint + "]";
        }
    }

    private final WebhookRepository repository;
    private final WebhookSecrets secrets;
    private final WebhookUrls.Policy policy;

    public Webhooks(WebhookRepository repository, WebhookSecrets secrets, BillingConfig config) {
        this.repository = repository;
        this.secrets = secrets;
        this.policy = WebhookUrls.Policy.of(config.webhooks());
    }

    /** The merchant's endpoint. */
    public Uni<Optional<WebhookRepository.Endpoint>> find(UUID merchantId) {
        return repository.find(merchantId);
    }

    /**
     * Points the merchant's notices at {@code url}: a first endpoint gets a new secret (returned this once);
     * changing the URL of an existing one keeps its secret.
     */
    public Uni<Configured> configure(UUID merchantId, String url) {
        String checked = validUrl(url);
        requireKey();
        return repository.updateUrl(merchantId, checked).chain(updated -> {
            if (updated.isPresent()) {
                return Uni.createFrom().item(new Configured(updated.get(), Optional.empty()));
            }
            String secret = WebhookSecrets.newSecret();
            return repository.create(merchantId, checked, secrets.seal(merchantId, secret),
                    WebhookSecrets.prefixOf(secret)).chain(created -> created.isPresent()
                            ? Uni.createFrom().item(new Configured(created.get(), Optional.of(secret)))
                            // created concurrently by another request: that one's secret stands
                            : repository.updateUrl(merchantId, checked).map(again -> new Configured(
                                    again.orElseThrow(), Optional.empty())));
        });
    }

    /** A new secret for the merchant's endpoint, effective for the next attempt; 404 without an endpoint. */
    public Uni<Configured> rotate(UUID merchantId) {
        requireKey();
        String secret = WebhookSecrets.newSecret();
        return repository.rotate(merchantId, secrets.seal(merchantId, secret), WebhookSecrets.prefixOf(secret))
                .chain(done -> {
                    if (!done) {
                        throw ApiError.notFound("no webhook is configured; PUT /merchant/webhook first");
                    }
                    return repository.find(merchantId).map(e -> new Configured(e.orElseThrow(), Optional.of(secret)));
                });
    }

    /** Removes the endpoint: later notices are recorded as {@code no_webhook}. */
    public Uni<Boolean> delete(UUID merchantId) {
        return repository.delete(merchantId);
    }

    private String validUrl(String url) {
        try {
            return WebhookUrls.validate(url, policy).toString();
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
    }

    private void requireKey() {
        if (!secrets.available()) {
            throw new ApiError(409, ReasonCode.WEBHOOK_ENCRYPTION_KEY_MISSING, "webhooks are unavailable: the operator "
                    + "has not configured sippar.billing.webhooks.encryption-key (or -file) to store their secrets");
        }
    }
}
