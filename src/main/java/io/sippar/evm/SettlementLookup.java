package io.sippar.evm;

import io.sippar.scheme.ChainStatus;
import io.sippar.scheme.UnfinishedPayment;
import io.smallrye.mutiny.Uni;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.web3j.abi.EventEncoder;
import org.web3j.crypto.Hash;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * What became of an unfinished exact-EVM payment, read from the chain for the reconciler; it never
 * sends anything. Everything is read against one block (the latest when the lookup starts), so the
 * answer is a consistent snapshot:
 *
 * <ol>
 *   <li>the recorded transaction's receipt: success with this payment's {@code AuthorizationUsed} and
 *       {@code Transfer} (payer to payTo, the amount) in its logs means executed;</li>
 *   <li>otherwise {@code authorizationState(payer, nonce)}: used means some transaction consumed it,
 *       found by its {@code AuthorizationUsed} or {@code AuthorizationCanceled} event, searched
 *       backwards from the snapshot block in windows of {@code logBlockRange} down to shortly before
 *       the payment was first seen; executed only if that transaction carries the matching
 *       {@code Transfer};</li>
 *   <li>unused: the recorded transaction reverted (failed), is pending (open), or the snapshot block
 *       is past validBefore by {@code expiryMargin} (failed: expired, it can never execute), else open.
 *       Expiry is judged by the chain's own block time, never the wall clock, so a node that lags
 *       behind can delay a decision but never fail a payment that settled.</li>
 * </ol>
 *
 * <p>The fee the gateway paid comes with a decided answer when the gateway's recorded transaction
 * was mined (gas used × effective gas price of its receipt); a transaction found by its event may
 * be someone else's, so its answer carries none and the payment's gas hold is charged as held.
 */
final class SettlementLookup {

    private static final List<TypeReference<?>> AUTHORIZATION_EVENT_ARGS = List.of(
            new TypeReference<Address>(true) { }, new TypeReference<Bytes32>(true) { });
    static final String AUTHORIZATION_USED = EventEncoder.encode(new Event("AuthorizationUsed", AUTHORIZATION_EVENT_ARGS));
    static final String AUTHORIZATION_CANCELED = EventEncoder.encode(
            new Event("AuthorizationCanceled", AUTHORIZATION_EVENT_ARGS));
    static final String TRANSFER = EventEncoder.encode(new Event("Transfer", List.of(
            new TypeReference<Address>(true) { }, new TypeReference<Address>(true) { },
            new TypeReference<Uint256>() { })));

    /** transferWithAuthorization's (v,r,s) and bytes-signature overloads. */
    static final String[] TRANSFER_WITH_AUTHORIZATION_SELECTORS = {
        Hash.sha3String("transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)")
                .substring(2, 10),
        Hash.sha3String("transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)")
                .substring(2, 10),
    };

    /** The event search reaches this far before the payment was first seen (database and chain clocks differ). */
    static final Duration SEARCH_SLACK = Duration.ofMinutes(10);
    /** Most eth_getLogs windows one lookup scans; past that the answer is "unknown", for an operator to look at. */
    static final int MAX_WINDOWS = 50;

    private static final String ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

    private final String network;
    private final EvmRpc rpc;
    private final int logBlockRange;
    private final Duration expiryMargin;

    SettlementLookup(String network, EvmRpc rpc, int logBlockRange, Duration expiryMargin) {
        if (logBlockRange < 1) {
            throw new IllegalArgumentException("log-block-range of " + network + " must be at least 1");
        }
        this.network = network;
        this.rpc = rpc;
        this.logBlockRange = logBlockRange;
        this.expiryMargin = expiryMargin;
    }

    /** The block every read of one lookup is made against. */
    private record Snapshot(BigInteger number, Instant time) {
        DefaultBlockParameter block() {
            return DefaultBlockParameter.valueOf(number);
        }

        @Override
        public String toString() {
            return "block " + number + " (" + time + ")";
        }
    }

    /** What the recorded transaction showed, before the authorization is asked; {@code fee} once it was mined. */
    private record RecordedTx(String hash, String seen, Optional<BigInteger> fee) {
        RecordedTx(String hash, String seen) {
            this(hash, seen, Optional.empty());
        }

        static final String NONE = "none";
        static final String REVERTED = "reverted";
        static final String PENDING = "pending";
        static final String UNKNOWN = "unknown to the node";
        static final String NOT_THIS_PAYMENT = "mined without this payment's transfer";
    }

    /** The answer; chain and node trouble becomes {@link ChainStatus.Unknown}. */
    Uni<ChainStatus> status(UnfinishedPayment p) {
        return latest()
                .chain(head -> p.transactionId().isPresent() ? recorded(p, p.transactionId().get(), head)
                        : byAuthorization(p, head, new RecordedTx(null, RecordedTx.NONE)))
                .onFailure().recoverWithItem(t -> new ChainStatus.Unknown("lookup on " + network + " failed: "
                        + t.getMessage()));
    }

    private Uni<Snapshot> latest() {
        return rpc.read("eth_getBlockByNumber", w -> w.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false))
                .map(r -> snapshot(r, "latest"));
    }

    private Uni<Snapshot> block(BigInteger number) {
        return rpc.read("eth_getBlockByNumber",
                        w -> w.ethGetBlockByNumber(DefaultBlockParameter.valueOf(number), false))
                .map(r -> snapshot(r, number.toString()));
    }

    private static Snapshot snapshot(EthBlock r, String which) {
        if (r.hasError() || r.getBlock() == null) {
            throw new IllegalStateException("block " + which + " unavailable"
                    + (r.hasError() ? ": " + r.getError().getMessage() : ""));
        }
        return new Snapshot(r.getBlock().getNumber(), Instant.ofEpochSecond(r.getBlock().getTimestamp().longValueExact()));
    }

    private Uni<ChainStatus> recorded(UnfinishedPayment p, String tx, Snapshot head) {
        return receipt(tx).chain(receipt -> {
            if (receipt.isPresent() && receipt.get().getBlockNumber().compareTo(head.number()) <= 0) {
                TransactionReceipt r = receipt.get();
                if (r.isStatusOK() && movedThisPayment(p, r)) {
                    return executed(p, tx, "receipt of " + tx + ": status 1 in block " + r.getBlockNumber()
                            + " with AuthorizationUsed and Transfer of " + p.amount() + " to " + p.payTo(), fee(r));
                }
                return byAuthorization(p, head, new RecordedTx(tx, r.isStatusOK() ? RecordedTx.NOT_THIS_PAYMENT
                        : RecordedTx.REVERTED, fee(r)));
            }
            return rpc.read("eth_getTransactionByHash", w -> w.ethGetTransactionByHash(tx))
                    .chain(found -> byAuthorization(p, head, new RecordedTx(tx,
                            !found.hasError() && found.getTransaction().isPresent() ? RecordedTx.PENDING
                                    : RecordedTx.UNKNOWN)));
        });
    }

    private Uni<Optional<TransactionReceipt>> receipt(String tx) {
        return rpc.read("eth_getTransactionReceipt", w -> w.ethGetTransactionReceipt(tx))
                .map(r -> r.hasError() ? Optional.<TransactionReceipt>empty() : r.getTransactionReceipt());
    }

    private Uni<ChainStatus> byAuthorization(UnfinishedPayment p, Snapshot head, RecordedTx recorded) {
        Function state = TokenAbi.authorizationState(p.payer(), p.chainRef());
        Transaction call = Transaction.createEthCallTransaction(ZERO_ADDRESS, p.asset(), TokenAbi.encode(state));
        return rpc.read("eth_call", w -> w.ethCall(call, head.block())).chain(r -> {
            Object used = r.hasError() ? null : TokenAbi.decodeSingle(state, r.getValue());
            if (!(used instanceof Boolean b)) {
                return Uni.createFrom().item((ChainStatus) new ChainStatus.Unknown("token " + p.asset()
                        + " did not answer authorizationState at " + head
                        + (r.hasError() ? ": " + r.getError().getMessage() : "")));
            }
            String txNote = recorded.hash() == null ? "no transaction recorded"
                    : "recorded transaction " + recorded.hash() + " " + recorded.seen();
            return b ? consumed(p, head, recorded, txNote) : Uni.createFrom().item(unused(p, head, recorded, txNote));
        });
    }

    private ChainStatus unused(UnfinishedPayment p, Snapshot head, RecordedTx recorded, String txNote) {
        String base = "authorization unused at " + head + "; " + txNote;
        if (RecordedTx.REVERTED.equals(recorded.seen())) {
            return new ChainStatus.Failed(ChainStatus.Failed.REVERTED, recorded.hash(), base, recorded.fee());
        }
        if (RecordedTx.PENDING.equals(recorded.seen())) {
            return new ChainStatus.Open(base);
        }
        if (p.validBefore().isPresent() && !head.time().isBefore(p.validBefore().get().plus(expiryMargin))) {
            return new ChainStatus.Failed(ChainStatus.Failed.EXPIRED, null, base + "; validBefore "
                    + p.validBefore().get() + " passed by more than " + expiryMargin.toSeconds() + " s");
        }
        return new ChainStatus.Open(base + p.validBefore().map(v -> "; valid until " + v)
                .orElse("; validBefore unknown"));
    }

    /** The authorization was used or canceled by the snapshot block: find by which transaction. */
    private Uni<ChainStatus> consumed(UnfinishedPayment p, Snapshot head, RecordedTx recorded, String txNote) {
        Instant notBefore = p.firstSeen().minus(SEARCH_SLACK);
        return search(p, head.number(), notBefore, 0).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().item((ChainStatus) new ChainStatus.Unknown("authorization used at " + head
                        + " but no AuthorizationUsed/AuthorizationCanceled event found back to " + notBefore
                        + "; " + txNote));
            }
            Log event = found.get();
            String tx = event.getTransactionHash();
            String where = "event in " + tx + " (block " + event.getBlockNumber() + ")";
            if (AUTHORIZATION_CANCELED.equalsIgnoreCase(event.getTopics().get(0))) {
                return Uni.createFrom().item((ChainStatus) new ChainStatus.Failed(ChainStatus.Failed.CANCELED, null,
                        "AuthorizationCanceled " + where + "; " + txNote, recorded.fee()));
            }
            return receipt(tx).chain(r -> r.isPresent() && r.get().isStatusOK() && movedThisPayment(p, r.get())
                    ? executed(p, tx, "authorization used at " + head + ": AuthorizationUsed and Transfer of "
                            + p.amount() + " to " + p.payTo() + " " + where + "; " + txNote, Optional.empty())
                    : Uni.createFrom().item(new ChainStatus.Failed(ChainStatus.Failed.USED_ELSEWHERE, null,
                            "AuthorizationUsed " + where + " without a Transfer of " + p.amount() + " to "
                                    + p.payTo() + "; " + txNote, recorded.fee())));
        });
    }

    /**
     * Executed in {@code tx}; when that is a Multicall3 batch, with the position of this payment's
     * transferWithAuthorization among its calls (the ledger keeps one payment per call). {@code fee}
     * is what the gateway's own single transaction cost; a batch's receipt is the whole batch's, so a
     * member's gas hold is then charged as held (its share of the batch's worst case), never the whole.
     */
    private Uni<ChainStatus> executed(UnfinishedPayment p, String tx, String evidence, Optional<BigInteger> fee) {
        return rpc.read("eth_getTransactionByHash", w -> w.ethGetTransactionByHash(tx)).map(r -> {
            if (r.hasError() || r.getTransaction().isEmpty()) {
                throw new IllegalStateException("transaction " + tx + " unavailable"
                        + (r.hasError() ? ": " + r.getError().getMessage() : ""));
            }
            List<Multicall3.Call> calls = Multicall3.decodeCalls(r.getTransaction().get().getInput());
            for (int i = 0; i < calls.size(); i++) {
                if (callSettles(calls.get(i), p)) {
                    return new ChainStatus.Executed(tx, i, evidence + "; call " + i + " of " + calls.size()
                            + " in a Multicall3 batch", Optional.empty());
                }
            }
            return new ChainStatus.Executed(tx, null, evidence, fee);
        });
    }

    /** Whether a batch call is transferWithAuthorization of this payment's token, payer and nonce. */
    private static boolean callSettles(Multicall3.Call call, UnfinishedPayment p) {
        byte[] d = call.callData();
        if (!call.target().equalsIgnoreCase(p.asset()) || d.length < 4 + 32 * 6) {
            return false;
        }
        String hex = Numeric.toHexStringNoPrefix(d);
        boolean transfer = hex.startsWith(TRANSFER_WITH_AUTHORIZATION_SELECTORS[0])
                || hex.startsWith(TRANSFER_WITH_AUTHORIZATION_SELECTORS[1]);
        // head words: from, to, value, validAfter, validBefore, nonce
        return transfer && hex.substring(8, 72).equalsIgnoreCase(word(p.payer()).substring(2))
                && hex.substring(8 + 5 * 64, 8 + 6 * 64).equalsIgnoreCase(Numeric.cleanHexPrefix(p.chainRef()));
    }

    /** One eth_getLogs window ending at {@code to}, then the one before it, until {@code notBefore}. */
    private Uni<Optional<Log>> search(UnfinishedPayment p, BigInteger to, Instant notBefore, int window) {
        if (window >= MAX_WINDOWS) {
            return Uni.createFrom().failure(new IllegalStateException("event search stopped after " + MAX_WINDOWS
                    + " windows of " + logBlockRange + " blocks; raise log-block-range or look the payment up by hand"));
        }
        BigInteger from = to.subtract(BigInteger.valueOf(logBlockRange - 1L)).max(BigInteger.ZERO);
        EthFilter filter = new EthFilter(DefaultBlockParameter.valueOf(from), DefaultBlockParameter.valueOf(to),
                p.asset());
        filter.addOptionalTopics(AUTHORIZATION_USED, AUTHORIZATION_CANCELED);
        filter.addSingleTopic(word(p.payer()));
        filter.addSingleTopic(p.chainRef().toLowerCase(Locale.ROOT));
        return rpc.read("eth_getLogs", w -> w.ethGetLogs(filter)).chain(r -> {
            if (r.hasError()) {
                return Uni.createFrom().failure(new IllegalStateException("eth_getLogs " + from + ".." + to
                        + " answered " + r.getError().getMessage()));
            }
            Optional<Log> hit = r.getLogs().stream()
                    .map(l -> (Log) ((EthLog.LogObject) l).get())
                    .filter(l -> matchesAuthorization(l, p))
                    .findFirst();
            if (hit.isPresent() || from.signum() == 0) {
                return Uni.createFrom().item(hit);
            }
            return block(from).chain(b -> b.time().isBefore(notBefore) ? Uni.createFrom().item(Optional.<Log>empty())
                    : search(p, from.subtract(BigInteger.ONE), notBefore, window + 1));
        });
    }

    private static boolean matchesAuthorization(Log l, UnfinishedPayment p) {
        List<String> t = l.getTopics();
        return l.getAddress() != null && l.getAddress().equalsIgnoreCase(p.asset()) && t.size() == 3
                && (AUTHORIZATION_USED.equalsIgnoreCase(t.get(0)) || AUTHORIZATION_CANCELED.equalsIgnoreCase(t.get(0)))
                && word(p.payer()).equalsIgnoreCase(t.get(1)) && p.chainRef().equalsIgnoreCase(t.get(2));
    }

    /** Gas used × effective gas price of a receipt, or empty when the node leaves either out. */
    static Optional<BigInteger> fee(TransactionReceipt r) {
        String price = r.getEffectiveGasPrice();
        if (r.getGasUsedRaw() == null || price == null || price.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(r.getGasUsed().multiply(Numeric.decodeQuantity(price)));
    }

    /** Whether a mined transaction used this authorization and moved exactly this payment. */
    static boolean movedThisPayment(UnfinishedPayment p, TransactionReceipt r) {
        boolean used = false;
        boolean transferred = false;
        for (Log l : r.getLogs()) {
            if (l.getAddress() == null || !l.getAddress().equalsIgnoreCase(p.asset()) || l.getTopics().isEmpty()) {
                continue;
            }
            List<String> t = l.getTopics();
            if (matchesAuthorization(l, p) && AUTHORIZATION_USED.equalsIgnoreCase(t.get(0))) {
                used = true;
            }
            if (TRANSFER.equalsIgnoreCase(t.get(0)) && t.size() == 3 && word(p.payer()).equalsIgnoreCase(t.get(1))
                    && word(p.payTo()).equalsIgnoreCase(t.get(2)) && l.getData() != null && l.getData().length() > 2
                    && Numeric.toBigInt(l.getData()).equals(p.amount())) {
                transferred = true;
            }
        }
        return used && transferred;
    }

    /** An address as a 32-byte topic. */
    static String word(String address) {
        return Numeric.toHexStringWithPrefixZeroPadded(Numeric.toBigInt(address), 64);
    }
}
