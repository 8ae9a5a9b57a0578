package io.sippar.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sippar.scheme.BroadcastListener;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.SettleResponse;
import io.sippar.x402.VerifyResponse;
import io.smallrye.mutiny.Uni;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/** Verify and settle against anvil with automine: every on-chain reason code, ERC-1271, replay, 200 concurrent. */
class ExactEvmSchemeTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String AMOUNT = "1000";

    private static AnvilFixture anvil;
    private static AnvilPayments chain;
    private static ExactEvmScheme scheme;

    @BeforeAll
    static void start() {
        anvil = AnvilFixture.builder().blockTime(0).start();
        chain = new AnvilPayments(anvil);
        scheme = new ExactEvmScheme(TestEvmConfig.of(new TestEvmConfig.TestNetwork(anvil.chainId(),
                anvil.settler().privateKey(), anvil.rpcUrl())));
    }

    @AfterAll
    static void stop() {
        if (scheme != null) {
            scheme.close();
        }
        if (chain != null) {
            chain.close();
        }
        if (anvil != null) {
            anvil.close();
        }
    }

    private static VerifyResponse verify(Payment p) {
        return scheme.verify(p, req(p)).await().atMost(WAIT);
    }

    private static SettleResponse settle(Payment p) {
        return scheme.settle(p, req(p), BroadcastListener.NONE).await().atMost(WAIT);
    }

    private static PaymentRequirements req(Payment p) {
        return p.acceptedRequirements().orElseThrow();
    }

    @Test
    void verifiesValidAuthorizationSignedByPayer() {
        VerifyResponse r = verify(chain.payment(anvil.payer(), AMOUNT));
        assertTrue(r.isValid(), () -> r.invalidReason() + ": " + r.invalidMessage());
        assertEquals(anvil.payer().address(), r.payer());
    }

    @Test
    void settleMovesExactlyValueAndFlipsAuthorizationState() throws Exception {
        Payment p = chain.payment(anvil.payer(), AMOUNT);
        BigInteger payerBefore = chain.balanceOf(anvil.payer().address());
        BigInteger merchantBefore = chain.balanceOf(anvil.merchant().address());
        assertFalse(chain.authorizationState(anvil.payer().address(), chain.nonceOf(p)));
        List<String> broadcast = new CopyOnWriteArrayList<>();

        SettleResponse r = scheme.settle(p, req(p), tx -> {
            broadcast.add(tx);
            return Uni.createFrom().voidItem();
        }).await().atMost(WAIT);

        assertTrue(r.success(), () -> r.errorReason() + ": " + r.errorMessage());
        assertEquals(anvil.network(), r.network());
        assertEquals(anvil.payer().address(), r.payer());
        assertEquals(List.of(r.transaction()), broadcast);
        assertEquals(payerBefore.subtract(new BigInteger(AMOUNT)), chain.balanceOf(anvil.payer().address()));
        assertEquals(merchantBefore.add(new BigInteger(AMOUNT)), chain.balanceOf(anvil.merchant().address()));
        assertTrue(chain.authorizationState(anvil.payer().address(), chain.nonceOf(p)));
    }

    @Test
    void replayedSettleFailsWithNonceAlreadyUsedAndMovesNothing() throws Exception {
        Payment p = chain.payment(anvil.account(4), AMOUNT);
        assertTrue(settle(p).success());
        BigInteger payerAfterFirst = chain.balanceOf(anvil.account(4).address());

        SettleResponse again = settle(p);

        assertFalse(again.success());
        assertEquals(ReasonCode.INVALID_EXACT_EVM_NONCE_ALREADY_USED.wire(), again.errorReason());
        assertEquals("", again.transaction());
        assertEquals(payerAfterFirst, chain.balanceOf(anvil.account(4).address()));
    }

    @Test
    void verifyAfterSettlementRefusesUsedNonce() {
        Payment p = chain.payment(anvil.account(5), AMOUNT);
        assertTrue(settle(p).success());

        VerifyResponse r = verify(p);

        assertEquals(ReasonCode.INVALID_EXACT_EVM_NONCE_ALREADY_USED.wire(), r.invalidReason());
    }

    @Test
    void refusesInsufficientBalanceOfUnfundedKey() throws Exception {
        Credentials broke = Credentials.create(Keys.createEcKeyPair());
        String from = Keys.toChecksumAddress(broke.getAddress());
        Payment p = chain.payment(Numeric.toHexStringWithPrefixZeroPadded(broke.getEcKeyPair().getPrivateKey(), 64),
                from, AMOUNT, chain.domain());

        VerifyResponse r = verify(p);

        assertEquals(ReasonCode.INVALID_EXACT_EVM_INSUFFICIENT_BALANCE.wire(), r.invalidReason(), r.invalidMessage());
        assertEquals(from, r.payer());
    }

    @Test
    void refusesTokenNameMismatchWhenSignedAndAdvertisedWithWrongName() {
        Eip712.Domain wrong = new Eip712.Domain("USDC", "2", anvil.chainId(), anvil.token().address());
        Payment p = chain.payment(anvil.payer().privateKey(), anvil.payer().address(), AMOUNT, wrong);

        VerifyResponse r = verify(p);

        assertEquals(ReasonCode.INVALID_EXACT_EVM_TOKEN_NAME_MISMATCH.wire(), r.invalidReason(), r.invalidMessage());
    }

    @Test
    void refusesTokenVersionMismatchWhenSignedAndAdvertisedWithWrongVersion() {
        Eip712.Domain wrong = new Eip712.Domain(anvil.token().name(), "1", anvil.chainId(), anvil.token().address());
        Payment p = chain.payment(anvil.payer().privateKey(), anvil.payer().address(), AMOUNT, wrong);

        VerifyResponse r = verify(p);

        assertEquals(ReasonCode.INVALID_EXACT_EVM_TOKEN_VERSION_MISMATCH.wire(), r.invalidReason(), r.invalidMessage());
    }

    @Test
    void refusesSignatureByAnotherEoaOnChainChecked() {
        // 65 bytes, not by `from`, `from` has no code: ERC-1271 cannot apply
        Eip3009Authorization auth = chain.authorization(anvil.payer().address(), AMOUNT);
        Payment p = EvmVectors.v2(chain.requirements(AMOUNT),
                EvmVectors.payloadJson(auth, EvmVectors.sign(chain.domain(), auth, anvil.account(4).privateKey())));

        VerifyResponse r = verify(p);

        assertEquals(ReasonCode.INVALID_EXACT_EVM_SIGNATURE.wire(), r.invalidReason());
    }

    @Test
    void refusesLongSignatureOfUndeployedWallet() {
        Eip3009Authorization auth = chain.authorization(anvil.payer().address(), AMOUNT);
        String sig = EvmVectors.sign(chain.domain(), auth, anvil.payer().privateKey()) + "00".repeat(31);
        Payment p = EvmVectors.v2(chain.requirements(AMOUNT), EvmVectors.payloadJson(auth, sig));
        // payer #1 has no code; take a fresh address so EOA recovery cannot succeed either
        VerifyResponse r = verify(p);

        assertEquals(ReasonCode.INVALID_EXACT_EVM_PAYLOAD_UNDEPLOYED_SMART_WALLET.wire(), r.invalidReason());
    }

    @Test
    void refusesErc6492WrappedSignature() {
        Eip3009Authorization auth = chain.authorization(anvil.payer().address(), AMOUNT);
        String sig = "0x" + "11".repeat(96) + TokenAbi.ERC6492_SUFFIX;
        Payment p = EvmVectors.v2(chain.requirements(AMOUNT), EvmVectors.payloadJson(auth, sig));

        VerifyResponse r = verify(p);

        assertEquals(ReasonCode.INVALID_EXACT_EVM_SIGNATURE.wire(), r.invalidReason());
        assertTrue(r.invalidMessage().contains("ERC-6492"), r.invalidMessage());
    }

    @Test
    void erc1271WalletPaymentVerifiesAndSettles() throws Exception {
        String wallet = anvil.erc1271Wallet();
        Eip3009Authorization auth = chain.authorization(org.web3j.crypto.Keys.toChecksumAddress(wallet), AMOUNT);
        String sig = EvmVectors.sign(chain.domain(), auth, anvil.erc1271WalletOwner().privateKey());
        Payment p = EvmVectors.v2(chain.requirements(AMOUNT), EvmVectors.payloadJson(auth, sig));
        BigInteger before = chain.balanceOf(wallet);

        VerifyResponse v = verify(p);
        assertTrue(v.isValid(), () -> v.invalidReason() + ": " + v.invalidMessage());
        SettleResponse s = settle(p);

        assertTrue(s.success(), () -> s.errorReason() + ": " + s.errorMessage());
        assertEquals(before.subtract(new BigInteger(AMOUNT)), chain.balanceOf(wallet));
    }

    @Test
    void erc1271WalletRefusesSignatureByStranger() {
        String wallet = org.web3j.crypto.Keys.toChecksumAddress(anvil.erc1271Wallet());
        Eip3009Authorization auth = chain.authorization(wallet, AMOUNT);
        String sig = EvmVectors.sign(chain.domain(), auth, anvil.account(5).privateKey());
        Payment p = EvmVectors.v2(chain.requirements(AMOUNT), EvmVectors.payloadJson(auth, sig));

        VerifyResponse r = verify(p);

        assertEquals(ReasonCode.INVALID_EXACT_EVM_SIGNATURE.wire(), r.invalidReason());
    }

    @Test
    void twoHundredConcurrentSettlementsFromOneKeyAllLand() throws Exception {
        int[] payers = {1, 3, 4, 5, 6, 7, 8};
        List<Payment> payments = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            payments.add(chain.payment(anvil.account(payers[i % payers.length]), "1"));
        }
        BigInteger merchantBefore = chain.balanceOf(anvil.merchant().address());

        ConcurrentSettlements.Result result = ConcurrentSettlements.run(scheme, payments, Duration.ofSeconds(120));

        System.out.printf("[evm] 200 concurrent settlements, automine: %s%n", result);
        assertEquals(0, result.failures(), result.toString());
        assertEquals(200, result.distinctTransactions());
        assertEquals(merchantBefore.add(BigInteger.valueOf(200)), chain.balanceOf(anvil.merchant().address()));
    }
}
