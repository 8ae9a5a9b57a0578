package io.sippar.evm;

import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import org.web3j.crypto.StructuredData;
import org.web3j.crypto.StructuredDataEncoder;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/** EIP-712 hashing of EIP-3009 {@code TransferWithAuthorization} messages. */
final class Eip712 {

    static final String PRIMARY_TYPE = "TransferWithAuthorization";

    /** The token's EIP-712 domain; x402 uses exactly these four fields, no salt. */
    record Domain(String name, String version, long chainId, String verifyingContract) {
        Domain {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(verifyingContract, "verifyingContract");
        }
    }

    private static final List<StructuredData.Entry> DOMAIN_TYPE = List.of(
            new StructuredData.Entry("name", "string"),
            new StructuredData.Entry("version", "string"),
            new StructuredData.Entry("chainId", "uint256"),
            new StructuredData.Entry("verifyingContract", "address"));

    private static final List<StructuredData.Entry> TRANSFER_TYPE = List.of(
            new StructuredData.Entry("from", "address"),
            new StructuredData.Entry("to", "address"),
            new StructuredData.Entry("value", "uint256"),
            new StructuredData.Entry("validAfter", "uint256"),
            new StructuredData.Entry("validBefore", "uint256"),
            new StructuredData.Entry("nonce", "bytes32"));

    private Eip712() {
    }

    /** {@code hashStruct(EIP712Domain)}: what the token returns from {@code DOMAIN_SEPARATOR()}. */
    static byte[] domainSeparator(Domain domain) {
        return encoder(domain, null).hashDomain();
    }

    /** The 32-byte digest the payer signs: {@code keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(message))}. */
    static byte[] digest(Domain domain, Eip3009Authorization auth) {
        Objects.requireNonNull(auth, "auth");
        byte[] separator = SEPARATORS.computeIfAbsent(domain, Eip712::domainSeparator);
        byte[] out = new byte[2 + 32 + 32];
        out[0] = 0x19;
        out[1] = 0x01;
        System.arraycopy(separator, 0, out, 2, 32);
        System.arraycopy(structHash(auth), 0, out, 34, 32);
        return Hash.sha3(out);
    }

    /**
     * web3j's generic encoder digest, kept as the reference the fixed-layout {@link #digest} is
     * tested against.
     */
    static byte[] digestWithGenericEncoder(Domain domain, Eip3009Authorization auth) {
        return encoder(domain, Objects.requireNonNull(auth, "auth")).hashStructuredData();
    }

    /** keccak256 of the type string; equals the value FiatToken hard-codes. */
    static final byte[] TRANSFER_TYPE_HASH = Hash.sha3(("TransferWithAuthorization(address from,address to,"
            + "uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)").getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII));

    /** Domains are few (one per token); their separators are computed once. */
    private static final java.util.Map<Domain, byte[]> SEPARATORS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * hashStruct of the message. Every field is a static 32-byte word, so the ABI encoding is a
     * fixed layout: done by hand because web3j's generic encoder (JSON-typed, reflective) costs
     * about 45 µs a payment on the verification hot path, this about 2 µs.
     */
    private static byte[] structHash(Eip3009Authorization auth) {
        byte[] buf = new byte[7 * 32];
        System.arraycopy(TRANSFER_TYPE_HASH, 0, buf, 0, 32);
        word(buf, 1, Numeric.hexStringToByteArray(auth.from()));
        word(buf, 2, Numeric.hexStringToByteArray(auth.to()));
        word(buf, 3, Numeric.toBytesPadded(auth.value(), 32));
        word(buf, 4, Numeric.toBytesPadded(auth.validAfter(), 32));
        word(buf, 5, Numeric.toBytesPadded(auth.validBefore(), 32));
        word(buf, 6, Numeric.hexStringToByteArray(auth.nonce()));
        return Hash.sha3(buf);
    }

    /** Right-aligns {@code value} (at most 32 bytes) in word {@code index} of {@code buf}. */
    private static void word(byte[] buf, int index, byte[] value) {
        System.arraycopy(value, 0, buf, index * 32 + 32 - value.length, value.length);
    }

    private static StructuredDataEncoder encoder(Domain domain, Eip3009Authorization auth) {
        HashMap<String, List<StructuredData.Entry>> types = new HashMap<>();
        types.put("EIP712Domain", DOMAIN_TYPE);
        types.put(PRIMARY_TYPE, TRANSFER_TYPE);
        // numbers travel as decimal strings: web3j parses them itself, and a string cannot be
        // mistaken for a hex value or silently truncated like a double
        HashMap<String, Object> message = new HashMap<>();
        if (auth != null) {
            message.put("from", auth.from());
            message.put("to", auth.to());
            message.put("value", auth.value().toString());
            message.put("validAfter", auth.validAfter().toString());
            message.put("validBefore", auth.validBefore().toString());
            message.put("nonce", auth.nonce());
        }
        StructuredData.EIP712Domain d = new StructuredData.EIP712Domain(domain.name(), domain.version(),
                Long.toString(domain.chainId()), domain.verifyingContract(), null);
        return new StructuredDataEncoder(new StructuredData.EIP712Message(types, PRIMARY_TYPE, message, d));
    }
}
