package io.sippar.evm;

import static io.sippar.evm.EvmVectors.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECDSASignature;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/** Signer recovery against §6.2 A and B, and the signatures it must refuse. */
class SignatureRecoveryTest {

    private static final BigInteger N = Sign.CURVE_PARAMS.getN();

    private static byte[] bytes(String hex) {
        return Numeric.hexStringToByteArray(hex);
    }

    @Test
    void vectorARecoversTheSpecPayer() {
        assertEquals(Optional.of(A_SIGNER), SignatureRecovery.recover(bytes(A_DIGEST), bytes(A_SIGNATURE)));
        assertEquals(Optional.of(A_SIGNER),
                SignatureRecovery.recover(Eip712.digest(A_DOMAIN, A_AUTH), bytes(A_SIGNATURE)));
    }

    @Test
    void vectorAUnderAnotherDomainNameOrChainRecoversSomeoneElse() {
        Eip712.Domain usdCoin = new Eip712.Domain("USD Coin", "2", 84532, A_DOMAIN.verifyingContract());
        Eip712.Domain base = new Eip712.Domain("USDC", "2", 8453, A_DOMAIN.verifyingContract());
        assertNotEquals(Optional.of(A_SIGNER),
                SignatureRecovery.recover(Eip712.digest(usdCoin, A_AUTH), bytes(A_SIGNATURE)));
        assertNotEquals(Optional.of(A_SIGNER),
                SignatureRecovery.recover(Eip712.digest(base, A_AUTH), bytes(A_SIGNATURE)));
    }

    @Test
    void vectorBWeb3jSigningWithHardhatKey0GivesTheExpectedBytes() {
        assertEquals(B_SIGNATURE, sign(Eip712.digest(B_DOMAIN, B_AUTH), KEY0));
        assertEquals(B2_SIGNATURE, sign(Eip712.digest(A_DOMAIN, B2_AUTH), KEY0));
        assertEquals(Optional.of(KEY0_ADDRESS), SignatureRecovery.recover(bytes(B_DIGEST), bytes(B_SIGNATURE)));
        assertEquals(Optional.of(KEY0_ADDRESS), SignatureRecovery.recover(bytes(B2_DIGEST), bytes(B2_SIGNATURE)));
    }

    @Test
    void vAsBareYParityIsAccepted() {
        byte[] sig = bytes(A_SIGNATURE);
        sig[64] = 1; // 28 -> 1
        assertEquals(Optional.of(A_SIGNER), SignatureRecovery.recover(bytes(A_DIGEST), sig));
        byte[] b = bytes(B_SIGNATURE);
        b[64] = 0; // 27 -> 0
        assertEquals(Optional.of(KEY0_ADDRESS), SignatureRecovery.recover(bytes(B_DIGEST), b));
        assertEquals(B_SIGNATURE, Numeric.toHexString(SignatureRecovery.withCanonicalV(b)));
    }

    @Test
    void otherVValuesAreRefused() {
        for (int v : new int[] {2, 26, 29, 35, 36, 255}) {
            byte[] sig = bytes(A_SIGNATURE);
            sig[64] = (byte) v;
            assertEquals(Optional.empty(), SignatureRecovery.recover(bytes(A_DIGEST), sig), "v=" + v);
        }
    }

    @Test
    void highSTwinOfVectorAIsRefused() {
        BigInteger r = new BigInteger(A_R, 16);
        BigInteger highS = N.subtract(new BigInteger(A_S, 16));
        byte[] sig = new byte[65];
        System.arraycopy(Numeric.toBytesPadded(r, 32), 0, sig, 0, 32);
        System.arraycopy(Numeric.toBytesPadded(highS, 32), 0, sig, 32, 32);
        sig[64] = 27; // negating s flips the parity of the recovery point

        // the twin is a mathematically valid signature by the same key: this is what EIP-2 forbids
        BigInteger key = Sign.recoverFromSignature(0, new ECDSASignature(r, highS), bytes(A_DIGEST));
        assertEquals(A_SIGNER, Keys.toChecksumAddress(Keys.getAddress(key)));

        assertEquals(Optional.empty(), SignatureRecovery.recover(bytes(A_DIGEST), sig));
    }

    @Test
    void malformedSignaturesRecoverNobody() {
        byte[] digest = bytes(A_DIGEST);
        byte[] sig = bytes(A_SIGNATURE);
        assertEquals(Optional.empty(), SignatureRecovery.recover(digest, java.util.Arrays.copyOf(sig, 64)));
        assertEquals(Optional.empty(), SignatureRecovery.recover(digest, java.util.Arrays.copyOf(sig, 66)));
        assertEquals(Optional.empty(), SignatureRecovery.recover(java.util.Arrays.copyOf(digest, 31), sig));
        byte[] zeroR = sig.clone();
        java.util.Arrays.fill(zeroR, 0, 32, (byte) 0);
        assertEquals(Optional.empty(), SignatureRecovery.recover(digest, zeroR));
        byte[] zeroS = sig.clone();
        java.util.Arrays.fill(zeroS, 32, 64, (byte) 0);
        assertEquals(Optional.empty(), SignatureRecovery.recover(digest, zeroS));
        byte[] bigR = sig.clone();
        java.util.Arrays.fill(bigR, 0, 32, (byte) 0xff);
        assertEquals(Optional.empty(), SignatureRecovery.recover(digest, bigR));
    }

    @Test
    void recoveredAddressIsEip55() {
        String addr = SignatureRecovery.recover(bytes(B_DIGEST), bytes(B_SIGNATURE)).orElseThrow();
        assertTrue(addr.startsWith("0x") && !addr.equals(addr.toLowerCase()));
    }

    @org.junit.jupiter.api.Test
    void nativeLibraryServesRecoveriesOnThisPlatform() {
        // linux x86_64 is what CI and the machines here run: the fast path must be the one tested
        org.junit.jupiter.api.Assertions.assertTrue(SignatureRecovery.nativeAvailable());
    }
}
