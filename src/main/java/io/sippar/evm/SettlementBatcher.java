package io.sippar.evm;

import io.sippar.scheme.BroadcastListener;
import io.sippar.scheme.NetworkFee;
import io.sippar.scheme.SchemeUnavailableException;
import io.sippar.scheme.UnfinishedPayment;
import io.smallrye.mutiny.Uni;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * Settles many EIP-3009 authorizations of one network in one Multicall3 {@code aggregate3}
 * transaction, sent through the network's {@link Settler} (nonces, fees, receipts, re-pricing as for
 * a single call). Authorizations queue; a batch goes out when it is full, when {@code maxWait} has
 * passed since its first authorization, or as soon as a slot frees while {@code maxInFlight} batch
 * transactions are on their way, so what queued meanwhile goes out together.
 *
 * <p>Every payment keeps its own outcome. Before a batch is broadcast one {@code eth_call} of it shows
 * which calls would revert: those payments get {@link Settler.Outcome.Reverted} with their revert
 * reason and are never broadcast (exactly what a single payment gets from gas estimation). Each call
 * has {@code allowFailure}, so a call that reverts on chain fails only its own payment: after mining, a
 * payment succeeded only if the receipt carries its {@code AuthorizationUsed} and its {@code Transfer}.
 * Each payment's listener hears the batch hash with its position ({@link BroadcastListener#broadcast(String,
 * int)}), its share of the worst-case fee before the broadcast (a payment refused there is dropped and
 * the batch re-formed without it, so nothing is broadcast for it) and its share of the fee paid.
 * A batch of one is an ordinary transaction.
 */
final class SettlementBatcher {

    private static final Logger LOG = Logger.getLogger(SettlementBatcher.class);
    private static final int RECEIPT_READS = 5;

    private final String network;
    private final EvmRpc rpc;
    private final EvmConfig.Batch config;
    private final Duration pollInterval;

    private final ArrayDeque<Item> queue = new ArrayDeque<>();
    /** Guarded by this: batches handed to a settler and not finished; whether a max-wait timer runs. */
    private int inFlight;
    private boolean timerArmed;

    /** One authorization waiting for its batch. */
    private static final class Item {
        final Settler settler;
        final String token;
        final String callData;
        final Eip3009Authorization auth;
        final BroadcastListener listener;
        final CompletableFuture<Settler.Outcome> result = new CompletableFuture<>();
        /** Its worst-case fee share was accepted (the payment is settling): never ask again. */
        volatile boolean started;

        Item(Settler settler, String token, String callData, Eip3009Authorization auth, BroadcastListener listener) {
            this.settler = settler;
            this.token = token;
            this.callData = callData;
            this.auth = auth;
            this.listener = listener;
        }

        boolean done() {
            return result.isDone();
        }

        /** The listener as a single transaction of its own sees it (no second start once started). */
        BroadcastListener single() {
            if (!started) {
                return listener;
            }
            return new BroadcastListener() {
                @Override
                public Uni<Void> broadcast(String transactionId) {
                    return listener.broadcast(transactionId);
                }

                @Override
                public Uni<Boolean> beforeFeeIncrease(NetworkFee newMaxFee) {
                    return listener.beforeFeeIncrease(newMaxFee);
                }

                @Override
                public Uni<Void> feePaid(NetworkFee fee) {
                    return listener.feePaid(fee);
                }
            };
        }
    }

    /** Some members were refused their fee share before the broadcast; the rest go out without them. */
    private static final class BatchShrunk extends RuntimeException {
        BatchShrunk() {
            super("a payment of the batch was refused before broadcast", null, false, false);
        }
    }

    SettlementBatcher(String network, EvmRpc rpc, EvmConfig.Batch config, Duration pollInterval) {
        if (config.maxSize() < 2 || config.maxSize() > 500) {
            throw new IllegalArgumentException("batch.max-size of " + network + " must be 2..500, is " + config.maxSize());
        }
        if (config.maxInFlight() < 1) {
            throw new IllegalArgumentException("batch.max-in-flight of " + network + " must be at least 1");
        }
        if (config.maxWait().isNegative()) {
            throw new IllegalArgumentException("batch.max-wait of " + network + " must not be negative");
        }
        this.network = network;
        this.rpc = rpc;
        this.config = config;
        this.pollInterval = pollInterval;
    }

    /** Queues {@code callData} (a transferWithAuthorization of {@code auth} on {@code token}); the same outcomes as {@link Settler#submit}. */
    Uni<Settler.Outcome> submit(Settler settler, String token, String callData, Eip3009Authorization auth,
            BroadcastListener listener) {
        return Uni.createFrom().deferred(() -> {
            Item item = new Item(settler, token, callData, auth, listener);
            enqueue(item);
            return Uni.createFrom().completionStage(item.result);
        });
    }

    private void enqueue(Item item) {
        boolean arm = false;
        synchronized (this) {
            queue.add(item);
            if (inFlight < config.maxInFlight() && queue.size() < config.maxSize() && !timerArmed) {
                timerArmed = true;
                arm = true;
            }
        }
        if (arm) {
            Uni.createFrom().voidItem().onItem().delayIt().by(config.maxWait()).subscribe().with(x -> {
                synchronized (this) {
                    timerArmed = false;
                }
                dispatch(false);
            });
        }
        dispatch(true);
    }

    /** Sends what the free slots allow: only full batches when {@code fullOnly}, else whatever is queued. */
    private void dispatch(boolean fullOnly) {
        while (true) {
            List<Item> batch;
            synchronized (this) {
                if (inFlight >= config.maxInFlight() || queue.isEmpty()
                        || (fullOnly && queue.size() < config.maxSize())) {
                    return;
                }
                batch = take();
                inFlight++;
            }
            send(batch).onTermination().invoke(this::finished).subscribe().with(x -> { }, e -> { });
        }
    }

    private void finished() {
        synchronized (this) {
            inFlight--;
        }
        // what queued while this batch was on its way goes out now, without waiting
        dispatch(false);
    }

    /** Guarded by this: up to maxSize queued items for one settler and token, in arrival order. */
    private List<Item> take() {
        Item first = queue.peek();
        List<Item> batch = new ArrayList<>();
        var it = queue.iterator();
        while (it.hasNext() && batch.size() < config.maxSize()) {
            Item i = it.next();
            if (i.settler == first.settler && i.token.equalsIgnoreCase(first.token)) {
                batch.add(i);
                it.remove();
            }
        }
        return batch;
    }

    /** A batch to its end: every item's future is completed, successfully or not. */
    private Uni<Void> send(List<Item> batch) {
        Uni<Void> work = batch.size() == 1 ? single(batch.get(0))
                : preflight(batch).chain(this::broadcastable);
        return work.onFailure().recoverWithUni(e -> {
            batch.forEach(i -> i.result.completeExceptionally(e));
            return Uni.createFrom().voidItem();
        });
    }

    private Uni<Void> broadcastable(List<Item> members) {
        return switch (members.size()) {
            case 0 -> Uni.createFrom().voidItem();
            case 1 -> single(members.get(0));
            default -> multicall(members);
        };
    }

    /** One authorization in a transaction of its own, exactly as without batching. */
    private Uni<Void> single(Item item) {
        return item.settler.submit(item.token, item.callData, item.single())
                .onItemOrFailure().invoke((outcome, failure) -> {
                    if (failure != null) {
                        item.result.completeExceptionally(failure);
                    } else {
                        item.result.complete(outcome);
                    }
                }).replaceWithVoid().onFailure().recoverWithNull();
    }

    /**
     * The batch as one eth_call: items whose call reverts are answered {@link Settler.Outcome.Reverted}
     * here, the rest returned. A node error fails the whole batch (nothing broadcast: 503 for each).
     */
    private Uni<List<Item>> preflight(List<Item> batch) {
        String from = batch.get(0).settler.address();
        Transaction call = Transaction.createEthCallTransaction(from, config.multicall(), calldata(batch));
        return rpc.read("eth_call", w -> w.ethCall(call, DefaultBlockParameterName.LATEST)).map(r -> {
            if (r.hasError()) {
                throw new SchemeUnavailableException("eth_call of a settlement batch on " + network + " answered "
                        + r.getError().getMessage(), 5, null);
            }
            List<Multicall3.Result> results;
            try {
                results = Multicall3.decodeResults(r.getValue());
            } catch (IllegalArgumentException e) {
                throw new SchemeUnavailableException("Multicall3 at " + config.multicall() + " on " + network
                        + " answered undecodable results: " + e.getMessage(), 5, e);
            }
            if (results.size() != batch.size()) {
                throw new SchemeUnavailableException("Multicall3 at " + config.multicall() + " on " + network
                        + " answered " + results.size() + " results for " + batch.size() + " calls", 5, null);
            }
            List<Item> ok = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                if (results.get(i).success()) {
                    ok.add(batch.get(i));
                } else {
                    batch.get(i).result.complete(new Settler.Outcome.Reverted(
                            Multicall3.revertReason(results.get(i).returnData())));
                }
            }
            return ok;
        });
    }

    private String calldata(List<Item> members) {
        return Multicall3.aggregate3(members.stream().map(i -> new Multicall3.Call(i.token, true,
                Numeric.hexStringToByteArray(i.callData))).toList());
    }

    /** Two or more authorizations in one aggregate3 transaction. */
    private Uni<Void> multicall(List<Item> members) {
        Settler settler = members.get(0).settler;
        return settler.submit(config.multicall(), calldata(members), new Members(members))
                .onItemOrFailure().transformToUni((outcome, failure) -> {
                    if (failure instanceof BatchShrunk) {
                        return broadcastable(members.stream().filter(i -> !i.done()).toList());
                    }
                    if (failure != null) {
                        members.forEach(i -> i.result.completeExceptionally(failure));
                        return Uni.createFrom().voidItem();
                    }
                    if (outcome instanceof Settler.Outcome.Mined m && m.success()) {
                        return perCall(members, m.txHash());
                    }
                    // the aggregate3 itself reverted (or would have): the same answer for every call in it
                    members.forEach(i -> i.result.complete(outcome));
                    return Uni.createFrom().voidItem();
                });
    }

    /** After a successful batch transaction: each call succeeded only if its transfer is in the receipt. */
    private Uni<Void> perCall(List<Item> members, String txHash) {
        return receipt(txHash, RECEIPT_READS).map(found -> {
            if (found.isEmpty()) {
                SettlementPendingException e = new SettlementPendingException(txHash, "batch " + txHash + " on "
                        + network + " was mined but its receipt could not be read; outcome left to the reconciler");
                members.forEach(i -> i.result.completeExceptionally(e));
                return null;
            }
            TransactionReceipt r = found.get();
            for (Item i : members) {
                boolean moved = SettlementLookup.movedThisPayment(new UnfinishedPayment(network, i.token,
                        i.auth.from(), i.auth.to(), i.auth.value(), i.auth.nonce(), Optional.empty(), Optional.empty(),
                        Instant.EPOCH), r);
                i.result.complete(new Settler.Outcome.Mined(txHash, moved));
            }
            return null;
        });
    }

    private Uni<Optional<TransactionReceipt>> receipt(String txHash, int attempts) {
        return rpc.read("eth_getTransactionReceipt", w -> w.ethGetTransactionReceipt(txHash))
                .map(r -> r.hasError() ? Optional.<TransactionReceipt>empty() : r.getTransactionReceipt())
                .onFailure().recoverWithItem(Optional.empty())
                .chain(found -> found.isPresent() || attempts <= 1 ? Uni.createFrom().item(found)
                        : Uni.createFrom().voidItem().onItem().delayIt().by(pollInterval)
                                .chain(() -> receipt(txHash, attempts - 1)));
    }

    /** The batch transaction's listener: tells every member, each its share of fees and its position. */
    private final class Members implements BroadcastListener {
        private final List<Item> members;
        private final AtomicBoolean broadcast = new AtomicBoolean();

        Members(List<Item> members) {
            this.members = members;
        }

        @Override
        public Uni<Void> beforeBroadcast(NetworkFee maxFee) {
            List<BigInteger> shares = shares(maxFee.amount(), members.size());
            List<Uni<Throwable>> asks = new ArrayList<>();
            for (int k = 0; k < members.size(); k++) {
                Item i = members.get(k);
                asks.add(i.started ? Uni.createFrom().nullItem()
                        : i.listener.beforeBroadcast(new NetworkFee(network, shares.get(k)))
                                .onItem().transform(x -> (Throwable) null).onFailure().recoverWithItem(t -> t));
            }
            return Uni.join().all(asks).andFailFast().map(refusals -> {
                boolean shrunk = false;
                for (int k = 0; k < members.size(); k++) {
                    Item i = members.get(k);
                    Throwable refused = refusals.get(k);
                    if (refused == null) {
                        i.started = true;
                    } else if (!i.started) {
                        // never broadcast for this payment: it is answered like a single refused here
                        i.result.completeExceptionally(refused);
                        shrunk = true;
                    }
                }
                if (shrunk) {
                    throw new BatchShrunk();
                }
                return null;
            });
        }

        @Override
        public Uni<Void> broadcast(String transactionId) {
            if (broadcast.compareAndSet(false, true)) {
                LOG.debugf("settlement batch of %d on %s: %s", members.size(), network, transactionId);
            }
            List<Uni<Void>> told = new ArrayList<>();
            for (int k = 0; k < members.size(); k++) {
                Item i = members.get(k);
                if (i.done()) {
                    continue;
                }
                // a member whose broadcast could not be recorded is left to the reconciler; the rest go on
                told.add(i.listener.broadcast(transactionId, k).onFailure().recoverWithUni(t -> {
                    i.result.completeExceptionally(t);
                    return Uni.createFrom().voidItem();
                }));
            }
            return told.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(told).andFailFast().replaceWithVoid();
        }

        @Override
        public Uni<Boolean> beforeFeeIncrease(NetworkFee newMaxFee) {
            List<BigInteger> shares = shares(newMaxFee.amount(), members.size());
            List<Uni<Boolean>> asks = new ArrayList<>();
            for (int k = 0; k < members.size(); k++) {
                asks.add(members.get(k).listener.beforeFeeIncrease(new NetworkFee(network, shares.get(k)))
                        .onFailure().recoverWithItem(false));
            }
            return Uni.join().all(asks).andFailFast().map(all -> all.stream().allMatch(Boolean::booleanValue));
        }

        @Override
        public Uni<Void> feePaid(NetworkFee fee) {
            List<BigInteger> shares = shares(fee.amount(), members.size());
            List<Uni<Void>> paid = new ArrayList<>();
            for (int k = 0; k < members.size(); k++) {
                paid.add(members.get(k).listener.feePaid(new NetworkFee(network, shares.get(k)))
                        .onFailure().recoverWithUni(t -> {
                            LOG.errorf(t, "fee share of a batch on %s could not be booked", network);
                            return Uni.createFrom().voidItem();
                        }));
            }
            return Uni.join().all(paid).andFailFast().replaceWithVoid();
        }
    }

    /** {@code total} split into {@code n} shares that add up to it exactly (the first ones take the remainder). */
    static List<BigInteger> shares(BigInteger total, int n) {
        BigInteger[] qr = total.divideAndRemainder(BigInteger.valueOf(n));
        List<BigInteger> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            out.add(BigInteger.valueOf(k).compareTo(qr[1]) < 0 ? qr[0].add(BigInteger.ONE) : qr[0]);
        }
        return out;
    }
}
