package io.sippar.billing;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Sippar-Signature} header of a webhook delivery: {@code t=<unix seconds>,v1=<hex>} where
 * the hex is HMAC-SHA256, keyed with the merchant's webhook secret (its UTF-8 bytes, {@code whsec_}
 * prefix included), over {@code <t>.<raw body>}. Binding the timestamp lets a receiver refuse replays
 * older than its tolerance; README "Verifying a webhook" has the receiver's recipe.
 */
public final class WebhookSigner {

    /** The request header carrying the signature. */
    public static final String HEADER = "Sippar-Signature";

    private WebhookSigner() {
    }

    /** The header value for {@code body} sent at {@code unixSeconds}. */
    public static String header(String secret, long unixSeconds, byte[] body) {
        return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(mac(secret, unixSeconds, body));
    }

    /**
     * Whether a received header is a valid signature of {@code body} made within {@code toleranceSeconds} of
     * {@code nowSeconds} (what a receiver does; used by the tests as a receiver would).
     */
    public static boolean verify(String secret, String header, byte[] body, long nowSeconds, long toleranceSeconds) {
        Optional<Long> t = Optional.empty();
        Optional<byte[]> v1 = Optional.empty();
        if (header == null) {
            return false;
        }
        for (String part : header.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2) {
                return false;
            }
            try {
                if (kv[0].equals("t")) {
                    t = Optional.of(Long.parseLong(kv[1]));
                } else if (kv[0].equals("v1")) {
                    v1 = Optional.of(HexFormat.of().parseHex(kv[1]));
                }
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        if (t.isEmpty() || v1.isEmpty() || Math.abs(nowSeconds - t.get()) > toleranceSeconds) {
            return false;
        }
        return MessageDigest.isEqual(mac(secret, t.get(), body), v1.get());
    }

    private static byte[] mac(String secret, long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
