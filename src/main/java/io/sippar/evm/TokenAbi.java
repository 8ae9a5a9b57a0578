package io.sippar.evm;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Bytes4;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.utils.Numeric;

/** Calldata and return decoding for the EIP-3009 token (FiatToken v2 interface) and ERC-1271 wallets. */
final class TokenAbi {

    /** {@code isValidSignature(bytes32,bytes)}'s success value. */
    static final String ERC1271_MAGIC = "0x1626ba7e";

    /** ERC-6492 wrapper suffix: an undeployed wallet's signature with its factory call. */
    static final String ERC6492_SUFFIX = "6492649264926492649264926492649264926492649264926492649264926492";

    private TokenAbi() {
    }

    /**
     * {@code transferWithAuthorization}: the (v, r, s) overload for 65-byte signatures, with v as
     * 27/28 (the only form FiatToken's ECRecover accepts), the {@code bytes} overload otherwise.
     */
    static String transferWithAuthorization(Eip3009Authorization a, byte[] signature) {
        List<Type> args = new java.util.ArrayList<>(List.of(
                new Address(a.from()), new Address(a.to()), new Uint256(a.value()),
                new Uint256(a.validAfter()), new Uint256(a.validBefore()),
                new Bytes32(Numeric.hexStringToByteArray(a.nonce()))));
        if (signature.length == SignatureRecovery.ECDSA_LENGTH) {
            byte[] sig = SignatureRecovery.withCanonicalV(signature);
            args.add(new Uint8(sig[64] & 0xff));
            args.add(new Bytes32(Arrays.copyOfRange(sig, 0, 32)));
            args.add(new Bytes32(Arrays.copyOfRange(sig, 32, 64)));
        } else {
            args.add(new DynamicBytes(signature));
        }
        return FunctionEncoder.encode(new Function("transferWithAuthorization", args, List.of()));
    }

    static Function authorizationState(String from, String nonce) {
        return new Function("authorizationState",
                List.of(new Address(from), new Bytes32(Numeric.hexStringToByteArray(nonce))),
                List.of(new TypeReference<Bool>() { }));
    }

    static Function balanceOf(String owner) {
        return new Function("balanceOf", List.of(new Address(owner)), List.of(new TypeReference<Uint256>() { }));
    }

    static Function name() {
        return new Function("name", List.of(), List.of(new TypeReference<Utf8String>() { }));
    }

    static Function version() {
        return new Function("version", List.of(), List.of(new TypeReference<Utf8String>() { }));
    }

    static Function isValidSignature(String digestHex, byte[] signature) {
        return new Function("isValidSignature",
                List.of(new Bytes32(Numeric.hexStringToByteArray(digestHex)), new DynamicBytes(signature)),
                List.of(new TypeReference<Bytes4>() { }));
    }

    static String encode(Function f) {
        return FunctionEncoder.encode(f);
    }

    /** The single return value of {@code f}, or null when {@code hex} does not decode (e.g. empty: no such function). */
    @SuppressWarnings("rawtypes")
    static Object decodeSingle(Function f, String hex) {
        if (hex == null || hex.length() <= 2) {
            return null;
        }
        try {
            List<Type> out = FunctionReturnDecoder.decode(hex, f.getOutputParameters());
            return out.isEmpty() ? null : out.get(0).getValue();
        } catch (RuntimeException e) {
            return null;
        }
    }

    static boolean isErc1271Magic(String hex) {
        // the full word must be the selector left-aligned: FiatToken compares 32 bytes, not 4
        return hex != null && hex.toLowerCase(Locale.ROOT).startsWith(ERC1271_MAGIC)
                && hex.length() == 66 && hex.substring(10).chars().allMatch(c -> c == '0');
    }

    static boolean isErc6492(String signatureHex) {
        return signatureHex.toLowerCase(Locale.ROOT).endsWith(ERC6492_SUFFIX);
    }

    static BigInteger asBigInteger(Object o) {
        return o instanceof BigInteger b ? b : null;
    }
}
