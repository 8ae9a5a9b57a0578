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
 * API keys of merchants and operators: {@code sk_} followed by at least 24 URL-safe characters. Only the SHA-256 of a
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

    private record Cached(Caller caller, long expiresAtNanos) {
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
        requireWellFormed(key);
        return repository.storeMerchantKey(merchantId, prefix(key), hash(key), label).replaceWithVoid();
    }

    /** The merchant a bearer token belongs to, if it is a valid, unrevoked merchant key (the facilitator API). */
    public Uni<Optional<UUID>> authenticate(String authorizationHeader) {
        return identify(authorizationHeader).map(c -> c.flatMap(Caller::merchant));
    }

    /** Who a bearer token belongs to (operator or merchant), if it is a valid, unrevoked key. */
    public Uni<Optional<Caller>> identify(String authorizationHeader) {
        Optional<String> key = bearer(authorizationHeader);
        if (key.isEmpty()) {
            return Uni.createFrom().item(Optional.empty());
        }
        byte[] hash = hash(key.get());
        String cacheKey = java.util.HexFormat.of().formatHex(hash);
        Cached hit = recent.get(cacheKey);
        long now = System.nanoTime();
        if (hit != null && now - hit.expiresAtNanos() < 0) {
            // every facilitator call carries the key: a database round trip per call is most of /verify's cost
            return Uni.createFrom().item(Optional.of(hit.caller()));
        }
        return repository.ownerOf(hash).map(found -> {
            Optional<Caller> caller = found.map(o -> new Caller(o.role(), o.merchantId(), o.keyId()));
            if (caller.isPresent()) {
                if (recent.size() >= CACHE_MAX) {
                    recent.clear();
                }
                recent.put(cacheKey, new Cached(caller.get(), now + CACHE_TTL.toNanos()));
            } else {
                recent.remove(cacheKey);
            }
            return caller;
        });
    }

    /** The well-formed key of an {@code Authorization: Bearer sk_...} header. */
    static Optional<String> bearer(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String key = authorizationHeader.substring(7).trim();
        return wellFormed(key) ? Optional.of(key) : Optional.empty();
    }

    /** Registers an operator key (configured secret), storing only its hash. */
    public Uni<UUID> registerAdmin(String key, String label) {
        requireWellFormed(key);
        return repository.storeAdminKey(prefix(key), hash(key), label);
    }

    /**
     * Creates a new random key for a merchant (or an operator key when {@code merchantId} is empty) and
     * returns it: the only time the secret exists outside its owner's hands.
     */
    public Uni<IssuedKey> issue(Optional<UUID> merchantId, String label) {
        String key = newKey();
        Uni<UUID> stored = merchantId.isPresent()
                ? repository.storeMerchantKey(merchantId.get(), prefix(key), hash(key), label)
                : repository.storeAdminKey(prefix(key), hash(key), label);
        return stored.map(id -> new IssuedKey(id, prefix(key), key));
    }

    /** A freshly issued key; {@link #toString()} never shows the secret. */
    public record IssuedKey(UUID id, String prefix, String secret) {
        @Override
        public String toString() {
            return "IssuedKey[id=" + id + ", prefix=" + prefix + "]";
        }
    }

    /** Revokes a key (scoped to one merchant when given); this pod stops trusting it at once, others within the cache TTL. */
    public Uni<Boolean> revoke(UUID keyId, Optional<UUID> merchantId) {
        return repository.revoke(keyId, merchantId).invoke(revoked -> {
            if (revoked) {
                recent.values().removeIf(c -> keyId.equals(c.caller().keyId()));
            }
        });
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    /** sk_ + 40 base62 characters (about 238 bits). */
    static String newKey() {
        StringBuilder sb = new StringBuilder("sk_");
        for (int i = 0; i < 40; i++) {
            sb.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return sb.toString();
    }

    private static void requireWellFormed(String key) {
        if (!wellFormed(key)) {
            throw new IllegalArgumentException("API keys look like sk_ followed by 24 to 128 of [A-Za-z0-9_-]");
        }
    }
}
