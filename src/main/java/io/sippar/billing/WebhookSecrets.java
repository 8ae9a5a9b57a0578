package io.sippar.billing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Webhook signing secrets: generated here, shown to the merchant once, and stored only encrypted.
 * A secret must stay usable to sign (so it cannot be hashed like an API key): it is sealed with
 * AES-256-GCM under the operator's key ({@code sippar.billing.webhooks.encryption-key[-file]}), with
 * the merchant id as associated data so a ciphertext copied to another merchant's row does not open.
 * Without a key, webhooks cannot be configured at all. Neither keys nor secrets are ever logged.
 */
@ApplicationScoped
public class WebhookSecrets {

    /** Prefix of every webhook secret. */
    public static final String PREFIX = "whsec_";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    /** A sealed secret as stored. */
    public record Sealed(byte[] ciphertext, byte[] nonce, String keyId) {
    }

    /** The secret cannot be opened (another key, or tampered); the message never contains key material. */
    public static class Unusable extends RuntimeException {
        Unusable(String message) {
            super(message);
        }
    }

    private final Optional<SecretKey> key;
    private final String keyId;

    @jakarta.inject.Inject
    public WebhookSecrets(BillingConfig config) {
        this(readKey(config.webhooks().encryptionKey(), config.webhooks().encryptionKeyFile()));
    }

    WebhookSecrets(Optional<byte[]> raw) {
        this.key = raw.map(k -> new SecretKeySpec(k, "AES"));
        this.keyId = raw.map(WebhookSecrets::keyId).orElse("none");
    }

    /** Whether an encryption key is configured (without one, webhooks cannot be set up). */
    public boolean available() {
        return key.isPresent();
    }

    /** A new random secret: {@code whsec_} + 32 random bytes in base64url (no padding). */
    public static String newSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The part of a secret that may be shown again (to tell secrets apart); never enough to sign. */
    public static String prefixOf(String secret) {
        return secret.substring(0, PREFIX.length() + 4);
    }

    /** Encrypts a merchant's secret. */
    public Sealed seal(UUID merchantId, String secret) {
        SecretKey k = key.orElseThrow(() -> new IllegalStateException("no webhook encryption key configured"));
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad(merchantId));
            return new Sealed(c.doFinal(secret.getBytes(StandardCharsets.UTF_8)), nonce, keyId);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK", e);
        }
    }

    /** Decrypts a merchant's secret; {@link Unusable} when it was sealed under another key or altered. */
    public String open(UUID merchantId, Sealed sealed) {
        SecretKey k = key.orElseThrow(() -> new Unusable("no webhook encryption key is configured on this pod"));
        if (!keyId.equals(sealed.keyId())) {
            throw new Unusable("the webhook secret was encrypted under key " + sealed.keyId()
                    + ", not the configured key " + keyId + "; the merchant must rotate its secret");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, sealed.nonce()));
            c.updateAAD(aad(merchantId));
            return new String(c.doFinal(sealed.ciphertext()), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new Unusable("the stored webhook secret does not authenticate (altered or not this merchant's)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK", e);
        }
    }

    private static byte[] aad(UUID merchantId) {
        return ("sippar-webhook-secret:" + merchantId).getBytes(StandardCharsets.US_ASCII);
    }

    /** A short, non-secret fingerprint of the key, stored with each ciphertext to detect a key change. */
    private static String keyId(byte[] raw) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update("sippar-webhook-key-id:".getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(Arrays.copyOf(d.digest(raw), 4));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The key from its property or, when that is unset, its file; errors name the source, never the value. */
    static Optional<byte[]> readKey(Optional<String> property, Optional<java.nio.file.Path> file) {
        Optional<String> text = property.map(String::trim);
        String origin = "sippar.billing.webhooks.encryption-key";
        if (text.isEmpty() && file.isPresent()) {
            origin = "sippar.billing.webhooks.encryption-key-file " + file.get();
            try {
                text = Optional.of(Files.readString(file.get(), StandardCharsets.UTF_8).trim());
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + origin + ": " + e.getClass().getSimpleName(), e);
            }
        }
        if (text.isEmpty() || text.get().isEmpty()) {
            return Optional.empty();
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(text.get());
        } catch (IllegalArgumentException e) {
            // never echo the value: it is a secret even when malformed
            throw new IllegalStateException(origin + " is not base64 (generate one with: openssl rand -base64 32)");
        }
        if (raw.length != 32) {
            throw new IllegalStateException(origin + " must decode to 32 bytes (AES-256), not " + raw.length
                    + " (generate one with: openssl rand -base64 32)");
        }
        return Optional.of(raw);
    }
}
