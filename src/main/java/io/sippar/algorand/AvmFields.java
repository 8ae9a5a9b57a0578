package io.sippar.algorand;

import com.algorand.algosdk.crypto.Address;
import com.algorand.algosdk.crypto.Digest;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Base64;

/** Reading algosdk's transaction fields, whose absent values are nulls or all-zero placeholders. */
final class AvmFields {

    private static final byte[] ZERO_32 = new byte[32];

    private AvmFields() {
    }

    /** Whether an address field is set (algosdk leaves an absent one null or all zeros). */
    static boolean present(Address a) {
        return a != null && !Arrays.equals(a.getBytes(), ZERO_32);
    }

    /** Whether a 32-byte digest field (grp, gh) is set. */
    static boolean present(Digest d) {
        return d != null && !Arrays.equals(d.getBytes(), ZERO_32);
    }

    /** An amount or fee; absent is 0. */
    static BigInteger amount(BigInteger v) {
        return v == null ? BigInteger.ZERO : v;
    }

    /** A round number; absent is 0, beyond a long (never valid on chain) saturates. */
    static long round(BigInteger v) {
        if (v == null) {
            return 0;
        }
        return v.bitLength() < Long.SIZE ? v.longValue() : Long.MAX_VALUE;
    }

    /** A digest as standard base64 (how genesis hashes and group ids are written), or null when absent. */
    static String base64(Digest d) {
        return present(d) ? Base64.getEncoder().encodeToString(d.getBytes()) : null;
    }
}
