package io.sippar.algorand;

import com.algorand.algosdk.transaction.Transaction;
import java.util.Objects;
import java.util.Optional;

/**
 * One element of a payment group as decoded: the algosdk view for reading fields, and the exact bytes
 * the client sent, which are what is hashed, verified, signed and passed on. Arrays are never exposed
 * to callers that could change them.
 */
final class AvmTransaction {

    /** How the element was sent. */
    enum Form {
        /** A bare transaction map (no {@code txn} key): {@code @x402/avm}'s unsigned fee payer. */
        BARE,
        /** A {@code SignedTxn} envelope {@code {sig|msig|lsig, sgnr?, txn}}, possibly without any signature. */
        ENVELOPE
    }

    private final int index;
    private final Form form;
    private final byte[] element;
    private final byte[] txnBytes;
    private final Transaction txn;
    private final String txId;
    private final byte[] sig;
    private final boolean msig;
    private final boolean lsig;
    private final String authAddress;

    AvmTransaction(int index, Form form, byte[] element, byte[] txnBytes, Transaction txn, String txId, byte[] sig,
            boolean msig, boolean lsig, String authAddress) {
        this.index = index;
        this.form = Objects.requireNonNull(form, "form");
        this.element = element.clone();
        this.txnBytes = txnBytes.clone();
        this.txn = Objects.requireNonNull(txn, "txn");
        this.txId = Objects.requireNonNull(txId, "txId");
        this.sig = sig == null ? null : sig.clone();
        this.msig = msig;
        this.lsig = lsig;
        this.authAddress = authAddress;
    }

    /** Position in the group. */
    int index() {
        return index;
    }

    Form form() {
        return form;
    }

    /** The decoded transaction; read-only by convention (algosdk types are mutable). */
    Transaction txn() {
        return txn;
    }

    /** The element's bytes as sent (a copy): what goes to algod for transactions the gateway does not sign. */
    byte[] element() {
        return element.clone();
    }

    /** The canonical msgpack of the transaction itself (a copy), as hashed for the TxID and signed. */
    byte[] txnBytes() {
        return txnBytes.clone();
    }

    /** The 52-character TxID. */
    String txId() {
        return txId;
    }

    /** Sender address (58 characters). */
    String sender() {
        return txn.sender.toString();
    }

    /** The single Ed25519 signature, when the envelope carries {@code sig}. */
    Optional<byte[]> sig() {
        return Optional.ofNullable(sig).map(byte[]::clone);
    }

    /** Whether the envelope carries any authorisation ({@code sig}, {@code msig} or {@code lsig}). */
    boolean signed() {
        return sig != null || msig || lsig;
    }

    /** {@code sgnr}: the authorising address of a rekeyed sender, when present. */
    Optional<String> authAddress() {
        return Optional.ofNullable(authAddress);
    }

    @Override
    public String toString() {
        return "AvmTransaction[" + index + ", " + txn.type + ", " + txId + "]";
    }
}
