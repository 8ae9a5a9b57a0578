package io.sippar.algorand;

import static io.sippar.algorand.AvmGroups.CLIENT;
import static io.sippar.algorand.AvmGroups.FACILITATOR;
import static io.sippar.algorand.AvmGroups.MERCHANT;
import static io.sippar.algorand.AvmGroups.OTHER;
import static io.sippar.algorand.AvmGroups.address;
import static io.sippar.algorand.AvmGroups.b64;
import static io.sippar.x402.ReasonCode.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.algorand.algosdk.builder.transaction.PaymentTransactionBuilder;
import com.algorand.algosdk.crypto.Address;
import com.algorand.algosdk.crypto.Digest;
import com.algorand.algosdk.transaction.SignedTransaction;
import com.algorand.algosdk.transaction.Transaction;
import com.algorand.algosdk.transaction.TxGroup;
import com.algorand.algosdk.util.Encoder;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.scheme.PaymentIdentity;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentPayloadV1;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

/** The offline exact-AVM checks: one test per reason code (one change each to a valid group), in the reference's order. */
class ExactAvmChecksTest {

    private static final PaymentRequirements REQ = AvmGroups.requirements("1000");

    private static AvmVerdict check(Payment payment) {
        return ExactAvmChecks.check(payment, REQ, AvmGroups.context());
    }

    private static AvmVerdict check(AvmGroups.Group group) {
        return check(AvmGroups.payment(REQ, group));
    }

    private static AvmVerdict check(AvmGroups.Builder builder) {
        return check(builder.build());
    }

    private static AvmVerdict.Refused refused(ReasonCode expected, AvmVerdict v) {
        AvmVerdict.Refused r = assertInstanceOf(AvmVerdict.Refused.class, v, () -> "expected " + expected + ", got " + v);
        assertEquals(expected, r.reason(), r::message);
        assertTrue(!r.message().isBlank());
        return r;
    }

    private static ObjectNode payload(Object group, Object index) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        p.set("paymentGroup", JsonNodeFactory.instance.pojoNode(group));
        p.set("paymentIndex", JsonNodeFactory.instance.pojoNode(index));
        return (ObjectNode) io.sippar.x402.X402Json.MAPPER.valueToTree(p);
    }

    private static Payment withPayload(ObjectNode payload) {
        return io.sippar.x402.Payment.from(io.sippar.x402.PaymentPayload.of(null, REQ, payload), null);
    }

    // --- the valid baseline ---------------------------------------------------------------

    @Test
    void aGroupShapedLikeTheTsClientsPasses() {
        AvmVerdict.Passed p = assertInstanceOf(AvmVerdict.Passed.class, check(AvmGroups.builder()));
        assertEquals(address(CLIENT), p.payer());
        assertEquals(List.of(0), p.feePayerIndexes());
        assertEquals(1, p.paymentIndex());
    }

    @Test
    void feePayerWrappedAsUnsignedEnvelopeAsInTheSpecPasses() {
        AvmGroups.Builder b = AvmGroups.builder();
        b.feePayerInEnvelope = true;
        assertInstanceOf(AvmVerdict.Passed.class, check(b));
    }

    @Test
    void singleSignedTransferWithoutFeePayerPasses() {
        AvmGroups.Builder b = AvmGroups.builder();
        b.withFeePayer = false;
        AvmVerdict.Passed p = assertInstanceOf(AvmVerdict.Passed.class, check(b));
        assertEquals(List.of(), p.feePayerIndexes());
        assertEquals(0, p.paymentIndex());
    }

    @Test
    void rekeyedSenderSignedByItsAuthAddressPassesOffline() throws Exception {
        AvmGroups.Builder b = AvmGroups.builder();
        AvmGroups.Group g = b.build();
        // re-sign the payment with OTHER and name OTHER as sgnr, the form algod accepts for a rekeyed account
        Transaction pay = Encoder.decodeFromMsgPack(AvmCodec.decode(1, g.elements().get(1)).txnBytes(),
                Transaction.class);
        pay.fee = BigInteger.ZERO;
        SignedTransaction st = OTHER.signTransaction(pay);
        st.authAddr(OTHER.getAddress());
        assertInstanceOf(AvmVerdict.Passed.class, check(g.withElement(1, b64(Encoder.encodeToMsgPack(st)))));
    }

    // --- 1-3: version, scheme, network --------------------------------------------------------

    @Test
    void rejectsV1Payload() {
        Payment v1 = Payment.from(PaymentPayloadV1.of("exact", "algorand-testnet",
                AvmGroups.builder().build().payload()), null);
        refused(INVALID_EXACT_AVM_INVALID_VERSION, check(v1));
    }

    @Test
    void rejectsSchemeOtherThanExact() {
        PaymentRequirements upto = new PaymentRequirements("upto", REQ.network(), REQ.amount(), REQ.asset(),
                REQ.payTo(), 60, REQ.extra());
        refused(INVALID_EXACT_AVM_SCHEME, check(AvmGroups.payment(upto, AvmGroups.builder().build())));
        refused(INVALID_EXACT_AVM_SCHEME, ExactAvmChecks.check(AvmGroups.payment(REQ, AvmGroups.builder().build()),
                upto, AvmGroups.context()));
    }

    @Test
    void rejectsPaymentForAnotherNetwork() {
        PaymentRequirements mainnet = new PaymentRequirements("exact", "algorand:" + AvmVectors.MAINNET_GH,
                REQ.amount(), REQ.asset(), REQ.payTo(), 60, REQ.extra());
        refused(INVALID_EXACT_AVM_NETWORK_MISMATCH, check(AvmGroups.payment(mainnet, AvmGroups.builder().build())));
    }

    // --- 4-6: shape, size, index -------------------------------------------------------------------

    @Test
    void rejectsPayloadOfTheWrongShape() {
        List<String> ok = AvmGroups.builder().build().elements();
        refused(INVALID_EXACT_AVM_PAYLOAD, check(withPayload(JsonNodeFactory.instance.objectNode())));
        refused(INVALID_EXACT_AVM_PAYLOAD, check(withPayload(payload(ok, "1"))));
        refused(INVALID_EXACT_AVM_PAYLOAD, check(withPayload(payload(List.of(ok.get(0), 7), 1))));
        refused(INVALID_EXACT_AVM_PAYLOAD, check(withPayload(payload(ok.get(0), 0))));
        refused(INVALID_EXACT_AVM_PAYLOAD, check(withPayload(payload(ok, 0.5))));
    }

    @Test
    void rejectsGroupOfMoreThanSixteen() {
        List<String> seventeen = new ArrayList<>(Collections.nCopies(17, AvmGroups.builder().build().elements().get(1)));
        refused(INVALID_EXACT_AVM_GROUP_SIZE_EXCEEDED, check(new AvmGroups.Group(seventeen, 0)));
    }

    @Test
    void rejectsPaymentIndexOutsideTheGroup() {
        refused(INVALID_EXACT_AVM_PAYMENT_INDEX, check(AvmGroups.builder().build().withIndex(2)));
        refused(INVALID_EXACT_AVM_PAYMENT_INDEX, check(AvmGroups.builder().build().withIndex(-1)));
        refused(INVALID_EXACT_AVM_PAYMENT_INDEX, check(new AvmGroups.Group(List.of(), 0)));
    }

    // --- 7: decoding -------------------------------------------------------------------------

    @Test
    void rejectsUnsignedTransactionFromAnyoneButTheFeePayer() throws Exception {
        AvmGroups.Group g = AvmGroups.builder().build();
        byte[] bareClientTxn = AvmCodec.decode(1, g.elements().get(1)).txnBytes();
        AvmVerdict.Refused r = refused(INVALID_EXACT_AVM_UNSIGNED_NON_FACILITATOR,
                check(g.withElement(1, b64(bareClientTxn))));
        assertTrue(r.message().contains(address(CLIENT)), r.message());
    }

    @Test
    void rejectsElementThatIsNotATransaction() throws Exception {
        AvmGroups.Group g = AvmGroups.builder().build();
        refused(INVALID_EXACT_AVM_INVALID_TRANSACTION, check(g.withElement(1, "not base64!")));
        refused(INVALID_EXACT_AVM_INVALID_TRANSACTION, check(g.withElement(1, b64(new byte[] {1, 2, 3}))));
        refused(INVALID_EXACT_AVM_INVALID_TRANSACTION, check(g.withElement(1, b64(pack(p -> {
            p.packMapHeader(1);
            p.packString("txn");
            p.packMapHeader(1);
            p.packString("type");
            p.packString("nope");
        })))));
    }

    @Test
    void rejectsEnvelopeWithUnknownField() throws Exception {
        AvmGroups.Group g = AvmGroups.builder().build();
        byte[] txn = AvmCodec.decode(1, g.elements().get(1)).txnBytes();
        byte[] envelope = pack(p -> {
            p.packMapHeader(2);
            p.packString("txn");
            p.writePayload(txn);
            p.packString("zzz");
            p.packInt(1);
        });
        refused(INVALID_EXACT_AVM_INVALID_TRANSACTION, check(g.withElement(1, b64(envelope))));
    }

    @Test
    void rejectsTransactionNotInCanonicalEncoding() throws Exception {
        // the same fields with the map keys in reverse order: a different TxID than algod would compute
        AvmGroups.Group g = AvmGroups.builder().build();
        byte[] txn = AvmCodec.decode(0, g.elements().get(0)).txnBytes();
        List<Value[]> entries = new ArrayList<>();
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(txn)) {
            int n = u.unpackMapHeader();
            for (int i = 0; i < n; i++) {
                entries.add(new Value[] {u.unpackValue(), u.unpackValue()});
            }
        }
        Collections.reverse(entries);
        byte[] reordered = pack(p -> {
            p.packMapHeader(entries.size());
            for (Value[] e : entries) {
                p.packValue(e[0]);
                p.packValue(e[1]);
            }
        });
        refused(INVALID_EXACT_AVM_INVALID_TRANSACTION, check(g.withElement(0, b64(reordered))));
    }

    @Test
    void rejectsExplicitZeroFeeWhichCanonicalEncodingOmits() throws Exception {
        AvmGroups.Group g = AvmGroups.builder().build();
        byte[] txn = AvmCodec.decode(1, g.elements().get(1)).txnBytes();
        // insert "fee": 0 in sorted position (after "arcv", before "fv")
        List<Value[]> entries = new ArrayList<>();
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(txn)) {
            int n = u.unpackMapHeader();
            for (int i = 0; i < n; i++) {
                entries.add(new Value[] {u.unpackValue(), u.unpackValue()});
            }
        }
        byte[] withZeroFee = pack(p -> {
            p.packMapHeader(entries.size() + 1);
            boolean done = false;
            for (Value[] e : entries) {
                if (!done && e[0].asStringValue().asString().compareTo("fee") > 0) {
                    p.packString("fee");
                    p.packInt(0);
                    done = true;
                }
                p.packValue(e[0]);
                p.packValue(e[1]);
            }
        });
        byte[] sig = CLIENT.signTransaction(Encoder.decodeFromMsgPack(txn, Transaction.class)).sig.getBytes();
        refused(INVALID_EXACT_AVM_INVALID_TRANSACTION, check(g.withElement(1, b64(AvmCodec.signedEnvelope(sig,
                withZeroFee)))));
    }

    // --- 8: group id ------------------------------------------------------------------------

    @Test
    void rejectsTransactionsWithDifferentGroupIds() {
        AvmGroups.Group a = AvmGroups.builder().build();
        AvmGroups.Builder other = AvmGroups.builder();
        other.amount = 2;
        AvmGroups.Group b = other.build();
        refused(INVALID_EXACT_AVM_INVALID_GROUP_ID, check(a.withElement(1, b.elements().get(1))));
    }

    @Test
    void rejectsGroupIdThatIsNotTheHashOfTheGroup() {
        Digest wrong = new Digest(new byte[32]);
        Arrays.fill(wrong.getBytes(), (byte) 7);
        AvmGroups.Builder b = AvmGroups.builder();
        b.group = false;
        b.feePayer(t -> t.group = wrong).payment(t -> t.group = wrong);
        refused(INVALID_EXACT_AVM_INVALID_GROUP_ID, check(b));
    }

    @Test
    void rejectsTwoTransactionsWithoutGroupId() {
        AvmGroups.Builder b = AvmGroups.builder();
        b.group = false;
        refused(INVALID_EXACT_AVM_INVALID_GROUP_ID, check(b));
    }

    @Test
    void rejectsTransactionForAnotherGenesisHash() {
        AvmGroups.Builder b = AvmGroups.builder();
        b.genesisHash = AvmVectors.MAINNET_GH;
        refused(INVALID_EXACT_AVM_GENESIS_MISMATCH, check(b));
    }

    // --- 9-10: payer and the payment transaction ------------------------------------------------

    @Test
    void rejectsPaymentSentByTheFeePayer() {
        AvmGroups.Builder b = AvmGroups.builder();
        b.payer = FACILITATOR;
        b.signer = FACILITATOR;
        refused(INVALID_EXACT_AVM_FACILITATOR_TRANSFERRING, check(b));
    }

    @Test
    void rejectsPaymentThatIsNotAnAssetTransfer() {
        AvmGroups.Builder b = AvmGroups.builder();
        b.payment(t -> {
            t.type = Transaction.Type.Payment;
            t.amount = BigInteger.valueOf(1000);
            t.receiver = MERCHANT.getAddress();
            t.assetReceiver = new Address();
            t.assetAmount = BigInteger.ZERO;
            t.xferAsset = BigInteger.ZERO;
        });
        refused(INVALID_EXACT_AVM_NOT_ASSET_TRANSFER, check(b));
    }

    @Test
    void rejectsAmountOtherThanRequired() {
        AvmGroups.Builder b = AvmGroups.builder();
        b.amount = 999;
        refused(INVALID_EXACT_AVM_AMOUNT_MISMATCH, check(b));
        b.amount = 1001;
        refused(INVALID_EXACT_AVM_AMOUNT_MISMATCH, check(b));
    }

    @Test
    void rejectsPaymentToSomeoneElse() {
        AvmGroups.Builder b = AvmGroups.builder();
        b.payTo = address(OTHER);
        refused(INVALID_EXACT_AVM_RECEIVER_MISMATCH, check(b));
    }

    @Test
    void rejectsPaymentInAnotherAsset() {
        AvmGroups.Builder b = AvmGroups.builder();
        b.asset = 31566704;
        refused(INVALID_EXACT_AVM_ASSET_MISMATCH, check(b));
    }

    @Test
    void rejectsUnsignedPayment() {
        AvmGroups.Builder b = AvmGroups.builder();
        b.signPayment = false;
        refused(INVALID_EXACT_AVM_PAYMENT_NOT_SIGNED, check(b));
    }

    @Test
    void rejectsSignatureByAnotherKey() {
        AvmGroups.Builder b = AvmGroups.builder();
        b.signer = OTHER;
        refused(INVALID_EXACT_AVM_INVALID_SIGNATURE, check(b));
    }

    @Test
    void rejectsPaymentThatClosesTheHoldingOut() {
        refused(INVALID_EXACT_AVM_PAYMENT_CLOSE_TO, check(AvmGroups.builder()
                .payment(t -> t.assetCloseTo = OTHER.getAddress())));
    }

    @Test
    void rejectsPaymentThatRekeysThePayer() {
        refused(INVALID_EXACT_AVM_PAYMENT_REKEY, check(AvmGroups.builder().payment(t -> t.rekeyTo = OTHER.getAddress())));
    }

    @Test
    void rejectsClawbackPayment() {
        refused(INVALID_EXACT_AVM_PAYMENT_CLAWBACK, check(AvmGroups.builder()
                .payment(t -> t.assetSender = OTHER.getAddress())));
    }

    // --- 11: the fee payer's transactions -------------------------------------------------------

    @Test
    void rejectsFeePayerTransactionThatIsNotAPayment() {
        refused(INVALID_EXACT_AVM_INVALID_FEE_PAYER, check(AvmGroups.builder().feePayer(t -> {
            t.type = Transaction.Type.AssetTransfer;
            t.receiver = new Address();
            t.xferAsset = BigInteger.valueOf(10458941);
            t.assetReceiver = FACILITATOR.getAddress();
        })));
    }

    @Test
    void rejectsFeePayerThatPaysAnAmount() {
        refused(INVALID_EXACT_AVM_INVALID_FEE_PAYER, check(AvmGroups.builder()
                .feePayer(t -> t.amount = BigInteger.ONE)));
    }

    @Test
    void rejectsFeePayerThatPaysSomeoneElse() {
        refused(INVALID_EXACT_AVM_INVALID_FEE_PAYER, check(AvmGroups.builder()
                .feePayer(t -> t.receiver = OTHER.getAddress())));
    }

    @Test
    void rejectsFeePayerThatClosesItsAccount() {
        refused(INVALID_EXACT_AVM_INVALID_FEE_PAYER, check(AvmGroups.builder()
                .feePayer(t -> t.closeRemainderTo = OTHER.getAddress())));
    }

    @Test
    void rejectsFeePayerThatRekeys() {
        refused(INVALID_EXACT_AVM_INVALID_FEE_PAYER, check(AvmGroups.builder()
                .feePayer(t -> t.rekeyTo = OTHER.getAddress())));
    }

    @Test
    void rejectsFeeAboveFiveThousandPerTransactionOfTheGroup() {
        AvmGroups.Builder b = AvmGroups.builder();
        b.feePayerFee = 10_000;
        assertInstanceOf(AvmVerdict.Passed.class, check(b), "5000 x 2 is the limit, inclusive");
        b.feePayerFee = 10_001;
        refused(INVALID_EXACT_AVM_FEE_TOO_HIGH, check(b));
    }

    @Test
    void rejectsFeePayerFeesThatAddUpAboveTheGroupLimit() throws Exception {
        // two fee-payer transactions of 8000 each in a group of three: each under 15000, together above it
        AvmGroups.Builder b = AvmGroups.builder();
        b.feePayerFee = 8000;
        Transaction fee1 = b.feePayerTxn();
        Transaction fee2 = b.feePayerTxn();
        fee2.note = "second".getBytes();
        Transaction pay = b.paymentTxn();
        TxGroup.assignGroupID(fee1, fee2, pay);
        AvmGroups.Group g = new AvmGroups.Group(List.of(b64(Encoder.encodeToMsgPack(fee1)),
                b64(Encoder.encodeToMsgPack(fee2)), b64(Encoder.encodeToMsgPack(CLIENT.signTransaction(pay)))), 2);
        refused(INVALID_EXACT_AVM_FEE_TOO_HIGH, check(g));
    }

    // --- order and identity -----------------------------------------------------------------

    @Test
    void earlierCheckWinsWhenSeveralFail() {
        AvmGroups.Builder b = AvmGroups.builder();
        b.amount = 5;
        b.signer = OTHER;
        b.feePayerFee = 1_000_000;
        refused(INVALID_EXACT_AVM_AMOUNT_MISMATCH, check(b));
    }

    @Test
    void refusalBeforeDecodingNamesNoPayerAndAfterItNamesTheSender() {
        assertNull(refused(INVALID_EXACT_AVM_PAYMENT_INDEX, check(AvmGroups.builder().build().withIndex(5))).payer());
        AvmGroups.Builder b = AvmGroups.builder();
        b.amount = 5;
        assertEquals(address(CLIENT), refused(INVALID_EXACT_AVM_AMOUNT_MISMATCH, check(b)).payer());
    }

    @Test
    void noFeePayerConfiguredMeansTheBareFeePayerIsRefused() {
        ExactAvmChecks.Context none = new ExactAvmChecks.Context(AvmVectors.TESTNET, AvmVectors.TESTNET_GH,
                java.util.Set.of(), 5000);
        refused(INVALID_EXACT_AVM_UNSIGNED_NON_FACILITATOR, ExactAvmChecks.check(
                AvmGroups.payment(REQ, AvmGroups.builder().build()), REQ, none));
    }

    @Test
    void feePayerTransactionCanBeAnythingButFromAnotherAccountIsPassedThrough() throws Exception {
        // a third, client-signed transaction in the group is not the fee payer's: passed on unchanged
        AvmGroups.Builder b = AvmGroups.builder();
        Transaction fee = b.feePayerTxn();
        Transaction extra = PaymentTransactionBuilder.Builder().sender(CLIENT.getAddress())
                .receiver(CLIENT.getAddress()).amount(0L).flatFee(0L).firstValid(b.firstValid).lastValid(b.lastValid)
                .genesisID(b.genesisId).genesisHashB64(b.genesisHash).noteUTF8("extra").build();
        extra.fee = BigInteger.ZERO;
        Transaction pay = b.paymentTxn();
        TxGroup.assignGroupID(fee, extra, pay);
        AvmGroups.Group g = new AvmGroups.Group(List.of(b64(Encoder.encodeToMsgPack(fee)),
                b64(Encoder.encodeToMsgPack(CLIENT.signTransaction(extra))),
                b64(Encoder.encodeToMsgPack(CLIENT.signTransaction(pay)))), 2);
        AvmVerdict.Passed p = assertInstanceOf(AvmVerdict.Passed.class, check(g));
        assertEquals(List.of(0), p.feePayerIndexes());
    }

    @Test
    void identityIsTheSenderAndThePaymentTxid() throws Exception {
        AvmGroups.Group g = AvmGroups.builder().build();
        ExactAvmScheme scheme = TestAlgorandConfig.offlineScheme();
        try (scheme) {
            PaymentIdentity id = scheme.identify(AvmGroups.payment(REQ, g), REQ);
            assertEquals(address(CLIENT), id.payer());
            assertEquals(AvmCodec.decode(1, g.elements().get(1)).txId(), id.chainRef());
            AvmGroups.Builder bad = AvmGroups.builder();
            bad.signer = OTHER;
            io.sippar.x402.X402DecodeException e = assertThrows(io.sippar.x402.X402DecodeException.class,
                    () -> scheme.identify(AvmGroups.payment(REQ, bad.build()), REQ));
            assertEquals(INVALID_EXACT_AVM_INVALID_SIGNATURE, e.reason());
        }
    }

    // --- helpers ---------------------------------------------------------------------------

    private interface Packing {
        void accept(MessageBufferPacker p) throws Exception;
    }

    private static byte[] pack(Packing body) throws Exception {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            body.accept(p);
            p.flush();
            return p.toByteArray();
        }
    }
}
