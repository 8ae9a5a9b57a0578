package io.sippar.merchant;

import io.sippar.ledger.ApiKeyRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Merchant API keys: {@code sk_} followed by at least 24 URL-safe characters. Only the SHA-256 of a
 * key is stored or compared (a key has enough entropy that a salt adds nothing); the key itself is
 * never logged.
 */
@ApplicationScoped
public class ApiKeys {

    private static final Pattern FORMAT = Pattern.compile("^sk_[A-Za-z0-9_-]{24,128}$");

    private final ApiKeyRepository repository;

    public ApiKeys(ApiKeyRepository repository) {
        this.repository = repository;
    }

    /** Whether a string has the shape of a key (checked before any hashing or lookup). */
    public static boolean wellFormed(String key) {
        return key != null && FORMAT.matcher(key).matches();
    }

    /** SHA-256 of the key's UTF-8 bytes. */
    public static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The short public prefix shown to humans (never enough to use the key). */
    public static String prefix(String key) {
        return key.substring(0, 11);
    }

    /** Registers a merchant's key (configured secret), storing only its hash. */
    public Uni<Void> register(UUID merchantId, String key, String label) {
        if (!wellFormed(key)) {
            throw new IllegalArgumentException("API keys look like sk_ followed by 24 to 128 of [A-Za-z0-9_-]");
        }
        return repository.storeMerchantKey(merchantId, prefix(key), hash(key), label);
    }

    /** The merchant a bearer token belongs to, if it is a valid, unrevoked key. */
    public Uni<Optional<UUID>> authenticate(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Uni.createFrom().item(Optional.empty());
        }
        String key = authorizationHeader.substring(7).trim();
        if (!wellFormed(key)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return repository.merchantForKey(hash(key));
    }
}
