package io.sippar.x402;

import java.math.BigInteger;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one wire form of an on-chain integer (amounts, EIP-3009 times): a canonical decimal string
 * within uint256. The official clients write {@code BigInt.toString()}, so leading zeros, signs,
 * exponents, fractions and non-ASCII digits can only come from a hand-made payment; refusing them
 * keeps every party reading the same number from the same text.
 */
public final class AtomicAmount {

    /** 2^256 - 1, the largest value an EVM word holds. */
    public static final BigInteger UINT256_MAX = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);

    // 78 digits is the length of 2^256-1; the cap keeps BigInteger parsing cheap on hostile input
    private static final Pattern CANONICAL = Pattern.compile("0|[1-9][0-9]{0,77}");

    private AtomicAmount() {
    }

    /** The value of {@code text}, or empty when it is not a canonical decimal within uint256. */
    public static Optional<BigInteger> parse(String text) {
        if (text == null || !CANONICAL.matcher(text).matches()) {
            return Optional.empty();
        }
        BigInteger value = new BigInteger(text);
        return value.compareTo(UINT256_MAX) > 0 ? Optional.empty() : Optional.of(value);
    }

    /** Whether {@code text} is a canonical decimal within uint256. */
    public static boolean isCanonical(String text) {
        return parse(text).isPresent();
    }
}
