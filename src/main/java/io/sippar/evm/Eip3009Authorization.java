package io.sippar.evm;

import com.fasterxml.jackson.databind.JsonNode;
import io.sippar.x402.AtomicAmount;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.X402DecodeException;
import java.math.BigInteger;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The EIP-3009 {@code TransferWithAuthorization} message of an exact-EVM payload. Addresses are
 * EIP-55, the nonce is lowercase 0x hex (32 bytes), numbers are canonical decimals within uint256.
 */
record Eip3009Authorization(
        String from,
        String to,
        BigInteger value,
        BigInteger validAfter,
        BigInteger validBefore,
        String nonce) {

    static final BigInteger UINT256_MAX = AtomicAmount.UINT256_MAX;

    private static final Pattern BYTES32 = Pattern.compile("0x[0-9a-fA-F]{64}");

    Eip3009Authorization {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(validAfter, "validAfter");
        Objects.requireNonNull(validBefore, "validBefore");
        Objects.requireNonNull(nonce, "nonce");
    }

    /**
     * Reads {@code payload.authorization} strictly: the TS client always writes numbers as decimal
     * strings, so a JSON number, hex or a signed value is a malformed payload, not a lenient guess.
     *
     * @throws X402DecodeException with {@code invalid_payload}
     */
    static Eip3009Authorization parse(JsonNode authorization) {
        if (authorization == null || !authorization.isObject()) {
            throw invalid("payload.authorization must be an object");
        }
        return new Eip3009Authorization(
                address(authorization, "from"),
                address(authorization, "to"),
                uint256(authorization, "value"),
                uint256(authorization, "validAfter"),
                uint256(authorization, "validBefore"),
                bytes32(authorization, "nonce"));
    }

    private static String address(JsonNode node, String field) {
        return EvmAddresses.parse(text(node, field)).orElseThrow(() -> invalid(
                "authorization." + field + " must be a 0x-prefixed 20-byte address (lowercase or EIP-55)"));
    }

    private static BigInteger uint256(JsonNode node, String field) {
        return AtomicAmount.parse(text(node, field)).orElseThrow(() -> invalid("authorization." + field
                + " must be a canonical decimal string (no sign, leading zero or exponent) within uint256"));
    }

    private static String bytes32(JsonNode node, String field) {
        String s = text(node, field);
        if (s == null || !BYTES32.matcher(s).matches()) {
            throw invalid("authorization." + field + " must be 0x followed by 64 hex digits");
        }
        return s.toLowerCase(Locale.ROOT);
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    static X402DecodeException invalid(String message) {
        return new X402DecodeException(ReasonCode.INVALID_PAYLOAD, message);
    }
}
