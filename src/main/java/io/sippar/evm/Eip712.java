package io.sippar.evm;

import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import org.web3j.crypto.StructuredData;
import org.web3j.crypto.StructuredDataEncoder;

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
        return encoder(domain, Objects.requireNonNull(auth, "auth")).hashStructuredData();
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
