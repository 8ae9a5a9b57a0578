package io.sippar.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Signing, secret sealing and the retry schedule of webhook deliveries. */
class WebhookCryptoTest {

    private static final byte[] BODY = "{\"id\":\"n1\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void theSignatureIsHmacSha256OfTimestampDotBody() {
        // known answer: printf '1700000000.{"id":"n1"}' | openssl dgst -sha256 -hmac whsec_test
        String header = WebhookSigner.header("whsec_test", 1_700_000_000L, BODY);
        assertEquals("t=1700000000,v1=177d5152af96b8954bde97dff8530d28a679f8f60c5bdd46d77cf9e28de6b46e", header);
        assertTrue(WebhookSigner.verify("whsec_test", header, BODY, 1_700_000_100L, 300));
    }

    @Test
    void verificationRefusesAnotherSecretABodyChangeAStaleTimestampAndGarbage() {
        String header = WebhookSigner.header("whsec_test", 1_700_000_000L, BODY);
        assertFalse(WebhookSigner.verify("whsec_other", header, BODY, 1_700_000_000L, 300));
        assertFalse(WebhookSigner.verify("whsec_test", header, "{\"id\":\"n2\"}".getBytes(StandardCharsets.UTF_8),
                1_700_000_000L, 300));
        assertFalse(WebhookSigner.verify("whsec_test", header, BODY, 1_700_000_301L, 300));
        assertFalse(WebhookSigner.verify("whsec_test", header.replace("t=1700000000", "t=1700000001"), BODY,
                1_700_000_000L, 300));
        assertFalse(WebhookSigner.verify("whsec_test", "v1=zz,t=1", BODY, 1, 300));
        assertFalse(WebhookSigner.verify("whsec_test", null, BODY, 1, 300));
    }

    @Test
    void aSealedSecretOpensOnlyForItsMerchantAndKey() {
        WebhookSecrets secrets = new WebhookSecrets(Optional.of(new byte[32]));
        UUID merchant = UUID.randomUUID();
        String secret = WebhookSecrets.newSecret();
        assertTrue(secret.matches("^whsec_[A-Za-z0-9_-]{43}$"), secret);
        WebhookSecrets.Sealed sealed = secrets.seal(merchant, secret);
        assertEquals(secret, secrets.open(merchant, sealed));
        assertFalse(new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1).contains(secret.substring(6)));
        // a second seal of the same secret uses a fresh nonce
        assertNotEquals(new String(sealed.nonce(), StandardCharsets.ISO_8859_1),
                new String(secrets.seal(merchant, secret).nonce(), StandardCharsets.ISO_8859_1));
        assertThrows(WebhookSecrets.Unusable.class, () -> secrets.open(UUID.randomUUID(), sealed));
        byte[] otherKey = new byte[32];
        otherKey[0] = 1;
        String m = assertThrows(WebhookSecrets.Unusable.class,
                () -> new WebhookSecrets(Optional.of(otherKey)).open(merchant, sealed)).getMessage();
        assertTrue(m.contains("encrypted under key " + sealed.keyId()), m);
        assertFalse(new WebhookSecrets(Optional.empty()).available());
    }

    @Test
    void aBadEncryptionKeyIsAPreciseStartupErrorThatNeverShowsTheKey(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        String notBase64 = "this is not base64!";
        String m1 = assertThrows(IllegalStateException.class,
                () -> WebhookSecrets.readKey(Optional.of(notBase64), Optional.empty())).getMessage();
        assertEquals("sippar.billing.webhooks.encryption-key is not base64 (generate one with: openssl rand -base64 32)",
                m1);
        String m2 = assertThrows(IllegalStateException.class,
                () -> WebhookSecrets.readKey(Optional.of("c2hvcnQ="), Optional.empty())).getMessage();
        assertEquals("sippar.billing.webhooks.encryption-key must decode to 32 bytes (AES-256), not 5 "
                + "(generate one with: openssl rand -base64 32)", m2);
        java.nio.file.Path missing = dir.resolve("absent.key");
        String m3 = assertThrows(IllegalStateException.class,
                () -> WebhookSecrets.readKey(Optional.empty(), Optional.of(missing))).getMessage();
        assertEquals("cannot read sippar.billing.webhooks.encryption-key-file " + missing + ": NoSuchFileException", m3);
        java.nio.file.Path file = dir.resolve("webhook.key");
        java.nio.file.Files.writeString(file, java.util.Base64.getEncoder().encodeToString(new byte[32]) + "\n");
        assertEquals(32, WebhookSecrets.readKey(Optional.empty(), Optional.of(file)).orElseThrow().length);
        // the property wins over the file; neither set means webhooks are off
        assertEquals(32, WebhookSecrets.readKey(Optional.of(java.util.Base64.getEncoder().encodeToString(new byte[32])),
                Optional.of(missing)).orElseThrow().length);
        assertTrue(WebhookSecrets.readKey(Optional.empty(), Optional.empty()).isEmpty());
    }

    @Test
    void backoffDoublesUpToTheCapWithTheSecondHalfRandom() {
        Duration initial = Duration.ofSeconds(30);
        Duration max = Duration.ofHours(1);
        assertEquals(Duration.ofSeconds(15), Backoff.after(1, initial, max, 0.0));
        assertEquals(Duration.ofMillis(29_999), Backoff.after(1, initial, max, 0.99997));
        assertEquals(Duration.ofSeconds(30), Backoff.after(2, initial, max, 0.0));
        assertEquals(Duration.ofSeconds(60), Backoff.after(3, initial, max, 0.0));
        assertEquals(Duration.ofMinutes(30), Backoff.after(20, initial, max, 0.0));
        assertEquals(Duration.ofMinutes(45), Backoff.after(20, initial, max, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Backoff.after(0, initial, max, 0));
    }
}
