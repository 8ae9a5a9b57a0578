package io.sippar.merchant;

import io.sippar.ledger.ApiKeyRepository;
import io.sippar.ledger.MerchantRepository;
import java.time.OffsetDateTime;
import java.util.UUID;

/** JSON shapes of the merchant and API key endpoints. */
public final class ApiViews {

    private ApiViews() {
    }

    /** A merchant, with the fee terms of its contract (home network, cross-chain tier, AI-agent pricing). */
    public record MerchantView(UUID id, String slug, String name, String plan, String status, OffsetDateTime createdAt,
            String homeNetwork, String crossChainTier, boolean agentPricing) {
        /** The API shape of a stored merchant. */
        public static MerchantView of(MerchantRepository.MerchantRow m) {
            return new MerchantView(m.id(), m.slug(), m.name(), m.plan(), m.status(), m.createdAt(), m.homeNetwork(),
                    m.crossChainTier(), m.agentPricing());
        }
    }

    /** Request to create a merchant. */
    public record NewMerchant(String slug, String name, String plan) {
    }

    /** An API key without its secret. */
    public record KeyView(UUID id, String role, String prefix, String label, OffsetDateTime createdAt,
            OffsetDateTime revokedAt) {
        static KeyView of(ApiKeyRepository.KeyInfo k) {
            return new KeyView(k.id(), k.role(), k.prefix(), k.label(), k.createdAt(), k.revokedAt());
        }
    }

    /** Request to issue a key. */
    public record NewKey(String label) {
    }

    /** A newly issued key: the secret is shown this once and never again. */
    public record IssuedKeyView(UUID id, String prefix, String secret) {
        static IssuedKeyView of(ApiKeys.IssuedKey k) {
            return new IssuedKeyView(k.id(), k.prefix(), k.secret());
        }
    }
}
