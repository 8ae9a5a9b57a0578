package io.sippar.evm;

import static io.sippar.evm.EvmVectors.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/** Known answers of x402-protocol.md §6.2 A, B and D for the EIP-712 hashing. */
class Eip712Test {

    private static String hex(byte[] b) {
        return Numeric.toHexString(b);
    }

    @Test
    void vectorADomainSeparatorAndDigest() {
        assertEquals(A_DOMAIN_SEPARATOR, hex(Eip712.domainSeparator(A_DOMAIN)));
        assertEquals(A_DIGEST, hex(Eip712.digest(A_DOMAIN, A_AUTH)));
    }

    @Test
    void vectorBDigests() {
        assertEquals(B_DIGEST, hex(Eip712.digest(B_DOMAIN, B_AUTH)));
        assertEquals(B2_DIGEST, hex(Eip712.digest(A_DOMAIN, B2_AUTH)));
    }

    @Test
    void vectorDDomainSeparatorAndDigest() {
        assertEquals(D_DOMAIN_SEPARATOR, hex(Eip712.domainSeparator(D_DOMAIN)));
        assertEquals(D_DIGEST, hex(Eip712.digest(D_DOMAIN, D_AUTH)));
    }

    @Test
    void digestIsTheEip712EnvelopeOfTheDocumentedTypeHash() {
        // independent of web3j's encoder: 0x1901 ‖ domainSeparator ‖ keccak(typeHash ‖ 6 words)
        byte[] typeHash = Hash.sha3(("TransferWithAuthorization(address from,address to,uint256 value,"
                + "uint256 validAfter,uint256 validBefore,bytes32 nonce)").getBytes());
        assertEquals("0x7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267", hex(typeHash));
        byte[] struct = concat(typeHash, word(A_AUTH.from()), word(A_AUTH.to()), word(A_AUTH.value()),
                word(A_AUTH.validAfter()), word(A_AUTH.validBefore()), Numeric.hexStringToByteArray(A_AUTH.nonce()));
        byte[] digest = Hash.sha3(concat(new byte[] {0x19, 0x01}, Eip712.domainSeparator(A_DOMAIN), Hash.sha3(struct)));
        assertEquals(A_DIGEST, hex(digest));
    }

    @Test
    void everyDomainFieldChangesTheDigest() {
        String base = hex(Eip712.digest(A_DOMAIN, A_AUTH));
        assertNotEquals(base, hex(Eip712.digest(new Eip712.Domain("USD Coin", "2", 84532,
                A_DOMAIN.verifyingContract()), A_AUTH)));
        assertNotEquals(base, hex(Eip712.digest(new Eip712.Domain("USDC", "1", 84532,
                A_DOMAIN.verifyingContract()), A_AUTH)));
        assertNotEquals(base, hex(Eip712.digest(new Eip712.Domain("USDC", "2", 8453,
                A_DOMAIN.verifyingContract()), A_AUTH)));
        assertNotEquals(base, hex(Eip712.digest(new Eip712.Domain("USDC", "2", 84532,
                "0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9"), A_AUTH)));
    }

    @Test
    void uint256ExtremesEncode() {
        // web3j must take the full unsigned range, not a signed long or int
        Eip3009Authorization max = new Eip3009Authorization(A_AUTH.from(), A_AUTH.to(),
                Eip3009Authorization.UINT256_MAX, BigInteger.ZERO, Eip3009Authorization.UINT256_MAX, A_AUTH.nonce());
        byte[] struct = concat(
                Hash.sha3(("TransferWithAuthorization(address from,address to,uint256 value,"
                        + "uint256 validAfter,uint256 validBefore,bytes32 nonce)").getBytes()),
                word(max.from()), word(max.to()), word(max.value()), word(max.validAfter()), word(max.validBefore()),
                Numeric.hexStringToByteArray(max.nonce()));
        byte[] expected = Hash.sha3(concat(new byte[] {0x19, 0x01}, Eip712.domainSeparator(A_DOMAIN), Hash.sha3(struct)));
        assertEquals(hex(expected), hex(Eip712.digest(A_DOMAIN, max)));
    }

    private static byte[] word(String address) {
        return Numeric.toBytesPadded(Numeric.toBigInt(address), 32);
    }

    private static byte[] word(BigInteger v) {
        return Numeric.toBytesPadded(v, 32);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int i = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }

    @org.junit.jupiter.api.Test
    void fixedLayoutDigestEqualsWeb3jsGenericEncoderOnRandomMessages() {
        java.util.Random random = new java.util.Random(20261123);
        for (int i = 0; i < 300; i++) {
            byte[] from = new byte[20];
            byte[] to = new byte[20];
            byte[] nonce = new byte[32];
            random.nextBytes(from);
            random.nextBytes(to);
            random.nextBytes(nonce);
            Eip3009Authorization auth = new Eip3009Authorization(
                    org.web3j.crypto.Keys.toChecksumAddress(org.web3j.utils.Numeric.toHexString(from)),
                    org.web3j.crypto.Keys.toChecksumAddress(org.web3j.utils.Numeric.toHexString(to)),
                    new java.math.BigInteger(random.nextInt(256) + 1, random),
                    new java.math.BigInteger(random.nextInt(64) + 1, random),
                    new java.math.BigInteger(random.nextInt(64) + 1, random),
                    org.web3j.utils.Numeric.toHexString(nonce));
            Eip712.Domain domain = new Eip712.Domain(i % 2 == 0 ? "USD Coin" : "USDC", "2", 1 + random.nextInt(100_000),
                    org.web3j.crypto.Keys.toChecksumAddress(org.web3j.utils.Numeric.toHexString(to)));
            org.junit.jupiter.api.Assertions.assertArrayEquals(Eip712.digestWithGenericEncoder(domain, auth),
                    Eip712.digest(domain, auth), "message " + i);
        }
    }
}
