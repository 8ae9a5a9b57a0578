package io.sippar.evm;

import static io.sippar.evm.EvmVectors.*;
import static io.sippar.x402.ReasonCode.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.evm.ExactEvmChecks.ContractSigners;
import io.sippar.evm.Verdict.NeedsContractSignatureCheck;
import io.sippar.evm.Verdict.PassedOffline;
import io.sippar.evm.Verdict.Refused;
import io.sippar.scheme.PaymentIdentity;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.X402DecodeException;
import java.math.BigInteger;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/** The offline exact-EVM checks: one test per reason code, in the reference's order. */
class ExactEvmChecksTest {

    /** A fixed clock: vector A's validBefore is long past, so nothing here reads the wall clock. */
    private static final long NOW = 1_750_000_000L;
    private static final String AMOUNT = "1000000";
    private static final String OTHER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
    private static final String NONCE = "0x" + "ab".repeat(32);

    private static final PaymentRequirements REQ = requirements(B_DOMAIN, AMOUNT, MERCHANT);

    // --- builders ---------------------------------------------------------------------------

    private static Eip3009Authorization auth(String to, String value, long validAfter, long validBefore) {
        return new Eip3009Authorization(KEY1_ADDRESS, to, new BigInteger(value), BigInteger.valueOf(validAfter),
                BigInteger.valueOf(validBefore), NONCE);
    }

    private static Eip3009Authorization goodAuth() {
        return auth(MERCHANT, AMOUNT, NOW - 600, NOW + 60);
    }

    /** A v2 payment whose payload {@code auth} is signed by key #1 under {@code domain}. */
    private static Payment signedBy(Eip712.Domain domain, Eip3009Authorization auth) {
        return v2(REQ, payloadJson(auth, sign(domain, auth, KEY1)));
    }

    private static Payment signed(Eip3009Authorization auth) {
        return signedBy(B_DOMAIN, auth);
    }

    private static Payment withAccepted(PaymentRequirements accepted, Eip3009Authorization auth) {
        return v2(accepted, payloadJson(auth, sign(B_DOMAIN, auth, KEY1)));
    }

    private static PaymentRequirements reqWith(String scheme, String network, String asset, ObjectNode extra) {
        return new PaymentRequirements(scheme, network, AMOUNT, asset, MERCHANT, 60, extra);
    }

    private static ObjectNode extra(String name, String version) {
        ObjectNode e = REQ.extra().deepCopy().removeAll();
        if (name != null) {
            e.put("name", name);
        }
        if (version != null) {
            e.put("version", version);
        }
        return e;
    }

    private static Verdict check(Payment payment, PaymentRequirements req) {
        return ExactEvmChecks.check(payment, req, NOW);
    }

    private static Refused refused(Verdict v) {
        return assertInstanceOf(Refused.class, v, () -> "expected a refusal, got " + v);
    }

    private static void assertRefused(ReasonCode expected, Verdict v) {
        Refused r = refused(v);
        assertEquals(expected, r.reason(), r.message());
        assertFalse(r.message().isBlank());
    }

    private static String tamperedSignature(String signature) {
        byte[] sig = Numeric.hexStringToByteArray(signature);
        sig[10] ^= 0x01;
        return Numeric.toHexString(sig);
    }

    // --- passing -----------------------------------------------------------------------------

    @Test
    void signedPaymentPassesOfflineWithItsPayer() {
        Verdict v = check(signed(goodAuth()), REQ);
        PassedOffline passed = assertInstanceOf(PassedOffline.class, v);
        assertEquals(KEY1_ADDRESS, passed.payer());
        assertEquals(B_DOMAIN, passed.domain());
        assertEquals(Optional.empty(), v.refusal());
    }

    @Test
    void specVectorAPassesAtATimeWithinItsWindow() {
        PaymentRequirements req = requirements(A_DOMAIN, "10000", A_AUTH.to());
        Payment payment = v2(req, payloadJson(A_AUTH, A_SIGNATURE));
        Verdict v = ExactEvmChecks.check(payment, req, 1_740_672_100L);
        assertEquals(A_SIGNER, assertInstanceOf(PassedOffline.class, v).payer());
        // and with the clock of this test it has long expired
        assertRefused(INVALID_EXACT_EVM_PAYLOAD_AUTHORIZATION_VALID_BEFORE, ExactEvmChecks.check(payment, req, NOW));
    }

    @Test
    void v1PaymentWithV1NetworkNamePasses() {
        Eip3009Authorization a = goodAuth();
        Payment payment = v1("exact", "base-sepolia", payloadJson(a, sign(B_DOMAIN, a, KEY1)));
        assertInstanceOf(PassedOffline.class, check(payment, REQ));
    }

    @Test
    void vAsYParityPasses() {
        Eip3009Authorization a = goodAuth();
        byte[] sig = Numeric.hexStringToByteArray(sign(B_DOMAIN, a, KEY1));
        sig[64] -= 27;
        assertInstanceOf(PassedOffline.class, check(v2(REQ, payloadJson(a, Numeric.toHexString(sig))), REQ));
    }

    @Test
    void recipientComparisonIgnoresCase() {
        PaymentRequirements lower = new PaymentRequirements("exact", REQ.network(), AMOUNT, REQ.asset(),
                MERCHANT.toLowerCase(Locale.ROOT), 60, REQ.extra());
        Eip3009Authorization a = goodAuth();
        assertInstanceOf(PassedOffline.class, check(v2(lower, payloadJson(a, sign(B_DOMAIN, a, KEY1))), lower));
    }

    // --- 1. scheme -------------------------------------------------------------------------------

    @Test
    void schemeIsCheckedFirst() {
        Eip3009Authorization a = auth(OTHER, "1", NOW + 1, NOW);
        PaymentRequirements upto = reqWith("upto", "eip155:1", "bad", extra(null, null));
        Payment payment = v2(upto, payloadJson(a, tamperedSignature(sign(B_DOMAIN, a, KEY1))));
        Refused r = refused(check(payment, REQ));
        assertEquals(INVALID_EXACT_EVM_SCHEME, r.reason());
        assertEquals(KEY1_ADDRESS, r.payer(), "the payer is named even in early refusals");
        // the requirements' own scheme counts as well
        assertRefused(INVALID_EXACT_EVM_SCHEME, check(signed(goodAuth()), reqWith("upto", REQ.network(),
                REQ.asset(), REQ.extra())));
        assertRefused(INVALID_EXACT_EVM_SCHEME, check(v1("upto", "base-sepolia", payloadJson(a, "0x00")), REQ));
    }

    // --- 2. EIP-712 domain -------------------------------------------------------------------

    @Test
    void missingDomainComesBeforeNetworkMismatch() {
        PaymentRequirements otherChain = reqWith("exact", "eip155:8453", REQ.asset(), REQ.extra());
        for (ObjectNode extra : new ObjectNode[] {extra(null, "2"), extra("USD Coin", null), extra("", "2"),
                extra("USD Coin", ""), extra(null, null)}) {
            PaymentRequirements req = reqWith("exact", REQ.network(), REQ.asset(), extra);
            assertRefused(INVALID_EXACT_EVM_MISSING_EIP712_DOMAIN, check(withAccepted(otherChain, goodAuth()), req));
        }
        ObjectNode numericVersion = extra("USD Coin", null).put("version", 2);
        assertRefused(INVALID_EXACT_EVM_MISSING_EIP712_DOMAIN,
                check(signed(goodAuth()), reqWith("exact", REQ.network(), REQ.asset(), numericVersion)));
    }

    @Test
    void unusableRequirementsAreRefusedAfterTheDomain() {
        assertRefused(INVALID_PAYMENT_REQUIREMENTS,
                check(signed(goodAuth()), reqWith("exact", REQ.network(), "0x1234", REQ.extra())));
        // a mixed-case asset that is not its EIP-55 checksum is a typo, not an address
        String badChecksum = "0x036cbD53842c5426634e7929541eC2318f3dCF7e";
        assertRefused(INVALID_PAYMENT_REQUIREMENTS,
                check(signed(goodAuth()), reqWith("exact", REQ.network(), badChecksum, REQ.extra())));
        PaymentRequirements algo = reqWith("exact", "algorand:SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=",
                REQ.asset(), REQ.extra());
        assertRefused(INVALID_PAYMENT_REQUIREMENTS, check(withAccepted(algo, goodAuth()), algo));
    }

    // --- 3. network --------------------------------------------------------------------------

    @Test
    void networkMismatchComesBeforeSignatureAndPayloadShape() {
        PaymentRequirements base = reqWith("exact", "eip155:8453", REQ.asset(), REQ.extra());
        Eip3009Authorization a = goodAuth();
        assertRefused(INVALID_EXACT_EVM_NETWORK_MISMATCH,
                check(v2(base, payloadJson(a, tamperedSignature(sign(B_DOMAIN, a, KEY1)))), REQ));
        ObjectNode malformed = payloadJson(a, "0xzz");
        assertRefused(INVALID_EXACT_EVM_NETWORK_MISMATCH, check(v2(base, malformed), REQ));
        // v2 compares the strings as sent: a v1 name in accepted.network does not match
        PaymentRequirements named = reqWith("exact", "base-sepolia", REQ.asset(), REQ.extra());
        assertRefused(INVALID_EXACT_EVM_NETWORK_MISMATCH, check(withAccepted(named, a), REQ));
    }

    @Test
    void v1NetworkIsMappedToCaip2BeforeComparing() {
        Eip3009Authorization a = goodAuth();
        ObjectNode payload = payloadJson(a, sign(B_DOMAIN, a, KEY1));
        assertRefused(INVALID_EXACT_EVM_NETWORK_MISMATCH, check(v1("exact", "base", payload), REQ));
        assertRefused(INVALID_EXACT_EVM_NETWORK_MISMATCH, check(v1("exact", "eip155:84532", payload), REQ));
        // v1 looks its network name up before the domain check
        PaymentRequirements noDomain = reqWith("exact", REQ.network(), REQ.asset(), extra(null, null));
        assertRefused(INVALID_EXACT_EVM_NETWORK_MISMATCH, check(v1("exact", "no-such-chain", payload), noDomain));
        assertRefused(INVALID_EXACT_EVM_MISSING_EIP712_DOMAIN, check(v1("exact", "base", payload), noDomain));
    }

    // --- payload shape -----------------------------------------------------------------------

    @Test
    void malformedPayloadIsInvalidPayloadAfterTheNetwork() {
        ObjectNode payload = payloadJson(goodAuth(), sign(B_DOMAIN, goodAuth(), KEY1));
        ((ObjectNode) payload.get("authorization")).put("value", "1e6");
        Refused r = refused(check(v2(REQ, payload), REQ));
        assertEquals(INVALID_PAYLOAD, r.reason());
        assertNull(r.payer());
    }

    // --- 4. signature ------------------------------------------------------------------------

    @Test
    void signatureUnderAnotherDomainNameIsRefused() {
        Eip712.Domain usdc = new Eip712.Domain("USDC", "2", 84532, B_DOMAIN.verifyingContract());
        assertRefused(INVALID_EXACT_EVM_SIGNATURE, check(signedBy(usdc, goodAuth()), REQ));
    }

    @Test
    void signatureUnderAnotherChainIdIsRefused() {
        Eip712.Domain base = new Eip712.Domain("USD Coin", "2", 8453, B_DOMAIN.verifyingContract());
        assertRefused(INVALID_EXACT_EVM_SIGNATURE, check(signedBy(base, goodAuth()), REQ));
    }

    @Test
    void tamperedValueBreaksTheSignature() {
        Eip3009Authorization signedFor = goodAuth();
        Eip3009Authorization sent = auth(MERCHANT, "2000000", NOW - 600, NOW + 60);
        PaymentRequirements pricier = new PaymentRequirements("exact", REQ.network(), "2000000", REQ.asset(),
                MERCHANT, 60, REQ.extra());
        Payment payment = v2(pricier, payloadJson(sent, sign(B_DOMAIN, signedFor, KEY1)));
        assertRefused(INVALID_EXACT_EVM_SIGNATURE, check(payment, pricier));
    }

    @Test
    void signatureComesBeforeRecipientAndTime() {
        Eip3009Authorization a = auth(OTHER, "5", NOW + 100, NOW);
        assertRefused(INVALID_EXACT_EVM_SIGNATURE,
                check(v2(REQ, payloadJson(a, tamperedSignature(sign(B_DOMAIN, a, KEY1)))), REQ));
    }

    @Test
    void signatureBySomeoneElseOrOfWrongLengthIsRefused() {
        Eip3009Authorization a = goodAuth();
        assertRefused(INVALID_EXACT_EVM_SIGNATURE, check(v2(REQ, payloadJson(a, sign(B_DOMAIN, a, KEY0))), REQ));
        String short64 = sign(B_DOMAIN, a, KEY1).substring(0, 2 + 128);
        assertRefused(INVALID_EXACT_EVM_SIGNATURE, check(v2(REQ, payloadJson(a, short64)), REQ));
        assertRefused(INVALID_EXACT_EVM_SIGNATURE, check(v2(REQ, payloadJson(a, "0x00")), REQ));
    }

    @Test
    void highSSignatureIsRefused() {
        Eip3009Authorization a = goodAuth();
        byte[] sig = Numeric.hexStringToByteArray(sign(B_DOMAIN, a, KEY1));
        BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64));
        System.arraycopy(Numeric.toBytesPadded(Sign.CURVE_PARAMS.getN().subtract(s), 32), 0, sig, 32, 32);
        sig[64] = (byte) (sig[64] == 27 ? 28 : 27);
        assertRefused(INVALID_EXACT_EVM_SIGNATURE, check(v2(REQ, payloadJson(a, Numeric.toHexString(sig))), REQ));
    }

    @Test
    void longSignatureIsASmartWalletCandidateWithTheLaterChecksAttached() {
        Eip3009Authorization a = goodAuth();
        String blob = "0x" + "11".repeat(200);
        NeedsContractSignatureCheck v = assertInstanceOf(NeedsContractSignatureCheck.class,
                check(v2(REQ, payloadJson(a, blob)), REQ));
        assertTrue(v.smartWalletSignature());
        assertEquals(KEY1_ADDRESS, v.payer());
        assertEquals(Numeric.toHexString(Eip712.digest(B_DOMAIN, a)), v.digest());
        assertEquals(Optional.empty(), v.laterRefusal());
        assertEquals(Optional.empty(), v.refusal());

        Eip3009Authorization wrongTo = auth(OTHER, AMOUNT, NOW - 600, NOW + 60);
        NeedsContractSignatureCheck w = assertInstanceOf(NeedsContractSignatureCheck.class,
                check(v2(REQ, payloadJson(wrongTo, blob)), REQ));
        assertEquals(INVALID_EXACT_EVM_RECIPIENT_MISMATCH, w.laterRefusal().orElseThrow().reason());
    }

    @Test
    void contractSignerWith65ByteSignatureNeedsTheChainOnlyWhenAskedFor() {
        // the fixture's ERC1271TestWallet: from = the wallet, signature = its owner's ECDSA over the digest
        String wallet = "0x10Aeafac83d48E2f9ac4bAAf94311c45fACe1404";
        String ownerKey = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
        Eip3009Authorization a = new Eip3009Authorization(wallet, MERCHANT, new BigInteger(AMOUNT),
                BigInteger.valueOf(NOW - 600), BigInteger.valueOf(NOW + 60), NONCE);
        Payment payment = v2(REQ, payloadJson(a, sign(B_DOMAIN, a, ownerKey)));

        assertRefused(INVALID_EXACT_EVM_SIGNATURE, check(payment, REQ));
        NeedsContractSignatureCheck v = assertInstanceOf(NeedsContractSignatureCheck.class,
                ExactEvmChecks.check(payment, REQ, NOW, ContractSigners.ANY_LENGTH));
        assertFalse(v.smartWalletSignature());
        assertEquals(wallet, v.payer());
        assertEquals(Optional.empty(), v.laterRefusal());
        // an EOA signature by from still passes offline under that policy
        assertInstanceOf(PassedOffline.class,
                ExactEvmChecks.check(signed(goodAuth()), REQ, NOW, ContractSigners.ANY_LENGTH));
    }

    // --- 5. recipient ------------------------------------------------------------------------

    @Test
    void recipientComesBeforeTimeAndValue() {
        assertRefused(INVALID_EXACT_EVM_RECIPIENT_MISMATCH, check(signed(auth(OTHER, "1", NOW + 100, NOW)), REQ));
        assertRefused(INVALID_EXACT_EVM_RECIPIENT_MISMATCH,
                check(signed(auth(OTHER, AMOUNT, NOW - 600, NOW + 60)), REQ));
    }

    // --- 6. validBefore ----------------------------------------------------------------------

    @Test
    void validBeforeComesBeforeValidAfterAndValue() {
        assertRefused(INVALID_EXACT_EVM_PAYLOAD_AUTHORIZATION_VALID_BEFORE,
                check(signed(auth(MERCHANT, "1", NOW + 100, NOW)), REQ));
    }

    @Test
    void validBeforeNeedsSixSecondsOfSlack() {
        assertInstanceOf(PassedOffline.class, check(signed(auth(MERCHANT, AMOUNT, NOW - 600, NOW + 6)), REQ));
        assertRefused(INVALID_EXACT_EVM_PAYLOAD_AUTHORIZATION_VALID_BEFORE,
                check(signed(auth(MERCHANT, AMOUNT, NOW - 600, NOW + 5)), REQ));
    }

    // --- 7. validAfter -----------------------------------------------------------------------

    @Test
    void validAfterComesBeforeValue() {
        assertRefused(INVALID_EXACT_EVM_PAYLOAD_AUTHORIZATION_VALID_AFTER,
                check(signed(auth(MERCHANT, "1", NOW + 1, NOW + 60)), REQ));
    }

    @Test
    void validAfterMayBeNowButNotLater() {
        assertInstanceOf(PassedOffline.class, check(signed(auth(MERCHANT, AMOUNT, NOW, NOW + 60)), REQ));
        assertRefused(INVALID_EXACT_EVM_PAYLOAD_AUTHORIZATION_VALID_AFTER,
                check(signed(auth(MERCHANT, AMOUNT, NOW + 1, NOW + 60)), REQ));
    }

    // --- 8. value ----------------------------------------------------------------------------

    @Test
    void valueMustEqualTheAmountExactly() {
        assertRefused(INVALID_EXACT_EVM_AUTHORIZATION_VALUE, check(signed(auth(MERCHANT, "999999", NOW, NOW + 60)), REQ));
        assertRefused(INVALID_EXACT_EVM_AUTHORIZATION_VALUE, check(signed(auth(MERCHANT, "1000001", NOW, NOW + 60)), REQ));
        PaymentRequirements leadingZeros = new PaymentRequirements("exact", REQ.network(), "0001000000",
                REQ.asset(), MERCHANT, 60, REQ.extra());
        assertInstanceOf(PassedOffline.class, check(signed(goodAuth()), leadingZeros));
    }

    // --- identity ----------------------------------------------------------------------------

    @Test
    void identifyIsPayerLowercaseNonceAndValidBefore() {
        ObjectNode payload = payloadJson(goodAuth(), "0x00");
        ((ObjectNode) payload.get("authorization")).put("from", KEY1_ADDRESS.toLowerCase(Locale.ROOT))
                .put("nonce", NONCE.toUpperCase(Locale.ROOT).replace("0X", "0x"));
        assertEquals(new PaymentIdentity(KEY1_ADDRESS, NONCE, java.time.Instant.ofEpochSecond(NOW + 60)),
                ExactEvmChecks.identify(v2(REQ, payload), REQ));
    }

    @Test
    void validBeforeBeyondYear9999IsStoredAsTheLastStorableSecond() {
        assertEquals(java.time.Instant.parse("9999-12-31T23:59:59Z"),
                ExactEvmChecks.validBeforeInstant(Eip3009Authorization.UINT256_MAX));
    }

    @Test
    void identifyRefusesMalformedPayloads() {
        ObjectNode payload = payloadJson(goodAuth(), "0x00");
        ((ObjectNode) payload.get("authorization")).remove("nonce");
        X402DecodeException e = assertThrows(X402DecodeException.class,
                () -> ExactEvmChecks.identify(v2(REQ, payload), REQ));
        assertEquals(INVALID_PAYLOAD, e.reason());
    }
}
