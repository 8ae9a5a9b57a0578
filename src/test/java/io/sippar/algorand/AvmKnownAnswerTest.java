package io.sippar.algorand;

import static io.sippar.algorand.AvmVectors.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.algorand.algosdk.transaction.Transaction;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import java.math.BigInteger;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Vectors C and E of x402-protocol.md section 6.2: decoding, TxIDs, group ids, checks and the fee payer's signature. */
class AvmKnownAnswerTest {

    private static AvmTransaction decode(int index, String element) throws AvmCodec.DecodeException {
        return AvmCodec.decode(index, element);
    }

    @Test
    void vectorCDecodesWithTheSpecsTxidsAndGroupId() throws Exception {
        AvmTransaction feePayer = decode(0, C_FEE_PAYER);
        AvmTransaction payment = decode(1, C_PAYMENT);

        assertEquals(AvmTransaction.Form.ENVELOPE, feePayer.form());
        assertFalse(feePayer.signed(), "the spec's fee payer is wrapped as {txn} without a signature");
        Transaction fp = feePayer.txn();
        assertEquals(Transaction.Type.Payment, fp.type);
        assertEquals(BigInteger.valueOf(2000), fp.fee);
        assertEquals(BigInteger.valueOf(53347179), fp.firstValid);
        assertEquals(BigInteger.valueOf(53348179), fp.lastValid);
        assertEquals("mainnet-v1.0", fp.genesisID);
        assertEquals(MAINNET_GH, AvmFields.base64(fp.genesisHash));
        assertEquals(C_FACILITATOR, fp.sender.toString());
        assertEquals(C_FACILITATOR, fp.receiver.toString());
        assertEquals(C_FEE_PAYER_TXID, feePayer.txId());

        assertTrue(payment.signed());
        Transaction p = payment.txn();
        assertEquals(Transaction.Type.AssetTransfer, p.type);
        assertEquals(BigInteger.valueOf(5_000_000), p.assetAmount);
        assertEquals(C_MERCHANT, p.assetReceiver.toString());
        assertEquals(C_CLIENT, p.sender.toString());
        assertEquals(BigInteger.valueOf(31566704), p.xferAsset);
        assertEquals(BigInteger.ZERO, p.fee, "an absent fee is 0, not algosdk's default of 1000");
        assertEquals(C_PAYMENT_TXID, payment.txId(), "the spec's PAYMENT-RESPONSE transaction");

        assertEquals(C_GROUP, AvmFields.base64(fp.group));
        assertEquals(C_GROUP, AvmFields.base64(p.group));
        assertEquals(C_GROUP, Base64.getEncoder().encodeToString(AvmCodec.groupId(List.of(feePayer, payment))));
    }

    @Test
    void vectorCSignatureDoesNotVerifyBecauseItsKeyIsAPlaceholder() throws Exception {
        AvmTransaction payment = decode(1, C_PAYMENT);
        assertFalse(AvmCodec.verifies(payment.sig().orElseThrow(), C_CLIENT, payment.txnBytes()));
    }

    @Test
    void vectorEDecodesWithItsTxidsAndGroupId() throws Exception {
        AvmTransaction feePayer = decode(0, E_FEE_PAYER);
        AvmTransaction payment = decode(1, E_PAYMENT);
        assertEquals(AvmTransaction.Form.BARE, feePayer.form());
        assertEquals(E_FACILITATOR, feePayer.sender());
        assertEquals(E_CLIENT, payment.sender());
        assertEquals(E_MERCHANT, payment.txn().assetReceiver.toString());
        assertEquals(E_FEE_PAYER_TXID, feePayer.txId());
        assertEquals(E_PAYMENT_TXID, payment.txId());
        assertEquals(E_GROUP, Base64.getEncoder().encodeToString(AvmCodec.groupId(List.of(feePayer, payment))));
        assertTrue(AvmCodec.verifies(payment.sig().orElseThrow(), E_CLIENT, payment.txnBytes()));
    }

    @Test
    void decodedBytesAreTheClientsOwnBytes() throws Exception {
        // what is passed on and hashed is exactly what was sent, never a re-encoding
        assertArrayEquals(Base64.getDecoder().decode(E_FEE_PAYER), decode(0, E_FEE_PAYER).element());
        assertArrayEquals(Base64.getDecoder().decode(E_FEE_PAYER), decode(0, E_FEE_PAYER).txnBytes());
        assertArrayEquals(Base64.getDecoder().decode(E_PAYMENT), decode(1, E_PAYMENT).element());
    }

    @Test
    void vectorEPassesEveryOfflineCheck() {
        PaymentRequirements req = new PaymentRequirements("exact", TESTNET, "1000", USDC_TESTNET, E_MERCHANT, 60,
                JsonNodeFactory.instance.objectNode().put("decimals", 6).put("feePayer", E_FACILITATOR));
        AvmGroups.Group group = new AvmGroups.Group(List.of(E_FEE_PAYER, E_PAYMENT), 1);
        AvmVerdict v = ExactAvmChecks.check(AvmGroups.payment(req, group), req,
                new ExactAvmChecks.Context(TESTNET, TESTNET_GH, Set.of(E_FACILITATOR), 5000));
        AvmVerdict.Passed passed = assertInstanceOf(AvmVerdict.Passed.class, v, v::toString);
        assertEquals(E_CLIENT, passed.payer());
        assertEquals(E_PAYMENT_TXID, passed.payment().txId());
        assertEquals(List.of(0), passed.feePayerIndexes());
        assertEquals(50_000_000L, passed.firstValid());
        assertEquals(50_001_000L, passed.lastValid());
    }

    @Test
    void vectorEFeePayerSignedByTheGatewayEqualsTheExpectedBytes() throws Exception {
        FeePayerKey key = FeePayerKey.parse(E_FACILITATOR_KEY, "test");
        assertEquals(E_FACILITATOR, key.address());
        byte[] txn = decode(0, E_FEE_PAYER).txnBytes();
        byte[] signed = AvmCodec.signedEnvelope(key.signTransaction(txn), txn);
        assertEquals(E_FEE_PAYER_SIGNED, Base64.getEncoder().encodeToString(signed));
    }

    @Test
    void repoKeysSecondHalfIsIgnoredAndTheSeedGivesTheVectorsClient() {
        assertEquals(E_CLIENT, FeePayerKey.parse(REPO_AVM_KEY, "test").address());
    }

    @Test
    void vectorEUnderTheWrongNetworkIsAGenesisMismatch() {
        String mainnet = "algorand:" + MAINNET_GH;
        PaymentRequirements req = new PaymentRequirements("exact", mainnet, "1000", USDC_TESTNET, E_MERCHANT, 60,
                JsonNodeFactory.instance.objectNode());
        AvmVerdict v = ExactAvmChecks.check(AvmGroups.payment(req, new AvmGroups.Group(List.of(E_FEE_PAYER, E_PAYMENT),
                1)), req, new ExactAvmChecks.Context(mainnet, MAINNET_GH, Set.of(E_FACILITATOR), 5000));
        assertEquals(ReasonCode.INVALID_EXACT_AVM_GENESIS_MISMATCH,
                assertInstanceOf(AvmVerdict.Refused.class, v).reason());
    }
}
