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

    /** How long a key that was found stays trusted without a database lookup (so a revocation takes this long). */
    static final java.time.Duration CACHE_TTL = java.time.Duration.ofSeconds(30);
    private static final int CACHE_MAX = 10_000;

    private final ApiKeyRepository repository;
    /** SHA-256 (hex) of recently authenticated keys: merchant and expiry. Only hashes, never keys. */
    private final java.util.concurrent.ConcurrentHashMap<String, Cached> recent =
            new java.util.concurrent.ConcurrentHashMap<>();

    private record Cached(UUID merchant, long expiresAtNanos) {
    }

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
        byte[] hash = hash(key);
        String cacheKey = java.util.HexFormat.of().formatHex(hash);
        Cached hit = recent.get(cacheKey);
        long now = System.nanoTime();
        if (hit != null && now - hit.expiresAtNanos() < 0) {
            // every facilitator call carries the key: a database round trip per call is most of /verify's cost
            return Uni.createFrom().item(Optional.of(hit.merchant()));
        }
        return repository.merchantForKey(hash).invoke(found -> {
            if (found.isPresent()) {
                if (recent.size() >= CACHE_MAX) {
                    recent.clear();
                }
                recent.put(cacheKey, new Cached(found.get(), now + CACHE_TTL.toNanos()));
            } else {
                recent.remove(cacheKey);
            }
        });
    }
}
