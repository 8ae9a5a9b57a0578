package io.sippar.evm;

import io.sippar.scheme.BroadcastListener;
import io.sippar.scheme.KeyLease;
import io.sippar.scheme.NetworkFee;
import io.sippar.scheme.SchemeUnavailableException;
import io.smallrye.mutiny.Uni;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * Sends contract calls from one settlement key on one network and waits for their receipts.
 *
 * <p>Nonces: allocation, signing and the first broadcast run one at a time in a single-writer lane
 * (an async queue, nothing blocks), starting from {@code eth_getTransactionCount(pending)}. The next
 * nonce advances only once a node accepted the transaction, or when the broadcast outcome is unknown
 * (every node failed mid-call: the transaction may be in a mempool). A node that refuses the
 * transaction leaves the nonce to the next one, so a refused broadcast never leaves a gap. "nonce too
 * low" resyncs from the pending count (never going backwards) and re-signs the same call with the new
 * nonce: that transaction was never accepted, so nothing is lost or duplicated. Every signed
 * transaction stays tracked until the chain's nonce passes it; a transaction whose waiter gave up
 * (receipt timeout) is re-broadcast, same bytes, by later waiters stuck behind it, which fills the
 * hole if no node had it.
 *
 * <p>Re-pricing: a transaction not mined after {@code stuckAfter} is replaced at the same nonce with
 * both fees bumped by at least 12.5% (nodes want +10%) or to the current market, capped at
 * {@code maxFeeCap}. Every hash of a nonce is polled; whichever is mined is the result.
 *
 * <p>Leases: the key is used only while this process holds its {@link KeyLease}. It is checked before
 * anything is signed and again right before every broadcast (first sends, replacements, re-sends of
 * orphans), with the RPC timeout as margin, so a broadcast can never reach a node after the lease has
 * moved to another process. A settler is made per holding: taking a key (over) starts from the chain's
 * {@code pending} count; a settler whose lease is gone only keeps polling receipts.
 */
final class Settler implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Settler.class);

    static final BigInteger GAS_FALLBACK = BigInteger.valueOf(150_000);
    static final BigInteger PRIORITY_FALLBACK = BigInteger.valueOf(1_000_000_000L);
    private static final int NONCE_RESYNC_ATTEMPTS = 3;
    private static final int RETRY_AFTER_SECONDS = 5;
    private static final Duration FEE_CACHE = Duration.ofSeconds(1);

    /** What became of a submitted call. */
    sealed interface Outcome {
        /** A receipt: mined, successfully or not ({@code status} 0 = reverted on chain). */
        record Mined(String txHash, boolean success) implements Outcome {
        }

        /** The call reverted when estimated: nothing was broadcast. */
        record Reverted(String reason) implements Outcome {
        }
    }

    /** EIP-1559 fees in wei. */
    record Fees(BigInteger maxPriorityFeePerGas, BigInteger maxFeePerGas) {
    }

    /** One nonce of ours in flight, with every hash signed for it. */
    static final class Tracked {
        final long nonce;
        final String to;
        final String data;
        final BigInteger gasLimit;
        final List<String> hashes = new CopyOnWriteArrayList<>();
        volatile Fees fees;
        volatile String lastRaw;
        volatile long lastBroadcastNanos;
        volatile boolean orphaned;

        Tracked(long nonce, String to, String data, BigInteger gasLimit, Fees fees, String raw) {
            this.nonce = nonce;
            this.to = to;
            this.data = data;
            this.gasLimit = gasLimit;
            this.fees = fees;
            this.lastRaw = raw;
            this.hashes.add(EvmRpc.txHash(raw));
            this.lastBroadcastNanos = System.nanoTime();
        }

        String lastHash() {
            return hashes.get(hashes.size() - 1);
        }
    }

    private final String network;
    private final long chainId;
    private final EvmRpc rpc;
    private final Credentials credentials;
    private final Duration receiptTimeout;
    private final Duration pollInterval;
    private final Duration stuckAfter;
    private final BigInteger maxFeeCapWei;
    private final KeyLease lease;
    private final Duration broadcastMargin;
    private final GasMeter gas;
    /** submit() calls started and not finished. */
    private final AtomicInteger active = new AtomicInteger();

    private final AtomicReference<CompletableFuture<Void>> laneTail =
            new AtomicReference<>(CompletableFuture.completedFuture(null));
    /** Next nonce to sign; null = unknown, read from the node. Written only inside the lane. */
    private volatile Long next;
    private final Map<Long, Tracked> inFlight = new ConcurrentSkipListMap<>();
    private final Uni<Long> minedCount;
    private final Uni<Fees> marketFees;

    /** Told the network fee of every mined settlement transaction (gas used × effective gas price, wei). */
    @FunctionalInterface
    interface GasMeter {
        GasMeter NONE = wei -> { };

        void spent(BigInteger wei);
    }

    Settler(String network, long chainId, EvmRpc rpc, Credentials credentials, Duration receiptTimeout,
            Duration pollInterval, Duration stuckAfter, long maxFeeCapGwei, KeyLease lease, Duration broadcastMargin,
            GasMeter gas) {
        this.lease = lease;
        this.broadcastMargin = broadcastMargin;
        this.gas = gas;
        this.network = network;
        this.chainId = chainId;
        this.rpc = rpc;
        this.credentials = credentials;
        this.receiptTimeout = receiptTimeout;
        this.pollInterval = pollInterval;
        this.stuckAfter = stuckAfter;
        this.maxFeeCapWei = BigInteger.valueOf(maxFeeCapGwei).multiply(BigInteger.TEN.pow(9));
        // shared by every waiter: one nonce read per poll interval tells all of them whether to fetch receipts
        this.minedCount = rpc.read("eth_getTransactionCount",
                        w -> w.ethGetTransactionCount(address(), DefaultBlockParameterName.LATEST))
                .map(r -> ok(r, "eth_getTransactionCount").getTransactionCount().longValueExact())
                .memoize().atLeast(pollInterval);
        this.marketFees = fetchFees().memoize().atLeast(FEE_CACHE);
    }

    /** The settlement address (EIP-55). */
    String address() {
        return org.web3j.crypto.Keys.toChecksumAddress(credentials.getAddress());
    }

    /**
     * Estimates, signs, broadcasts {@code data} to {@code to} and waits for the receipt.
     * {@code listener} hears every hash broadcast for it (the first one, then any replacement) and
     * is awaited before the wait goes on.
     *
     * @return {@link Outcome.Reverted} if estimation reverted (nothing sent), else {@link Outcome.Mined}
     * @throws SchemeUnavailableException (as failure) when no node lets us send
     * @throws SettlementPendingException (as failure) when broadcast but not mined within receiptTimeout
     */
    Uni<Outcome> submit(String to, String data, BroadcastListener listener) {
        return Uni.createFrom().deferred(() -> {
            if (!leased()) {
                return Uni.createFrom().<Outcome>failure(leaseGone());
            }
            active.incrementAndGet();
            return estimateAndSend(to, data, listener).onTermination().invoke(active::decrementAndGet);
        });
    }

    /** Whether this process may still broadcast from the key, with time left for one broadcast. */
    boolean leased() {
        return lease.validFor(broadcastMargin);
    }

    /** The lease this settler signs under. */
    KeyLease lease() {
        return lease;
    }

    /** submit() calls started and not finished. */
    int active() {
        return active.get();
    }

    private SchemeUnavailableException leaseGone() {
        return new SchemeUnavailableException("this gateway no longer holds the settlement key lease of " + address()
                + " on " + network, RETRY_AFTER_SECONDS, null);
    }

    private Uni<Outcome> estimateAndSend(String to, String data, BroadcastListener listener) {
        return estimateGas(to, data).onItem().transformToUni(estimate -> {
            if (estimate instanceof Outcome.Reverted r) {
                return Uni.createFrom().<Outcome>item(r);
            }
            BigInteger gasLimit = (BigInteger) estimate;
            return marketFees
                    // the most this transaction can cost us, asked before anything is signed or sent
                    .call(fees -> listener.beforeBroadcast(new NetworkFee(network, maxCost(gasLimit, fees))))
                    .onItem().transformToUni(fees -> inLane(() -> broadcastNew(to, data, gasLimit, fees, 0)))
                    .onItem().call(t -> listener.broadcast(t.lastHash())
                            // nobody will wait for it: later waiters re-send it if it goes missing
                            .onFailure().invoke(e -> t.orphaned = true))
                    .onItem().transformToUni(t -> waitForReceipt(t, listener,
                            System.nanoTime() + receiptTimeout.toNanos()));
        });
    }

    /** Gas limit (×1.2 of the estimate), or {@link Outcome.Reverted}; a node that cannot estimate gets 150k. */
    private Uni<Object> estimateGas(String to, String data) {
        Transaction call = Transaction.createEthCallTransaction(address(), to, data);
        return rpc.read("eth_estimateGas", w -> w.ethEstimateGas(call)).map(r -> {
            if (!r.hasError()) {
                return (Object) r.getAmountUsed().multiply(BigInteger.valueOf(12)).divide(BigInteger.TEN);
            }
            if (EvmRpc.isRevert(r.getError())) {
                return new Outcome.Reverted(revertMessage(r.getError()));
            }
            return GAS_FALLBACK;
        });
    }

    private Uni<Fees> fetchFees() {
        Uni<BigInteger> base = rpc.read("eth_getBlockByNumber",
                        w -> w.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false))
                .map(r -> {
                    var block = ok(r, "eth_getBlockByNumber").getBlock();
                    return block == null || block.getBaseFeePerGasRaw() == null ? BigInteger.ZERO
                            : block.getBaseFeePerGas();
                });
        Uni<BigInteger> priority = rpc.read("eth_maxPriorityFeePerGas", w -> w.ethMaxPriorityFeePerGas())
                .map(r -> r.hasError() || r.getMaxPriorityFeePerGas() == null ? PRIORITY_FALLBACK
                        : r.getMaxPriorityFeePerGas());
        return Uni.combine().all().unis(base, priority).asTuple().map(t -> {
            BigInteger prio = t.getItem2();
            BigInteger max = t.getItem1().shiftLeft(1).add(prio);
            return capped(new Fees(prio, max));
        });
    }

    private Fees capped(Fees f) {
        BigInteger max = f.maxFeePerGas().min(maxFeeCapWei);
        return new Fees(f.maxPriorityFeePerGas().min(max), max);
    }

    /** Runs {@code work} after every earlier lane task has finished; one at a time, in arrival order. */
    private <T> Uni<T> inLane(Supplier<Uni<T>> work) {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> previous = laneTail.getAndSet(mine);
            return Uni.createFrom().completionStage(previous)
                    .onItem().transformToUni(x -> work.get())
                    .onTermination().invoke(() -> mine.complete(null));
        });
    }

    /** Inside the lane: allocate the nonce, sign, broadcast; see the class comment for the nonce rules. */
    private Uni<Tracked> broadcastNew(String to, String data, BigInteger gasLimit, Fees fees, int resyncs) {
        Uni<Long> nonce = next != null ? Uni.createFrom().item(next) : pendingCount();
        return nonce.onItem().transformToUni(n -> {
            if (!leased()) {
                // nothing signed or sent: the nonce stays free for whoever holds the key now
                return Uni.createFrom().<Tracked>failure(leaseGone());
            }
            String raw = sign(n, to, data, gasLimit, fees);
            Tracked t = new Tracked(n, to, data, gasLimit, fees, raw);
            return rpc.sendRaw(raw).onItemOrFailure().transformToUni((resp, failure) -> {
                if (failure instanceof SchemeUnavailableException) {
                    // outcome unknown: a node may have it; keep the nonce taken and let the waiter re-send
                    LOG.warnf("broadcast of %s on %s (nonce %d) failed on every node; waiting and re-sending",
                            t.lastHash(), network, n);
                    return Uni.createFrom().item(accepted(t));
                }
                if (failure != null) {
                    return Uni.createFrom().failure(failure);
                }
                if (!resp.hasError() || alreadyKnown(resp.getError())) {
                    return Uni.createFrom().item(accepted(t));
                }
                String message = resp.getError().getMessage();
                if (nonceTooLow(resp.getError()) && resyncs < NONCE_RESYNC_ATTEMPTS) {
                    LOG.infof("nonce %d too low for %s on %s; resyncing", n, address(), network);
                    return pendingCount().onItem().transformToUni(pending -> {
                        next = Math.max(pending, n + 1);
                        return broadcastNew(to, data, gasLimit, fees, resyncs + 1);
                    });
                }
                // refused by the node (funds for gas, fee below base fee, ...): our problem, not the payer's;
                // the nonce was not used, so the next transaction takes it
                return Uni.createFrom().failure(new SchemeUnavailableException(
                        "node refused the settlement transaction on " + network + ": " + message,
                        RETRY_AFTER_SECONDS, null));
            });
        });
    }

    private Tracked accepted(Tracked t) {
        next = t.nonce + 1;
        inFlight.put(t.nonce, t);
        return t;
    }

    private Uni<Long> pendingCount() {
        return rpc.read("eth_getTransactionCount",
                        w -> w.ethGetTransactionCount(address(), DefaultBlockParameterName.PENDING))
                .map(r -> ok(r, "eth_getTransactionCount").getTransactionCount().longValueExact())
                .invoke(n -> {
                    if (next == null || n > next) {
                        next = n;
                    }
                });
    }

    private String sign(long nonce, String to, String data, BigInteger gasLimit, Fees fees) {
        RawTransaction tx = RawTransaction.createTransaction(chainId, BigInteger.valueOf(nonce), gasLimit, to,
                BigInteger.ZERO, data, fees.maxPriorityFeePerGas(), fees.maxFeePerGas());
        return Numeric.toHexString(TransactionEncoder.signMessage(tx, chainId, credentials));
    }

    private Uni<Outcome> waitForReceipt(Tracked t, BroadcastListener listener, long deadline) {
        return findReceipt(t).onItem().transformToUni(found -> {
            if (found.isPresent()) {
                inFlight.remove(t.nonce);
                TransactionReceipt r = found.get();
                Outcome mined = new Outcome.Mined(r.getTransactionHash(), r.isStatusOK());
                BigInteger fee = feePaid(r, t);
                gas.spent(fee);
                // the chain has decided; failing to book the fee must not change what the payer is told
                return listener.feePaid(new NetworkFee(network, fee))
                        .onFailure().recoverWithItem(e -> {
                            LOG.errorf(e, "fee of %s on %s could not be booked", r.getTransactionHash(), network);
                            return null;
                        })
                        .replaceWith(mined);
            }
            if (System.nanoTime() - deadline > 0) {
                t.orphaned = true;
                return Uni.createFrom().<Outcome>failure(new SettlementPendingException(t.lastHash(),
                        "no receipt for " + t.lastHash() + " on " + network + " within "
                                + receiptTimeout.toSeconds() + " s; outcome unknown"));
            }
            Uni<Void> step = System.nanoTime() - t.lastBroadcastNanos >= stuckAfter.toNanos()
                    ? reprice(t, listener) : Uni.createFrom().voidItem();
            return step.onItem().delayIt().by(pollInterval)
                    .onItem().transformToUni(x -> waitForReceipt(t, listener, deadline));
        });
    }

    /** A receipt for any hash of this nonce, once the chain's nonce has passed it; read errors count as "not yet". */
    private Uni<Optional<TransactionReceipt>> findReceipt(Tracked t) {
        return minedCount.onItem().transformToUni(mined -> mined <= t.nonce
                        ? Uni.createFrom().item(Optional.<TransactionReceipt>empty())
                        : receiptOfAny(t.hashes, t.hashes.size() - 1))
                .onFailure().recoverWithItem(e -> {
                    LOG.debugf("receipt poll on %s failed: %s", network, e.toString());
                    return Optional.empty();
                });
    }

    private Uni<Optional<TransactionReceipt>> receiptOfAny(List<String> hashes, int index) {
        if (index < 0) {
            return Uni.createFrom().item(Optional.empty());
        }
        String hash = hashes.get(index);
        return rpc.read("eth_getTransactionReceipt", w -> w.ethGetTransactionReceipt(hash))
                .onItem().transformToUni(r -> r.getTransactionReceipt().isPresent()
                        ? Uni.createFrom().item(r.getTransactionReceipt())
                        : receiptOfAny(hashes, index - 1));
    }

    /** Replaces a stuck transaction at the same nonce with higher fees; also re-sends orphans below it. */
    private Uni<Void> reprice(Tracked t, BroadcastListener listener) {
        t.lastBroadcastNanos = System.nanoTime();
        if (!leased()) {
            // the key is someone else's now: only watch for the receipt
            return Uni.createFrom().voidItem();
        }
        resendOrphansBelow(t.nonce);
        return marketFees.onItem().transformToUni(market -> {
            if (!leased()) {
                return Uni.createFrom().voidItem();
            }
            Fees old = t.fees;
            Fees bumped = capped(new Fees(
                    bump(old.maxPriorityFeePerGas()).max(market.maxPriorityFeePerGas()),
                    bump(old.maxFeePerGas()).max(market.maxFeePerGas())));
            if (bumped.maxFeePerGas().compareTo(old.maxFeePerGas()) <= 0) {
                // at the cap: the same bytes again, in case no node holds the transaction any more
                return rpc.sendRaw(t.lastRaw).replaceWithVoid();
            }
            return listener.beforeFeeIncrease(new NetworkFee(network, maxCost(t.gasLimit, bumped)))
                    .onItem().transformToUni(allowed -> allowed ? replace(t, bumped, listener)
                            // over the fee ceiling: keep waiting on the transaction we have
                            : rpc.sendRaw(t.lastRaw).replaceWithVoid());
        }).onFailure().recoverWithItem(e -> {
            LOG.debugf("re-pricing nonce %d on %s failed: %s", t.nonce, network, e.toString());
            return null;
        });
    }

    /** Signs and sends the replacement of {@code t} at {@code bumped} fees. */
    private Uni<Void> replace(Tracked t, Fees bumped, BroadcastListener listener) {
        String raw = sign(t.nonce, t.to, t.data, t.gasLimit, bumped);
        String hash = EvmRpc.txHash(raw);
        return rpc.sendRaw(raw).onItem().transformToUni(resp -> {
            if (resp.hasError() && !alreadyKnown(resp.getError())) {
                // nonce too low: one of our hashes got mined meanwhile; underpriced: try again later
                LOG.debugf("replacement of nonce %d on %s refused: %s", t.nonce, network,
                        resp.getError().getMessage());
                return Uni.createFrom().voidItem();
            }
            t.fees = bumped;
            t.lastRaw = raw;
            t.hashes.add(hash);
            LOG.infof("re-priced stuck settlement nonce %d on %s: %s -> %s (maxFee %s wei)", t.nonce, network,
                    t.hashes.get(t.hashes.size() - 2), hash, bumped.maxFeePerGas());
            return listener.broadcast(hash);
        });
    }

    /** The worst case of a transaction: every unit of its gas limit at its max fee per gas. */
    private static BigInteger maxCost(BigInteger gasLimit, Fees fees) {
        return gasLimit.multiply(fees.maxFeePerGas());
    }

    /** Gas used × effective gas price from the receipt; the worst case when a node omits the price. */
    private static BigInteger feePaid(TransactionReceipt r, Tracked t) {
        String price = r.getEffectiveGasPrice();
        BigInteger gasUsed = r.getGasUsedRaw() == null ? t.gasLimit : r.getGasUsed();
        return gasUsed.multiply(price == null || price.isEmpty() ? t.fees.maxFeePerGas() : Numeric.decodeQuantity(price));
    }

    private void resendOrphansBelow(long nonce) {
        for (Tracked o : inFlight.values()) {
            if (o.nonce >= nonce || !leased()) {
                break;
            }
            if (o.orphaned) {
                rpc.sendRaw(o.lastRaw).subscribe().with(
                        r -> LOG.debugf("re-sent orphaned nonce %d", o.nonce), e -> { });
            }
        }
        // forget orphans the chain has passed
        minedCount.subscribe().with(mined -> inFlight.values().removeIf(o -> o.orphaned && o.nonce < mined),
                e -> { });
    }

    /** +12.5% and at least 1 wei: above the 10% replacement minimum of geth and anvil. */
    static BigInteger bump(BigInteger v) {
        return v.add(v.shiftRight(3)).add(BigInteger.ONE);
    }

    static boolean nonceTooLow(Response.Error e) {
        String m = lower(e);
        return m.contains("nonce too low") || m.contains("nonce is too low") || m.contains("old nonce");
    }

    static boolean alreadyKnown(Response.Error e) {
        String m = lower(e);
        return m.contains("already known") || m.contains("known transaction") || m.contains("already imported")
                || m.contains("already in the mempool");
    }

    static String revertMessage(Response.Error e) {
        String m = e.getMessage() == null ? "execution reverted" : e.getMessage();
        return m.startsWith("execution reverted: ") ? m.substring("execution reverted: ".length()) : m;
    }

    private static String lower(Response.Error e) {
        return e == null || e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
    }

    private static <R extends Response<?>> R ok(R r, String method) {
        if (r.hasError()) {
            throw new SchemeUnavailableException(method + " answered " + r.getError().getMessage(),
                    RETRY_AFTER_SECONDS, null);
        }
        return r;
    }

    int inFlightCount() {
        return inFlight.size();
    }

    @Override
    public void close() {
        // the RPC client is owned by the scheme; nothing else to release
    }

    @Override
    public String toString() {
        // never the key
        return "Settler[" + network + ", " + address() + "]";
    }
}
