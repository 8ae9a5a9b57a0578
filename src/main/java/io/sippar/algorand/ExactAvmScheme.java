package io.sippar.algorand;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.algorand.AvmVerdict.Passed;
import io.sippar.algorand.AvmVerdict.Refused;
import io.sippar.scheme.BroadcastListener;
import io.sippar.scheme.ChainNodes;
import io.sippar.scheme.ChainStatus;
import io.sippar.scheme.NetworkFee;
import io.sippar.scheme.PaymentIdentity;
import io.sippar.scheme.PaymentScheme;
import io.sippar.scheme.RoundWindow;
import io.sippar.scheme.SchemeUnavailableException;
import io.sippar.scheme.UnfinishedPayment;
import io.sippar.x402.Network;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.SettleResponse;
import io.sippar.x402.SupportedKind;
import io.sippar.x402.VerifyResponse;
import io.sippar.x402.X402DecodeException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The x402 {@code exact} scheme on every configured Algorand network: the reference's ordered
 * offline checks ({@link ExactAvmChecks}), the fee payer's signature on the transactions it pays
 * for, a round-validity check against the node, then algod's simulation; settlement submits the
 * group and waits a bounded number of rounds for the payment transaction. The fee payer's fees in
 * the group are announced before the submit (held against the gas ceilings; they are exactly what a
 * committed group costs) and reported paid once the chain decided; the reconciler's lookup is
 * {@link AvmSettlementLookup}.
 */
@ApplicationScoped
public class ExactAvmScheme implements PaymentScheme, ChainNodes, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ExactAvmScheme.class);
    /** How long one /v2/status answer serves the round checks of every verify. */
    private static final Duration STATUS_CACHE = Duration.ofSeconds(1);
    /** Rounds a group's first-valid may be ahead of the (cached) next round before it is refused as not yet valid. */
    private static final long NOT_YET_VALID_SLACK = 2;
    /** Pause between two attempts to reach algod while waiting for a confirmation. */
    private static final Duration UNREACHABLE_PAUSE = Duration.ofSeconds(1);

    /** Everything one network needs at run time. */
    private record Chain(String caip2, AlgorandConfig.NetworkConfig config, AlgodClient algod,
            Optional<FeePayerKey> feePayer, ExactAvmChecks.Context context, Uni<Long> lastRound) {
    }

    /** A group that passed every check, with the fee payer's signatures in place. */
    private record Ready(Passed passed, List<byte[]> signed) {
    }

    private final Map<String, Chain> chains;

    @Inject
    public ExactAvmScheme(AlgorandConfig config, Vertx vertx) {
        Map<String, Chain> map = new LinkedHashMap<>();
        config.networks().forEach((alias, n) -> {
            Network network = network(alias, n.network());
            String caip2 = network.caip2();
            if (map.containsKey(caip2)) {
                throw new IllegalStateException("sippar.algorand.networks: " + caip2 + " configured twice");
            }
            Optional<FeePayerKey> key = feePayerKey(alias, n);
            AlgodClient algod = new AlgodClient(vertx, caip2, n.algodUrls(), n.algodToken(), n.algodTimeout(),
                    n.blockWaitTimeout(), n.breakerFailureThreshold(), n.breakerDelay());
            ExactAvmChecks.Context ctx = new ExactAvmChecks.Context(caip2, network.reference(),
                    key.map(k -> Set.of(k.address())).orElse(Set.of()), n.maxFeePerTxn());
            map.put(caip2, new Chain(caip2, n, algod, key, ctx,
                    algod.lastRound().memoize().atLeast(STATUS_CACHE)));
        });
        // configuration order, so /supported lists networks the same way every time
        this.chains = Collections.unmodifiableMap(map);
    }

    /** One probe per algod URL: the node must answer for the network's genesis hash (ops.HealthProbes). */
    @Override
    public List<ChainNodes.Node> nodes() {
        List<ChainNodes.Node> out = new java.util.ArrayList<>();
        for (Chain c : chains.values()) {
            String genesis = c.caip2().substring("algorand:".length());
            List<AlgodClient.Endpoint> endpoints = c.algod().endpoints();
            for (int i = 0; i < endpoints.size(); i++) {
                int index = i;
                out.add(new ChainNodes.Node(c.caip2(), endpoints.get(i).label, () -> c.algod().probe(index, genesis)));
            }
        }
        return out;
    }

    /** {@code algorand:<genesis hash>}, a bare genesis hash, {@code mainnet} or {@code testnet}. */
    static Network network(String alias, String value) {
        String v = value == null ? "" : value.strip();
        if (v.equals("mainnet")) {
            return Network.ALGORAND_MAINNET;
        }
        if (v.equals("testnet")) {
            return Network.ALGORAND_TESTNET;
        }
        String hash = v.startsWith("algorand:") ? v.substring("algorand:".length()) : v;
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(hash);
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        if (raw.length != 32 || !Base64.getEncoder().encodeToString(raw).equals(hash)) {
            throw new IllegalArgumentException("sippar.algorand.networks." + alias + ".network must be algorand:<the"
                    + " 44-character base64 genesis hash>, the bare genesis hash, mainnet or testnet; got '" + v + "'");
        }
        return new Network("algorand", hash);
    }

    private static Optional<FeePayerKey> feePayerKey(String alias, AlgorandConfig.NetworkConfig n) {
        String prefix = "sippar.algorand.networks." + alias + ".";
        long set = Stream.of(n.feePayerKey(), n.feePayerKeyFile(), n.feePayerMnemonic())
                .filter(Optional::isPresent).count();
        if (set > 1) {
            throw new IllegalArgumentException(prefix + "fee-payer-key, fee-payer-key-file and fee-payer-mnemonic:"
                    + " set only one");
        }
        if (n.feePayerKey().isPresent()) {
            return Optional.of(FeePayerKey.parse(n.feePayerKey().get(), prefix + "fee-payer-key"));
        }
        if (n.feePayerMnemonic().isPresent()) {
            return Optional.of(FeePayerKey.parse(n.feePayerMnemonic().get(), prefix + "fee-payer-mnemonic"));
        }
        return n.feePayerKeyFile().map(path -> {
            try {
                return FeePayerKey.parse(Files.readString(path), prefix + "fee-payer-key-file (" + path + ")");
            } catch (IOException e) {
                // the path is not secret; the content never appears in messages
                throw new UncheckedIOException(prefix + "fee-payer-key-file unreadable: " + path, e);
            }
        });
    }

    @Override
    public String scheme() {
        return ExactAvmChecks.SCHEME;
    }

    @Override
    public boolean supports(String network) {
        return network != null && chains.containsKey(network);
    }

    @Override
    public List<SupportedKind> kinds() {
        List<SupportedKind> kinds = new ArrayList<>();
        for (Chain c : chains.values()) {
            kinds.add(new SupportedKind(2, scheme(), c.caip2(), feePayerExtra(c).orElse(null)));
        }
        return kinds;
    }

    @Override
    public Map<String, List<String>> signers() {
        List<String> addresses = chains.values().stream().flatMap(c -> c.feePayer().stream())
                .map(FeePayerKey::address).distinct().toList();
        return addresses.isEmpty() ? Map.of() : Map.of("algorand:*", addresses);
    }

    /** {@code {feePayer}} when this network has a fee payer; {@code decimals} comes from the asset table. */
    @Override
    public Optional<ObjectNode> requirementExtra(String network) {
        Chain c = chains.get(network);
        return c == null ? Optional.empty() : feePayerExtra(c);
    }

    private static Optional<ObjectNode> feePayerExtra(Chain c) {
        return c.feePayer().map(k -> JsonNodeFactory.instance.objectNode().put("feePayer", k.address()));
    }

    /**
     * Payer = sender of the payment transaction, chain reference = its TxID, so the replay guard
     * is network + asset + payer + txid; valid rounds = the group's largest first-valid to smallest
     * last-valid round. A group that fails an offline check has no identity.
     *
     * @throws X402DecodeException with the check's reason code
     */
    @Override
    public PaymentIdentity identify(Payment payment, PaymentRequirements requirements) {
        AvmVerdict v = ExactAvmChecks.check(payment, requirements, chain(requirements).context());
        if (v instanceof Refused r) {
            throw new X402DecodeException(r.reason(), r.message());
        }
        Passed p = (Passed) v;
        return new PaymentIdentity(p.payer(), p.payment().txId(), null, new RoundWindow(p.firstValid(), p.lastValid()));
    }

    /** The fee payer's fees are held before the submit and reported once the chain decided. */
    @Override
    public boolean announcesFees() {
        return true;
    }

    /** What algod says about a payment the gateway did not finish; see {@link AvmSettlementLookup}. */
    @Override
    public Uni<ChainStatus> status(UnfinishedPayment payment) {
        Chain chain = chains.get(payment.network());
        if (chain == null) {
            return Uni.createFrom().item(new ChainStatus.Unknown(payment.network() + " is not configured here"));
        }
        return new AvmSettlementLookup(chain.caip2(), chain.algod()).status(payment);
    }

    @Override
    public Uni<VerifyResponse> verify(Payment payment, PaymentRequirements req) {
        return Uni.createFrom().deferred(() -> {
            Chain chain = chain(req);
            return ready(payment, req, chain).map(v -> v instanceof Refused r
                    ? VerifyResponse.invalid(r.reason(), r.message(), r.payer())
                    : VerifyResponse.valid(((Ready) v).passed().payer()));
        }).onFailure(t -> !(t instanceof SchemeUnavailableException) && !(t instanceof IllegalArgumentException))
                .recoverWithItem(t -> {
                    // the reference answers any unexpected error as a bad payload; ours is logged too
                    LOG.warn("unexpected error verifying an Algorand payment", t);
                    return VerifyResponse.invalid(ReasonCode.INVALID_EXACT_AVM_PAYLOAD, "unexpected error: "
                            + t.getClass().getSimpleName(), null);
                });
    }

    @Override
    public Uni<SettleResponse> settle(Payment payment, PaymentRequirements req, BroadcastListener listener) {
        return Uni.createFrom().deferred(() -> {
            Chain chain = chain(req);
            return ready(payment, req, chain).chain(v -> {
                if (v instanceof Refused r) {
                    return Uni.createFrom().item(SettleResponse.failure(r.reason(), r.message(), r.payer(),
                            req.network(), ""));
                }
                return submit(chain, (Ready) v, listener);
            });
        });
    }

    /** Offline checks, the fee payer's signatures, the round window, then simulation: a {@link Ready} or a {@link Refused}. */
    private Uni<Object> ready(Payment payment, PaymentRequirements req, Chain chain) {
        AvmVerdict verdict = ExactAvmChecks.check(payment, req, chain.context());
        if (verdict instanceof Refused r) {
            return Uni.createFrom().item(r);
        }
        Passed p = (Passed) verdict;
        List<byte[]> signed;
        try {
            signed = signed(chain, p);
        } catch (RuntimeException e) {
            return Uni.createFrom().item(new Refused(ReasonCode.INVALID_EXACT_AVM_INVALID_FEE_PAYER,
                    "the fee payer could not sign its transaction", p.payer()));
        }
        return chain.lastRound().chain(cached -> {
            Optional<Refused> stale = roundWindow(p, cached);
            // the cached round may be a second behind the chain: "not yet valid" is confirmed with a
            // fresh one before a client is refused (an older round can never make a group look expired)
            Uni<Optional<Refused>> window = stale.isPresent()
                    && stale.get().reason() == ReasonCode.INVALID_EXACT_AVM_TRANSACTION_NOT_YET_VALID
                    ? chain.algod().lastRound().map(fresh -> roundWindow(p, Math.max(cached, fresh)))
                    : Uni.createFrom().item(stale);
            return window.chain(refused -> refused.isPresent() ? Uni.createFrom().item((Object) refused.get())
                    : chain.algod().simulate(signed).map(failure -> failure.isPresent()
                            ? new Refused(ReasonCode.INVALID_EXACT_AVM_SIMULATION_FAILED, failure.get(), p.payer())
                            : (Object) new Ready(p, signed)));
        });
    }

    /** The fee payer's transactions signed by the gateway, every other element exactly as the client sent it. */
    private static List<byte[]> signed(Chain chain, Passed p) {
        List<byte[]> out = new ArrayList<>(p.group().size());
        for (AvmTransaction t : p.group()) {
            if (p.feePayerIndexes().contains(t.index())) {
                FeePayerKey key = chain.feePayer().orElseThrow();
                byte[] txn = t.txnBytes();
                out.add(AvmCodec.signedEnvelope(key.signTransaction(txn), txn));
            } else {
                out.add(t.element());
            }
        }
        return out;
    }

    /**
     * The group can only be committed while every transaction is valid: from the largest first-valid
     * to the smallest last-valid round. The next round the node would evaluate is lastRound + 1.
     */
    private static Optional<Refused> roundWindow(Passed p, long lastRound) {
        long next = lastRound + 1;
        if (p.lastValid() < next) {
            return Optional.of(new Refused(ReasonCode.INVALID_EXACT_AVM_TRANSACTION_EXPIRED, "the group was valid until"
                    + " round " + p.lastValid() + "; the network is at round " + lastRound, p.payer()));
        }
        if (p.firstValid() > next + NOT_YET_VALID_SLACK) {
            return Optional.of(new Refused(ReasonCode.INVALID_EXACT_AVM_TRANSACTION_NOT_YET_VALID, "the group is valid"
                    + " from round " + p.firstValid() + "; the network is at round " + lastRound, p.payer()));
        }
        return Optional.empty();
    }

    /**
     * Announces the fee payer's fees, submits, tells the listener the payment's TxID once a node has
     * the group, then waits for it; the fee is reported paid once the chain decided (zero when the
     * group was refused or will never commit).
     */
    private Uni<SettleResponse> submit(Chain chain, Ready ready, BroadcastListener listener) {
        Passed p = ready.passed();
        String txId = p.payment().txId();
        NetworkFee fee = new NetworkFee(chain.caip2(), feePayerFees(p));
        return listener.beforeBroadcast(fee)
                .chain(() -> chain.algod().submit(AvmCodec.concat(ready.signed()), txId))
                .onFailure(AlgodClient.SubmitOutcomeUnknownException.class).recoverWithUni(e -> listener.broadcast(txId)
                        .chain(() -> Uni.createFrom().<AlgodClient.Submitted>failure(new ConfirmationPendingException(
                                txId, "the payment group " + txId + " may have reached a node (" + e.getMessage()
                                        + "); its outcome is not known yet", e))))
                .chain(submitted -> switch (submitted) {
                    case AlgodClient.Submitted.Refused r -> Uni.createFrom().item(SettleResponse.failure(
                            ReasonCode.INVALID_EXACT_AVM_SETTLEMENT_FAILED, "algod refused the group: " + r.message(),
                            p.payer(), chain.caip2(), txId));
                    case AlgodClient.Submitted.Accepted a -> listener.broadcast(txId)
                            .chain(() -> confirm(chain, p, txId, false));
                    case AlgodClient.Submitted.AlreadyKnown k -> listener.broadcast(txId)
                            .chain(() -> confirm(chain, p, txId, k.message().toLowerCase(java.util.Locale.ROOT)
                                    .contains("ledger")));
                })
                .call(result -> feePaid(listener, result.success() ? fee : new NetworkFee(fee.network(),
                        BigInteger.ZERO)));
    }

    /** What the fee payer pays when the group commits: the fees of its own transactions in it. */
    private static BigInteger feePayerFees(Passed p) {
        BigInteger total = BigInteger.ZERO;
        for (int i : p.feePayerIndexes()) {
            total = total.add(AvmFields.amount(p.group().get(i).txn().fee));
        }
        return total;
    }

    /** The chain has decided; failing to book the fee must not change what the payer is told. */
    private static Uni<Void> feePaid(BroadcastListener listener, NetworkFee fee) {
        return listener.feePaid(fee).onFailure().recoverWithItem(e -> {
            LOG.errorf(e, "fee %s on %s could not be booked", fee.amount(), fee.network());
            return null;
        });
    }

    /**
     * Waits up to confirmation-rounds rounds for the payment transaction (status + pending/{txid} on
     * one node, then wait-for-block-after). Nodes that cannot be reached meanwhile decide nothing: the
     * wait goes on, asking again every second, until (confirmation-rounds + 2) × block-wait-timeout
     * have passed, the longest a quiet chain could keep it waiting anyway.
     */
    private Uni<SettleResponse> confirm(Chain chain, Passed p, String txId, boolean nodeSaidInLedger) {
        int rounds = chain.config().confirmationRounds();
        long giveUpAt = System.nanoTime() + chain.config().blockWaitTimeout().multipliedBy(rounds + 2L).toNanos();
        // with every node away right after the submit, the group cannot have been committed before its first round
        return chain.algod().lastRound()
                .onFailure(SchemeUnavailableException.class).recoverWithItem(Math.max(0, p.firstValid() - 1))
                .chain(start -> poll(chain, p, txId, nodeSaidInLedger, start, start + rounds, rounds + 2, giveUpAt));
    }

    private Uni<SettleResponse> poll(Chain chain, Passed p, String txId, boolean nodeSaidInLedger, long round,
            long deadline, int pollsLeft, long giveUpAt) {
        return chain.algod().sighting(txId)
                .onFailure(SchemeUnavailableException.class).recoverWithNull()
                .chain(seen -> {
                    if (seen == null) {
                        return unreachable(chain, txId, giveUpAt).chain(() -> poll(chain, p, txId, nodeSaidInLedger,
                                round, deadline, pollsLeft, giveUpAt));
                    }
                    long at = Math.max(round, seen.lastRound());
                    switch (seen.pending()) {
                        case AlgodClient.Pending.Confirmed c -> {
                            return Uni.createFrom().item(SettleResponse.success(p.payer(), chain.caip2(), txId));
                        }
                        case AlgodClient.Pending.Rejected r -> {
                            return Uni.createFrom().item(SettleResponse.failure(
                                    ReasonCode.INVALID_EXACT_AVM_CONFIRMATION_FAILED, "the node dropped the group: "
                                            + r.poolError(), p.payer(), chain.caip2(), txId));
                        }
                        case AlgodClient.Pending.NotFound n when nodeSaidInLedger -> {
                            // "already in ledger" for any transaction of an atomic group means the whole group was committed
                            return Uni.createFrom().item(SettleResponse.success(p.payer(), chain.caip2(), txId));
                        }
                        case AlgodClient.Pending.NotFound n when seen.lastRound() > p.lastValid() -> {
                            // the same node's round: one that lags behind cannot call a committed group lost
                            return Uni.createFrom().item(SettleResponse.failure(
                                    ReasonCode.INVALID_EXACT_AVM_CONFIRMATION_FAILED, "the group was not committed by its"
                                            + " last valid round " + p.lastValid(), p.payer(), chain.caip2(), txId));
                        }
                        default -> {
                            if (at >= deadline || pollsLeft <= 0) {
                                return Uni.createFrom().failure(new ConfirmationPendingException(txId, "payment " + txId
                                        + " was not confirmed within " + chain.config().confirmationRounds() + " rounds",
                                        null));
                            }
                            return chain.algod().waitForBlockAfter(at)
                                    .onFailure(SchemeUnavailableException.class).recoverWithUni(() ->
                                            unreachable(chain, txId, giveUpAt).replaceWith(at))
                                    .chain(next -> poll(chain, p, txId, nodeSaidInLedger, Math.max(next, at), deadline,
                                            pollsLeft - 1, giveUpAt));
                        }
                    }
                });
    }

    /** A pause before asking unreachable nodes again, or the end of the wait once it has lasted long enough. */
    private static Uni<Void> unreachable(Chain chain, String txId, long giveUpAt) {
        if (System.nanoTime() - giveUpAt > 0) {
            return Uni.createFrom().failure(new ConfirmationPendingException(txId, "no algod node of " + chain.caip2()
                    + " could be asked about payment " + txId + " while waiting for its confirmation", null));
        }
        Duration pause = chain.config().blockWaitTimeout().compareTo(UNREACHABLE_PAUSE) < 0
                ? chain.config().blockWaitTimeout() : UNREACHABLE_PAUSE;
        return Uni.createFrom().voidItem().onItem().delayIt().by(pause);
    }

    private Chain chain(PaymentRequirements req) {
        Chain chain = req == null ? null : chains.get(req.network());
        if (chain == null) {
            // the registry only routes supported networks here; reaching this is a wiring bug
            throw new IllegalArgumentException("exact AVM scheme not configured for "
                    + (req == null ? null : req.network()));
        }
        return chain;
    }

    /** The fee payer's address on a network, if it has one. */
    Optional<String> feePayerAddress(String network) {
        Chain c = chains.get(network);
        return c == null ? Optional.empty() : c.feePayer().map(FeePayerKey::address);
    }

    /** The algod client of a network (tests read breaker states). */
    Optional<AlgodClient> algod(String network) {
        return Optional.ofNullable(chains.get(network)).map(Chain::algod);
    }

    @PreDestroy
    @Override
    public void close() {
        chains.values().forEach(c -> c.algod().close());
    }

    @Override
    public String toString() {
        return "ExactAvmScheme" + chains.keySet();
    }
}
