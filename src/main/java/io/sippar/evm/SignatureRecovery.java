package io.sippar.evm;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Optional;
import org.web3j.crypto.ECDSASignature;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/** Recovers the signer of a 65-byte {@code r ‖ s ‖ v} ECDSA signature over a 32-byte digest. */
final class SignatureRecovery {

    static final int ECDSA_LENGTH = 65;

    private static final BigInteger N = Sign.CURVE_PARAMS.getN();
    private static final BigInteger HALF_N = N.shiftRight(1);

    private SignatureRecovery() {
    }

    /**
     * The EIP-55 address that produced {@code signature} over {@code digest}, or empty when the
     * signature is not a canonical 65-byte ECDSA signature. v may be 27/28 or 0/1 (viem and some
     * wallets emit the bare y-parity). High s is refused: for every (r, s) the twin (r, n - s) also
     * verifies (EIP-2 malleability), and USDC's ECRecover reverts on it, so such a payment would
     * only fail later, at settlement.
     */
    static Optional<String> recover(byte[] digest, byte[] signature) {
        if (digest == null || digest.length != 32 || signature == null || signature.length != ECDSA_LENGTH) {
            return Optional.empty();
        }
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
        int v = normaliseV(signature[64] & 0xff);
        if (v < 0 || r.signum() == 0 || r.compareTo(N) >= 0 || s.signum() == 0 || s.compareTo(HALF_N) > 0) {
            return Optional.empty();
        }
        try {
            byte[] publicKey = NATIVE != null ? nativeRecover(digest, signature, v - 27) : null;
            if (publicKey != null) {
                // uncompressed 0x04 ‖ x ‖ y; the address is the last 20 bytes of keccak(x ‖ y)
                byte[] hash = Hash.sha3(Arrays.copyOfRange(publicKey, 1, 65));
                return Optional.of(Keys.toChecksumAddress(Numeric.toHexString(Arrays.copyOfRange(hash, 12, 32))));
            }
            BigInteger recovered = Sign.recoverFromSignature(v - 27, new ECDSASignature(r, s), digest);
            return recovered == null
                    ? Optional.empty()
                    : Optional.of(Keys.toChecksumAddress(Keys.getAddress(recovered)));
        } catch (RuntimeException e) {
            // impossible points are signalled with exceptions; to a verifier that is just "no signer"
            return Optional.empty();
        }
    }

    /**
     * libsecp256k1 (bitcoin-core's, via ACINQ's JNI build from Maven Central) when its native
     * library loads on this platform: about an order of magnitude faster than web3j's BigInteger
     * recovery, which stays as the fallback elsewhere.
     */
    private static final fr.acinq.secp256k1.Secp256k1 NATIVE = loadNative();

    private static fr.acinq.secp256k1.Secp256k1 loadNative() {
        try {
            return fr.acinq.secp256k1.Secp256k1.get();
        } catch (RuntimeException | LinkageError e) {
            org.jboss.logging.Logger.getLogger(SignatureRecovery.class)
                    .infof("libsecp256k1 unavailable (%s); recovering signatures with web3j", e.toString());
            return null;
        }
    }

    /** Whether the native library serves recoveries (for tests and the benchmark). */
    static boolean nativeAvailable() {
        return NATIVE != null;
    }

    private static byte[] nativeRecover(byte[] digest, byte[] signature, int recoveryId) {
        try {
            return NATIVE.ecdsaRecover(Arrays.copyOfRange(signature, 0, 64), digest, recoveryId);
        } catch (RuntimeException e) {
            // libsecp256k1 refuses points that are not on the curve: no signer
            return null;
        }
    }

    /**
     * A copy of a 65-byte signature with v as 27/28, the only form USDC's (v, r, s) overload and
     * ECRecover accept; other lengths are returned unchanged.
     */
    static byte[] withCanonicalV(byte[] signature) {
        byte[] copy = signature.clone();
        if (copy.length == ECDSA_LENGTH) {
            int v = normaliseV(copy[64] & 0xff);
            if (v > 0) {
                copy[64] = (byte) v;
            }
        }
        return copy;
    }

    /** 0/1 -> 27/28, 27/28 unchanged, anything else (e.g. EIP-155 style 35+) -> -1. */
    private static int normaliseV(int v) {
        return switch (v) {
            case 0, 1 -> v + 27;
            case 27, 28 -> v;
            default -> -1;
        };
    }
}
