package io.sippar.algorand;

import com.algorand.algosdk.crypto.Address;
import com.algorand.algosdk.mnemonic.Mnemonic;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The gateway's Algorand fee-payer key: an Ed25519 seed and the address derived from it. The seed
 * never leaves this object: {@link #toString()} and every exception message name only the address or
 * the expected format, never the key material.
 */
final class FeePayerKey {

    private static final int SEED_BYTES = 32;
    private static final int X402_KEY_BYTES = 64;
    private static final int MNEMONIC_WORDS = 25;

    private final Ed25519PrivateKeyParameters key;
    private final byte[] publicKey;
    private final String address;

    private FeePayerKey(byte[] seed) {
        this.key = new Ed25519PrivateKeyParameters(seed, 0);
        this.publicKey = key.generatePublicKey().getEncoded();
        this.address = new Address(publicKey).toString();
    }

    /** From a raw 32-byte Ed25519 seed (copied). */
    static FeePayerKey fromSeed(byte[] seed) {
        if (seed == null || seed.length != SEED_BYTES) {
            throw new IllegalArgumentException("an Algorand seed is 32 bytes");
        }
        return new FeePayerKey(seed.clone());
    }

    /**
     * Parses the x402 key form (standard base64 of 64 bytes, of which only the first 32, the seed,
     * are used and the public key is re-derived, as the reference's signer does) or a 25-word
     * mnemonic. A 32-byte base64 seed is accepted too.
     *
     * @param source names the setting in messages, e.g. {@code sippar.algorand.networks.x.fee-payer-key}
     */
    static FeePayerKey parse(String secret, String source) {
        String s = secret == null ? "" : secret.strip();
        String[] words = s.split("\\s+");
        if (words.length == MNEMONIC_WORDS) {
            try {
                return new FeePayerKey(Mnemonic.toKey(String.join(" ", words)));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // the exception text may quote words of the mnemonic: never pass it on
                throw new IllegalArgumentException(source + " is not a valid 25-word Algorand mnemonic");
            }
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            decoded = null;
        }
        if (decoded == null || (decoded.length != X402_KEY_BYTES && decoded.length != SEED_BYTES)) {
            throw new IllegalArgumentException(source + " must be base64 of 64 bytes (the x402 key form) or of a"
                    + " 32-byte seed, or a 25-word mnemonic");
        }
        try {
            return new FeePayerKey(Arrays.copyOf(decoded, SEED_BYTES));
        } finally {
            Arrays.fill(decoded, (byte) 0);
        }
    }

    /** The fee payer's 58-character address. */
    String address() {
        return address;
    }

    /** The 32-byte public key (a copy). */
    byte[] publicKey() {
        return publicKey.clone();
    }

    /** Ed25519 signature (64 bytes, deterministic) of {@code "TX" || txnBytes}: the signature of that transaction. */
    byte[] signTransaction(byte[] txnBytes) {
        Objects.requireNonNull(txnBytes, "txnBytes");
        byte[] message = AvmCodec.bytesToSign(txnBytes);
        byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
        key.sign(Ed25519.Algorithm.Ed25519, null, message, 0, message.length, sig, 0);
        return sig;
    }

    @Override
    public String toString() {
        return "FeePayerKey[" + address + "]";
    }
}
