package io.sippar.scheme;

import io.smallrye.mutiny.Uni;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A chain's side of treasury mode: which address the treasury has, what it holds, and payout
 * transactions built, signed, sent and looked up in separate steps, so the caller can store a signed
 * transaction before it is sent and decide a crashed payout from the chain alone. Implementations
 * never keep state a payout needs between those steps: everything comes back through the arguments.
 */
public interface TreasuryChain {

    /** The networks (CAIP-2) this adapter runs a treasury on, in configuration order. */
    List<Treasury> treasuries();

    /** The treasury of {@code network}, if one is configured here. */
    default Optional<Treasury> treasury(String network) {
        return treasuries().stream().filter(t -> t.network().equals(network)).findFirst();
    }

    /**
     * A treasury: {@code address} receives payments (the payTo); {@code signer} is the key that moves
     * them and pays network fees in {@code feeAsset} (the native coin).
     *
     * @param maxTransfers the most transfers one payout transaction carries
     */
    record Treasury(String network, String address, String signer, String feeAsset, int maxTransfers) {
    }

    /** The treasury's on-chain balance of {@code asset} (token address or ASA id), in atomic units. */
    Uni<BigInteger> balance(String network, String asset);

    /** Whether {@code address} is a valid address on {@code network}; empty when it is, else why not. */
    Optional<String> invalidAddress(String network, String address);

    /** Why {@code address} cannot receive {@code asset} now (e.g. not opted in), or empty when it can. */
    Uni<Optional<String>> cannotReceive(String network, String asset, String address);

    /** One transfer of a payout: {@code position} is the caller's own numbering. */
    record Transfer(int position, String to, BigInteger amount) {
    }

    /** A transfer left out before signing, with the chain's reason. */
    record LeftOut(int position, String reason) {
    }

    /**
     * A signed payout transaction, not sent yet.
     *
     * @param sequence EVM: the nonce every version of it uses; Algorand: its last valid round
     * @param included the transfers in it, in the transaction's order (the chain index is the list index)
     * @param transferTxIds the chain's id of each included transfer (EVM: the transaction's; Algorand: each axfer's)
     */
    record Prepared(long sequence, Signed signed, List<Transfer> included, List<LeftOut> leftOut,
            List<String> transferTxIds) {
    }

    /** The bytes to send and the id the chain will know them by. */
    record Signed(String txId, byte[] bytes) {
    }

    /**
     * Simulates, drops transfers that would fail (with the reason), and signs a transaction paying
     * the rest from the treasury; nothing is sent. {@code batch} is written into the transaction so the
     * chain's record of it names the payout.
     */
    Uni<Prepared> prepare(String network, String asset, UUID batch, List<Transfer> transfers);

    /**
     * Sends a stored version again or for the first time. Sending what a node already has, or what
     * was already executed, is not an error.
     *
     * @return empty when a node took it (or already had it), else the node's refusal
     */
    Uni<Optional<String>> send(String network, Signed signed);

    /** A payout as stored: what {@link #status} needs to decide it. */
    record Unfinished(UUID batch, String asset, long sequence, List<Signed> versions, int transfers,
            java.time.Instant lastSent) {
    }

    /** What the chain says about a payout. */
    sealed interface Status {
    }

    /**
     * Executed in {@code txId}: each chain index paid (true) or refused (false, with the reason in
     * {@code failures}); the transaction cost {@code networkFee} of the treasury's fee asset.
     */
    record Executed(String txId, Map<Integer, Boolean> paid, Map<Integer, String> failures, BigInteger networkFee)
            implements Status {
    }

    /** Not executed yet, and it still can be: send it again and wait. */
    record Pending(String evidence) implements Status {
    }

    /** It can never be executed (its validity passed, nothing of it on chain): nothing moved. */
    record NotExecuted(String evidence) implements Status {
    }

    /** The chain's answer cannot settle it (e.g. the nonce was used by a transaction we do not know). */
    record Undecidable(String evidence) implements Status {
    }

    /** What the chain says about {@code payout} now; node trouble is a failed Uni. */
    Uni<Status> status(String network, Unfinished payout);

    /**
     * A new version of a payout stuck in the pool (EVM: the same nonce at higher fees), or empty when
     * none is needed or possible. The caller stores it before sending it.
     */
    default Uni<Optional<Signed>> replacement(String network, Unfinished payout, UUID batch, List<Transfer> included) {
        return Uni.createFrom().item(Optional.empty());
    }
}
