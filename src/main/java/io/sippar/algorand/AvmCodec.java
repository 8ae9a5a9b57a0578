package io.sippar.algorand;

import com.algorand.algosdk.crypto.Address;
import com.algorand.algosdk.crypto.Digest;
import com.algorand.algosdk.transaction.Transaction;
import com.algorand.algosdk.transaction.TxGroup;
import com.algorand.algosdk.util.Digester;
import com.algorand.algosdk.util.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * Algorand's wire encoding for payment groups: decoding elements (algosdk for the fields, the
 * client's own bytes for identity), TxIDs, group ids, signing bytes and Ed25519 checks.
 *
 * <p>Identity always comes from the bytes the client sent, never from a re-encoding: algosdk 2.7.0
 * reads a transaction without {@code fee} as fee 1000 and an envelope without {@code sig} as an
 * all-zero signature, so a decode/encode round trip can change a TxID. Every transaction is
 * therefore checked to re-encode byte for byte (with an absent fee read as 0), which also proves it
 * is in canonical msgpack and that algosdk understood every field.
 */
final class AvmCodec {

    /** Domain-separation prefix of a transaction's signing bytes and TxID. */
    private static final byte[] TX = "TX".getBytes(StandardCharsets.US_ASCII);
    private static final int SIGNATURE_BYTES = 64;
    private static final int ADDRESS_BYTES = 32;
    private static final Set<String> ENVELOPE_KEYS = Set.of("sig", "msig", "lsig", "sgnr", "txn");

    /** A group element the gateway cannot read; the message says which element and why. */
    static final class DecodeException extends Exception {
        DecodeException(String message) {
            super(message, null, false, false);
        }
    }

    private AvmCodec() {
    }

    /** Decodes element {@code index} of a payment group (standard base64 of msgpack). */
    static AvmTransaction decode(int index, String base64) throws DecodeException {
        byte[] element;
        try {
            element = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new DecodeException("paymentGroup[" + index + "] is not standard base64");
        }
        Map<String, byte[]> top = topLevelMap(element, "paymentGroup[" + index + "]");
        if (!top.containsKey("txn")) {
            return new AvmTransaction(index, AvmTransaction.Form.BARE, element, element,
                    transaction(index, element, top), txId(element), null, false, false, null);
        }
        for (String key : top.keySet()) {
            if (!ENVELOPE_KEYS.contains(key)) {
                throw new DecodeException("paymentGroup[" + index + "] has an unknown signed-transaction field '"
                        + key + "'");
            }
        }
        byte[] txnBytes = top.get("txn");
        Transaction txn = transaction(index, txnBytes, topLevelMap(txnBytes, "paymentGroup[" + index + "].txn"));
        byte[] sig = top.containsKey("sig") ? binary(top.get("sig"), SIGNATURE_BYTES, index, "sig") : null;
        String sgnr = top.containsKey("sgnr")
                ? new Address(binary(top.get("sgnr"), ADDRESS_BYTES, index, "sgnr")).toString() : null;
        return new AvmTransaction(index, AvmTransaction.Form.ENVELOPE, element, txnBytes, txn, txId(txnBytes), sig,
                top.containsKey("msig"), top.containsKey("lsig"), sgnr);
    }

    /** algosdk's view of a transaction, accepted only if it re-encodes to exactly {@code bytes}. */
    private static Transaction transaction(int index, byte[] bytes, Map<String, byte[]> fields)
            throws DecodeException {
        Transaction txn;
        try {
            txn = Encoder.decodeFromMsgPack(bytes, Transaction.class);
        } catch (IOException | RuntimeException e) {
            throw new DecodeException("paymentGroup[" + index + "] is not an Algorand transaction");
        }
        if (txn == null || txn.type == null || txn.type == Transaction.Type.Default || txn.sender == null) {
            throw new DecodeException("paymentGroup[" + index + "] has no known transaction type or no sender");
        }
        if (!fields.containsKey("fee")) {
            // canonical msgpack omits a zero fee; algosdk would otherwise read it as the minimum fee
            txn.fee = BigInteger.ZERO;
        }
        byte[] again;
        try {
            again = Encoder.encodeToMsgPack(txn);
        } catch (IOException | RuntimeException e) {
            throw new DecodeException("paymentGroup[" + index + "] cannot be re-encoded");
        }
        if (!Arrays.equals(again, bytes)) {
            throw new DecodeException("paymentGroup[" + index + "] is not in Algorand's canonical msgpack encoding"
                    + " (or carries fields this gateway does not read)");
        }
        return txn;
    }

    /** The top-level msgpack map of {@code bytes}: key to the exact bytes of its value, in order. */
    static Map<String, byte[]> topLevelMap(byte[] bytes, String what) throws DecodeException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
            if (!u.hasNext() || u.getNextFormat().getValueType() != ValueType.MAP) {
                throw new DecodeException(what + " is not a msgpack map");
            }
            int entries = u.unpackMapHeader();
            for (int i = 0; i < entries; i++) {
                if (u.getNextFormat().getValueType() != ValueType.STRING) {
                    throw new DecodeException(what + " has a key that is not a string");
                }
                String key = u.unpackString();
                int start = (int) u.getTotalReadBytes();
                u.skipValue();
                int end = (int) u.getTotalReadBytes();
                if (out.put(key, Arrays.copyOfRange(bytes, start, end)) != null) {
                    throw new DecodeException(what + " repeats the key '" + key + "'");
                }
            }
            if (u.hasNext()) {
                throw new DecodeException(what + " has trailing bytes after the map");
            }
        } catch (IOException | MessagePackException e) {
            throw new DecodeException(what + " is not valid msgpack");
        }
        return out;
    }

    /** A msgpack value that must be a non-negative integer (a round, an amount) within a long. */
    static long unsigned(byte[] value) {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(value)) {
            if (u.getNextFormat().getValueType() == ValueType.INTEGER) {
                long v = u.unpackLong();
                if (v >= 0) {
                    return v;
                }
            }
        } catch (IOException | MessagePackException e) {
            // reported below
        }
        throw new IllegalArgumentException("not a non-negative msgpack integer");
    }

    /** A msgpack value that must be a string. */
    static String text(byte[] value) {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(value)) {
            if (u.getNextFormat().getValueType() == ValueType.STRING) {
                return u.unpackString();
            }
        } catch (IOException | MessagePackException e) {
            // reported below
        }
        throw new IllegalArgumentException("not a msgpack string");
    }

    private static byte[] binary(byte[] value, int length, int index, String field) throws DecodeException {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(value)) {
            MessageFormat f = u.getNextFormat();
            if (f.getValueType() == ValueType.BINARY) {
                int n = u.unpackBinaryHeader();
                if (n == length) {
                    return u.readPayload(n);
                }
            }
        } catch (IOException | MessagePackException e) {
            // reported below
        }
        throw new DecodeException("paymentGroup[" + index + "]." + field + " must be " + length + " bytes");
    }

    /** {@code "TX" || txnBytes}: what an Ed25519 transaction signature covers. */
    static byte[] bytesToSign(byte[] txnBytes) {
        byte[] out = Arrays.copyOf(TX, TX.length + txnBytes.length);
        System.arraycopy(txnBytes, 0, out, TX.length, txnBytes.length);
        return out;
    }

    /** base32 (no padding) of SHA-512/256 over the signing bytes: the 52-character TxID. */
    static String txId(byte[] txnBytes) {
        return Encoder.encodeToBase32StripPad(sha512t256(bytesToSign(txnBytes)));
    }

    /**
     * The group id the transactions must carry: SHA-512/256 over {@code "TG"} and the TxIDs of the
     * transactions without their {@code grp} (algosdk's {@link TxGroup#computeGroupID}).
     */
    static byte[] groupId(List<AvmTransaction> group) {
        Transaction[] ungrouped = new Transaction[group.size()];
        for (int i = 0; i < ungrouped.length; i++) {
            try {
                Transaction copy = Encoder.decodeFromMsgPack(group.get(i).txnBytes(), Transaction.class);
                copy.fee = group.get(i).txn().fee;
                copy.group = new Digest();
                ungrouped[i] = copy;
            } catch (IOException e) {
                // decoded once already: cannot fail again
                throw new UncheckedIOException(e);
            }
        }
        try {
            return TxGroup.computeGroupID(ungrouped).getBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether {@code sig} is the Ed25519 signature of the transaction {@code txnBytes} by {@code address}. */
    static boolean verifies(byte[] sig, String address, byte[] txnBytes) {
        byte[] publicKey = publicKey(address);
        byte[] message = bytesToSign(txnBytes);
        return sig.length == SIGNATURE_BYTES && Ed25519.verify(sig, 0, publicKey, 0, message, 0, message.length);
    }

    /** The 32-byte public key inside an address; the address's checksum is checked. */
    static byte[] publicKey(String address) {
        try {
            return new Address(address).getBytes();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512/256 unavailable", e);
        }
    }

    /** The envelope {@code {"sig": sig, "txn": <txnBytes as they are>}}, in canonical key order. */
    static byte[] signedEnvelope(byte[] sig, byte[] txnBytes) {
        return pack(p -> {
            p.packMapHeader(2);
            p.packString("sig");
            p.packBinaryHeader(sig.length);
            p.writePayload(sig);
            p.packString("txn");
            p.writePayload(txnBytes);
        });
    }

    /** The simulate request {@code {"txn-groups":[{"txns":[<signed txn>...]}]}} in msgpack. */
    static byte[] simulateRequest(List<byte[]> signedTxns) {
        return pack(p -> {
            p.packMapHeader(1);
            p.packString("txn-groups");
            p.packArrayHeader(1);
            p.packMapHeader(1);
            p.packString("txns");
            p.packArrayHeader(signedTxns.size());
            for (byte[] s : signedTxns) {
                p.writePayload(s);
            }
        });
    }

    /** Writes msgpack with {@code body}; the signed transactions inside are copied as raw bytes. */
    private interface Packing {
        void write(MessagePacker p) throws IOException;
    }

    private static byte[] pack(Packing body) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            body.write(p);
            p.flush();
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The signed transactions back to back: the body algod's {@code POST /v2/transactions} takes for a group. */
    static byte[] concat(List<byte[]> signedTxns) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        signedTxns.forEach(out::writeBytes);
        return out.toByteArray();
    }

    /** The signed transactions of a group sent back to back, each as its own bytes (the inverse of {@link #concat}). */
    static List<byte[]> split(byte[] concatenated) {
        List<byte[]> out = new java.util.ArrayList<>();
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(concatenated)) {
            long start = 0;
            while (u.hasNext()) {
                u.skipValue();
                long end = u.getTotalReadBytes();
                out.add(Arrays.copyOfRange(concatenated, (int) start, (int) end));
                start = end;
            }
        } catch (IOException | MessagePackException e) {
            throw new IllegalArgumentException("not a sequence of msgpack values: " + e.getMessage(), e);
        }
        return out;
    }

    static byte[] sha512t256(byte[] data) {
        try {
            return Digester.digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512/256 unavailable", e);
        }
    }
}
