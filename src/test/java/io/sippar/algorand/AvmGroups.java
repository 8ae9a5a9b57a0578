package io.sippar.algorand;

import com.algorand.algosdk.account.Account;
import com.algorand.algosdk.builder.transaction.AssetTransferTransactionBuilder;
import com.algorand.algosdk.builder.transaction.PaymentTransactionBuilder;
import com.algorand.algosdk.transaction.SignedTransaction;
import com.algorand.algosdk.transaction.Transaction;
import com.algorand.algosdk.transaction.TxGroup;
import com.algorand.algosdk.util.Encoder;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentPayload;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ResourceInfo;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds exact-AVM payment groups with algosdk the way {@code @x402/avm}'s client does (a bare
 * unsigned fee payer paying 2000 for both, then the client's signed axfer with fee 0), with hooks
 * to change one thing at a time. Signing uses algosdk's own {@link Account}, independently of the
 * gateway's signer.
 */
final class AvmGroups {

    static final Account FACILITATOR = account(1);
    static final Account CLIENT = account(AvmVectors.REPO_AVM_KEY);
    static final Account MERCHANT = account(2);
    static final Account OTHER = account(3);
    static final String FACILITATOR_KEY = AvmVectors.E_FACILITATOR_KEY;

    private AvmGroups() {
    }

    /** The account of seed 32 x {@code b}. */
    static Account account(int b) {
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) b);
        try {
            return new Account(seed);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The account of the first 32 bytes of an x402 key. */
    static Account account(String x402Key) {
        try {
            return new Account(Arrays.copyOf(Base64.getDecoder().decode(x402Key), 32));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String address(Account a) {
        return a.getAddress().toString();
    }

    /** Requirements for {@code amount} of testnet USDC to the merchant, with the facilitator as fee payer. */
    static PaymentRequirements requirements(String amount) {
        ObjectNode extra = JsonNodeFactory.instance.objectNode().put("decimals", 6)
                .put("feePayer", address(FACILITATOR));
        return new PaymentRequirements("exact", AvmVectors.TESTNET, amount, AvmVectors.USDC_TESTNET,
                address(MERCHANT), 60, extra);
    }

    static ExactAvmChecks.Context context() {
        return new ExactAvmChecks.Context(AvmVectors.TESTNET, AvmVectors.TESTNET_GH,
                java.util.Set.of(address(FACILITATOR)), 5000);
    }

    /** A v2 payment that accepted {@code accepted} with the AVM payload {@code group}. */
    static Payment payment(PaymentRequirements accepted, Group group) {
        return Payment.from(PaymentPayload.of(new ResourceInfo("https://api.example.com/weather", "", "application/json"),
                accepted, group.payload()), null);
    }

    /** A built group: base64 elements and the payment's index. */
    record Group(List<String> elements, int paymentIndex) {
        ObjectNode payload() {
            ObjectNode p = JsonNodeFactory.instance.objectNode();
            ArrayNode arr = p.putArray("paymentGroup");
            elements.forEach(arr::add);
            p.put("paymentIndex", paymentIndex);
            return p;
        }

        Group withElement(int i, String element) {
            List<String> copy = new ArrayList<>(elements);
            copy.set(i, element);
            return new Group(copy, paymentIndex);
        }

        Group withIndex(int index) {
            return new Group(elements, index);
        }
    }

    /** A builder with the TS client's shape; every field may be changed before {@link #build()}. */
    static Builder builder() {
        return new Builder();
    }

    static final class Builder {
        long firstValid = 50_000_000L;
        long lastValid = 50_001_000L;
        String genesisHash = AvmVectors.TESTNET_GH;
        String genesisId = "testnet-v1.0";
        long amount = 1000;
        long asset = Long.parseLong(AvmVectors.USDC_TESTNET);
        Account payer = CLIENT;
        Account signer = CLIENT;
        String payTo = address(MERCHANT);
        long feePayerFee = 2000;
        Account feePayer = FACILITATOR;
        /** The fee payer's address when its key is not at hand (it signs nothing here): overrides {@link #feePayer}. */
        String feePayerAddress;
        /** Like the TS client's {@code x402-payment-v2-<ms>}: makes otherwise equal payments distinct. */
        String note;
        boolean withFeePayer = true;
        boolean signPayment = true;
        boolean feePayerInEnvelope = false;
        boolean group = true;
        Consumer<Transaction> feePayerHook = t -> { };
        Consumer<Transaction> paymentHook = t -> { };

        Builder feePayer(Consumer<Transaction> hook) {
            this.feePayerHook = hook;
            return this;
        }

        Builder payment(Consumer<Transaction> hook) {
            this.paymentHook = hook;
            return this;
        }

        Transaction feePayerTxn() {
            Transaction t = PaymentTransactionBuilder.Builder()
                    .sender(feePayerAddress != null ? feePayerAddress : feePayer.getAddress().toString())
                    .receiver(feePayerAddress != null ? feePayerAddress : feePayer.getAddress().toString())
                    .amount(0L)
                    .flatFee(feePayerFee)
                    .firstValid(firstValid)
                    .lastValid(lastValid)
                    .genesisID(genesisId)
                    .genesisHashB64(genesisHash)
                    .build();
            t.fee = BigInteger.valueOf(feePayerFee);
            feePayerHook.accept(t);
            return t;
        }

        Transaction paymentTxn() {
            Transaction t = AssetTransferTransactionBuilder.Builder()
                    .sender(payer.getAddress())
                    .assetReceiver(payTo)
                    .assetAmount(amount)
                    .assetIndex(asset)
                    .flatFee(0L)
                    .firstValid(firstValid)
                    .lastValid(lastValid)
                    .genesisID(genesisId)
                    .genesisHashB64(genesisHash)
                    .build();
            // a fee payer covers the group: the payment itself pays nothing (canonical msgpack omits fee)
            t.fee = withFeePayer ? BigInteger.ZERO : BigInteger.valueOf(1000);
            if (note != null) {
                t.note = note.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            paymentHook.accept(t);
            return t;
        }

        Group build() {
            Transaction pay = paymentTxn();
            List<Transaction> txns = new ArrayList<>();
            if (withFeePayer) {
                txns.add(feePayerTxn());
            }
            txns.add(pay);
            if (group && txns.size() > 1) {
                try {
                    TxGroup.assignGroupID(txns.toArray(new Transaction[0]));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            List<String> elements = new ArrayList<>();
            for (Transaction t : txns) {
                elements.add(t == pay ? encodePayment(t) : encodeFeePayer(t));
            }
            return new Group(elements, withFeePayer ? 1 : 0);
        }

        private String encodeFeePayer(Transaction t) {
            try {
                byte[] bare = Encoder.encodeToMsgPack(t);
                if (!feePayerInEnvelope) {
                    return b64(bare);
                }
                // {"txn": ...} without a signature: the spec example's form
                return b64(AvmCodecAccess.envelopeWithoutSignature(bare));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        private String encodePayment(Transaction t) {
            try {
                if (!signPayment) {
                    return b64(AvmCodecAccess.envelopeWithoutSignature(Encoder.encodeToMsgPack(t)));
                }
                SignedTransaction st = signer.signTransaction(t);
                if (signer == payer) {
                    return b64(Encoder.encodeToMsgPack(st));
                }
                // algosdk names a different signer as sgnr (a rekeyed account); a forged signature does not
                return b64(AvmCodec.signedEnvelope(st.sig.getBytes(), Encoder.encodeToMsgPack(t)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** Raw msgpack helpers for envelopes algosdk would not write. */
    static final class AvmCodecAccess {
        private AvmCodecAccess() {
        }

        static byte[] envelopeWithoutSignature(byte[] txnBytes) throws java.io.IOException {
            try (org.msgpack.core.MessageBufferPacker p = org.msgpack.core.MessagePack.newDefaultBufferPacker()) {
                p.packMapHeader(1);
                p.packString("txn");
                p.writePayload(txnBytes);
                p.flush();
                return p.toByteArray();
            }
        }
    }
}
