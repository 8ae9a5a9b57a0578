package io.sippar.evm;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Optional;
import org.web3j.crypto.ECDSASignature;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

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
            BigInteger publicKey = Sign.recoverFromSignature(v - 27, new ECDSASignature(r, s), digest);
            return publicKey == null
                    ? Optional.empty()
                    : Optional.of(Keys.toChecksumAddress(Keys.getAddress(publicKey)));
        } catch (RuntimeException e) {
            // web3j signals impossible points with exceptions; to a verifier that is just "no signer"
            return Optional.empty();
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
