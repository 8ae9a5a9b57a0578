package io.sippar.evm;

import com.fasterxml.jackson.databind.JsonNode;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.X402DecodeException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.web3j.utils.Numeric;

/**
 * The EIP-3009 form of an exact-EVM payload: {@code {signature, authorization}}. The signature is
 * kept as lowercase hex (records compare arrays by identity); it may be a 65-byte ECDSA signature
 * or a longer smart-wallet / ERC-6492 blob.
 */
record ExactEvmPayload(Eip3009Authorization authorization, String signature) {

    private static final Pattern HEX_BYTES = Pattern.compile("0x(?:[0-9a-fA-F]{2})+");

    ExactEvmPayload {
        Objects.requireNonNull(authorization, "authorization");
        Objects.requireNonNull(signature, "signature");
    }

    /**
     * Parses the scheme payload of a payment.
     *
     * @throws X402DecodeException with {@code invalid_payload}
     */
    static ExactEvmPayload parse(JsonNode payload) {
        if (payload == null || !payload.isObject()) {
            throw Eip3009Authorization.invalid("payload must be an object");
        }
        if (payload.has("permit2Authorization")) {
            // the reference routes on this key; Sippar only implements the EIP-3009 path so far
            throw new X402DecodeException(ReasonCode.UNSUPPORTED_PAYLOAD_TYPE,
                    "Permit2 payloads are not supported; pay with an EIP-3009 authorization");
        }
        String signature = Eip3009Authorization.text(payload, "signature");
        if (signature == null || !HEX_BYTES.matcher(signature).matches()) {
            throw Eip3009Authorization.invalid("payload.signature must be 0x-prefixed hex bytes");
        }
        return new ExactEvmPayload(Eip3009Authorization.parse(payload.get("authorization")),
                signature.toLowerCase(Locale.ROOT));
    }

    /** The signature bytes (a fresh copy). */
    byte[] signatureBytes() {
        return Numeric.hexStringToByteArray(signature);
    }

    /** Signature length in bytes. */
    int signatureLength() {
        return (signature.length() - 2) / 2;
    }
}
