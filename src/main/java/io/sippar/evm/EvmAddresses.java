package io.sippar.evm;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.web3j.crypto.Keys;

/** Strict parsing and comparison of 20-byte EVM addresses. */
final class EvmAddresses {

    private static final Pattern HEX_ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");

    private EvmAddresses() {
    }

    /**
     * The EIP-55 form of {@code value}, or empty when it is not an address. Like viem's
     * {@code getAddress}, all-lowercase is accepted without a checksum, but any other casing must
     * be the exact EIP-55 checksum: a wrong mixed case is far more likely a typo than intent.
     */
    static Optional<String> parse(String value) {
        if (value == null || !HEX_ADDRESS.matcher(value).matches()) {
            return Optional.empty();
        }
        String checksummed = Keys.toChecksumAddress(value.toLowerCase(Locale.ROOT));
        String hex = value.substring(2);
        if (hex.equals(hex.toLowerCase(Locale.ROOT)) || value.equals(checksummed)) {
            return Optional.of(checksummed);
        }
        return Optional.empty();
    }

    /** Address equality ignoring case, as {@code getAddress(a) === getAddress(b)} in the reference. */
    static boolean same(String a, String b) {
        return a != null && b != null && a.equalsIgnoreCase(b);
    }
}
