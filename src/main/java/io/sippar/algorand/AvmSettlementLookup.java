package io.sippar.algorand;

import com.algorand.algosdk.transaction.Transaction;
import io.sippar.scheme.ChainStatus;
import io.sippar.scheme.RoundWindow;
import io.sippar.scheme.UnfinishedPayment;
import io.smallrye.mutiny.Uni;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * What became of an unfinished exact-AVM payment, read from algod for the reconciler; it never
 * submits anything. The payment's TxID (its chain reference) is looked up with
 * {@code /v2/transactions/pending/{txid}}, and the round that same node has reached is read just
 * before, so the answer is one node's consistent view:
 *
 * <ul>
 *   <li>confirmed, and the transaction the node shows hashes to this TxID and is this payment's asset
 *       transfer (sender, receiver, asset, amount): executed; an atomic group commits whole, so the
 *       fee payer's transaction went with it;</li>
 *   <li>in the pool: open;</li>
 *   <li>dropped from the pool ({@code pool-error}) or unknown to the node: open while the node's round
 *       is at most the group's last valid round (anyone holding the signed group can still submit it);
 *       failed once the node is past it ({@code settlement_dropped} with a pool error, else expired,
 *       which the reconciler records as {@code settlement_lost});</li>
 *   <li>unknown when the node cannot vouch for it: algod answers for confirmed transactions only
 *       from its last {@link #MAX_TXN_LIFE} rounds, so once the node is about that far past the group's
 *       first valid round (less {@link #LOOKUP_MARGIN}) a commit may simply have been forgotten; the
 *       payment is then left for an operator (an indexer or a block explorer knows), never failed on a
 *       guess.</li>
 * </ul>
 *
 * Every round comparison uses the chain's own round, never a clock.
 */
final class AvmSettlementLookup {

    /**
     * Rounds back from its last round in which algod finds a confirmed transaction by TxID (consensus
     * {@code MaxTxnLife} on mainnet and testnet; also the devnet's memory). Beyond them only an
     * archival node's blocks or an indexer remember it.
     */
    static final long MAX_TXN_LIFE = 1000;
    /** Rounds the node may move on between the status read and the pending read of one lookup. */
    static final long LOOKUP_MARGIN = 10;

    private final String network;
    private final AlgodClient algod;

    AvmSettlementLookup(String network, AlgodClient algod) {
        this.network = network;
        this.algod = algod;
    }

    /** The answer; node trouble becomes {@link ChainStatus.Unknown}. */
    Uni<ChainStatus> status(UnfinishedPayment p) {
        String txId = p.chainRef();
        return algod.sighting(txId)
                .map(seen -> decide(p, txId, seen))
                .onFailure().recoverWithItem(t -> new ChainStatus.Unknown("lookup of " + txId + " on " + network
                        + " failed: " + t.getMessage()));
    }

    private ChainStatus decide(UnfinishedPayment p, String txId, AlgodClient.Sighting seen) {
        String at = seen.node() + " at round " + seen.lastRound();
        return switch (seen.pending()) {
            case AlgodClient.Pending.Confirmed c -> confirmed(p, txId, seen, c.round(), at);
            case AlgodClient.Pending.InPool i -> new ChainStatus.Open(txId + " waits in the pool of " + at
                    + window(p, seen).map(w -> "; valid until round " + w.lastValid()).orElse(""));
            case AlgodClient.Pending.Rejected r -> notCommitted(p, txId, seen, at, "dropped from the pool of " + at
                    + " (pool-error: " + r.poolError() + ")", ChainStatus.Failed.DROPPED);
            case AlgodClient.Pending.NotFound n -> notCommitted(p, txId, seen, at, "unknown to " + at,
                    ChainStatus.Failed.EXPIRED);
        };
    }

    private static ChainStatus confirmed(UnfinishedPayment p, String txId, AlgodClient.Sighting seen, long round,
            String at) {
        AvmTransaction t;
        try {
            t = AvmCodec.decode(0, Base64.getEncoder().encodeToString(seen.signedTxn()));
        } catch (AvmCodec.DecodeException e) {
            return new ChainStatus.Unknown(at + " says " + txId + " was confirmed in round " + round
                    + " but its transaction is unreadable: " + e.getMessage());
        }
        List<String> differences = differences(p, txId, t);
        if (!differences.isEmpty()) {
            // the TxID pins the bytes, so this is a node answering for something else: never a decision
            return new ChainStatus.Unknown(at + " says " + txId + " was confirmed in round " + round
                    + " but shows a transaction that is not this payment: " + String.join(", ", differences));
        }
        return new ChainStatus.Executed(txId, txId + " confirmed in round " + round + " (" + at + "): axfer of "
                + p.amount() + " of asset " + p.asset() + " from " + p.payer() + " to " + p.payTo());
    }

    /** How the confirmed transaction differs from the payment; empty when it is exactly the payment. */
    private static List<String> differences(UnfinishedPayment p, String txId, AvmTransaction t) {
        List<String> out = new ArrayList<>();
        Transaction txn = t.txn();
        if (!t.txId().equals(txId)) {
            out.add("its TxID is " + t.txId());
        }
        if (txn.type != Transaction.Type.AssetTransfer) {
            out.add("type " + txn.type.toValue());
        }
        if (!t.sender().equals(p.payer())) {
            out.add("sender " + t.sender());
        }
        String receiver = AvmFields.present(txn.assetReceiver) ? txn.assetReceiver.toString() : "";
        if (!receiver.equals(p.payTo())) {
            out.add("receiver " + receiver);
        }
        if (!AvmFields.amount(txn.xferAsset).toString().equals(p.asset())) {
            out.add("asset " + AvmFields.amount(txn.xferAsset));
        }
        BigInteger amount = AvmFields.amount(txn.assetAmount);
        if (!amount.equals(p.amount())) {
            out.add("amount " + amount);
        }
        if (AvmFields.present(txn.assetCloseTo)) {
            out.add("close-to " + txn.assetCloseTo);
        }
        return out;
    }

    /** Not committed on this node: open while it still can be, failed once it never can, else unknown. */
    private ChainStatus notCommitted(UnfinishedPayment p, String txId, AlgodClient.Sighting seen, String at,
            String what, String reason) {
        Optional<RoundWindow> window = window(p, seen);
        if (window.isEmpty()) {
            return new ChainStatus.Unknown(txId + " " + what + ", and the payment's valid rounds were not recorded");
        }
        RoundWindow w = window.get();
        long round = seen.lastRound();
        if (round <= w.lastValid()) {
            return new ChainStatus.Open(txId + " " + what + "; it can still be committed up to round " + w.lastValid());
        }
        if (round + LOOKUP_MARGIN > w.firstValid() + MAX_TXN_LIFE) {
            return new ChainStatus.Unknown(txId + " " + what + ", past its last valid round " + w.lastValid()
                    + ", but algod only remembers the last " + MAX_TXN_LIFE + " rounds and the group was valid from round "
                    + w.firstValid() + ": look the TxID up in an indexer or block explorer on " + network);
        }
        return new ChainStatus.Failed(reason, null, txId + " " + what + ": past its last valid round " + w.lastValid()
                + ", and the node remembers every round the group was valid in (" + w.firstValid() + ".."
                + w.lastValid() + "), so it was never committed and never can be");
    }

    /**
     * The rounds recorded with the payment, else those of the payment transaction the node shows: a
     * wider window than the group's (whose fee payer may end earlier), so only ever a later decision.
     */
    private static Optional<RoundWindow> window(UnfinishedPayment p, AlgodClient.Sighting seen) {
        if (p.validRounds().isPresent() || seen.signedTxn() == null) {
            return p.validRounds();
        }
        try {
            Transaction txn = AvmCodec.decode(0, Base64.getEncoder().encodeToString(seen.signedTxn())).txn();
            long first = AvmFields.round(txn.firstValid);
            long last = AvmFields.round(txn.lastValid);
            return last >= first ? Optional.of(new RoundWindow(first, last)) : Optional.empty();
        } catch (AvmCodec.DecodeException e) {
            return Optional.empty();
        }
    }
}
