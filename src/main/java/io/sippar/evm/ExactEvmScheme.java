package io.sippar.evm;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sippar.evm.Verdict.NeedsContractSignatureCheck;
import io.sippar.evm.Verdict.PassedOffline;
import io.sippar.evm.Verdict.Refused;
import io.sippar.scheme.BroadcastListener;
import io.sippar.scheme.ChainNodes;
import io.sippar.scheme.ChainStatus;
import io.sippar.scheme.KeyLease;
import io.sippar.scheme.LeasedKeys;
import io.sippar.scheme.PaymentIdentity;
import io.sippar.scheme.PaymentScheme;
import io.sippar.scheme.SchemeUnavailableException;
import io.sippar.scheme.UnfinishedPayment;
import io.sippar.x402.Network;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.SettleResponse;
import io.sippar.x402.SupportedKind;
import io.sippar.x402.VerifyResponse;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;
import org.web3j.abi.datatypes.Function;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;

/**
 * The x402 {@code exact} scheme on every configured EVM network (EIP-3009 path): offline checks,
 * then ERC-1271 and an {@code eth_call} simulation in verify; settlement through the network's
 * {@link Settler}. ERC-6492-wrapped signatures (wallets not deployed yet) are refused with
 * {@code invalid_exact_evm_signature}: deploying wallets on a payer's behalf is not supported.
 *
 * <p>A network may have several settlement keys; this process settles from the one it holds a lease
 * on ({@link LeasedKeys}, handed out by {@code ops.SettlementKeyLeases}), and from none while it holds
 * none: such payments are refused before they are reserved ({@link #settlementUnavailable}).
 */
@ApplicationScoped
public class ExactEvmScheme implements PaymentScheme, LeasedKeys, ChainNodes, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ExactEvmScheme.class);
    private static final String ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
    private static final int NO_KEY_RETRY_AFTER_SECONDS = 60;

    /**
     * Everything one network needs at run time; {@code settler} signs with the key held now (null: none),
     * {@code batcher} when its settlements are batched.
     */
    record Chain(String caip2, EvmConfig.NetworkConfig config, EvmRpc rpc, List<Credentials> keys,
            AtomicReference<Settler> settler, Settler.GasMeter gas, Optional<SettlementBatcher> batcher) {

        Optional<Settler> active() {
            return Optional.ofNullable(settler.get());
        }
    }

    private final Map<String, Chain> chains;
    private final Clock clock;
    /** Tokens seen to have code, per network; only positive answers are cached. */
    private final Map<String, Boolean> deployedAssets = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The gateway's bean: keys are used only once the lease manager hands one out ({@link #use}), and
     * gas spent is metered into {@code registry}.
     */
    @Inject
    public ExactEvmScheme(EvmConfig config, MeterRegistry registry) {
        this(config, Clock.systemUTC(), registry, false);
    }

    /** For tests and tools: the first key of each network is used at once, without a lease. */
    public ExactEvmScheme(EvmConfig config) {
        this(config, Clock.systemUTC());
    }

    /** For tests and tools: {@code clock} is the wall clock verify and settle check validity against. */
    public ExactEvmScheme(EvmConfig config, Clock clock) {
        this(config, clock, null, true);
    }

    private ExactEvmScheme(EvmConfig config, Clock clock, MeterRegistry registry, boolean useFirstKeys) {
        this.clock = clock;
        Map<String, Chain> map = new LinkedHashMap<>();
        config.networks().forEach((alias, n) -> {
            String caip2 = Network.evm(n.chainId()).caip2();
            if (map.containsKey(caip2)) {
                throw new IllegalStateException("sippar.evm.networks: chain " + n.chainId() + " configured twice");
            }
            List<Credentials> keys = SettlementKeys.load(alias, n);
            EvmRpc rpc = new EvmRpc(caip2, n.rpcUrls(), n.rpcTimeout(), n.breakerFailureThreshold(),
                    n.breakerDelay());
            Optional<SettlementBatcher> batcher = n.batch().enabled()
                    ? Optional.of(new SettlementBatcher(caip2, rpc, n.batch(), n.pollInterval())) : Optional.empty();
            map.put(caip2, new Chain(caip2, n, rpc, keys, new AtomicReference<>(), gasMeter(registry, caip2, n),
                    batcher));
        });
        // configuration order, so /supported lists networks the same way every time
        this.chains = java.util.Collections.unmodifiableMap(map);
        if (useFirstKeys) {
            chains.values().forEach(c -> c.keys().stream().findFirst()
                    .ifPresent(k -> use(KeyLease.unbounded(c.caip2(), address(k)))));
        }
    }

    /**
     * {@code sippar_gas_spent_native_total{network}} in whole coins (ETH), and with a configured rate
     * {@code sippar_gas_spent_usd_total{network}}; metrics are floating point by nature, the exact
     * amounts are the chain's.
     */
    private static Settler.GasMeter gasMeter(MeterRegistry registry, String network, EvmConfig.NetworkConfig n) {
        if (registry == null) {
            return Settler.GasMeter.NONE;
        }
        Counter nativeUnits = Counter.builder("sippar.gas.spent.native").tag("network", network)
                .description("Network fees the gateway paid to settle, in the native coin (ETH)").register(registry);
        Optional<Counter> usd = n.nativeUsdRate().map(rate -> Counter.builder("sippar.gas.spent.usd")
                .tag("network", network).description("Network fees the gateway paid to settle, in US dollars at "
                        + "the configured native-usd-rate").register(registry));
        return wei -> {
            BigDecimal coins = new BigDecimal(wei).movePointLeft(18);
            nativeUnits.increment(coins.doubleValue());
            usd.ifPresent(c -> c.increment(coins.multiply(n.nativeUsdRate().orElseThrow()).doubleValue()));
        };
    }

    private static String address(Credentials c) {
        return org.web3j.crypto.Keys.toChecksumAddress(c.getAddress());
    }

    @Override
    public String scheme() {
        return ExactEvmChecks.SCHEME;
    }

    /** The settler asks before every broadcast and reports gas used × effective gas price after. */
    @Override
    public boolean announcesFees() {
        return true;
    }

    @Override
    public boolean supports(String network) {
        return network != null && chains.containsKey(network);
    }

    @Override
    public List<SupportedKind> kinds() {
        List<SupportedKind> kinds = new ArrayList<>();
        for (Chain c : chains.values()) {
            kinds.add(new SupportedKind(2, scheme(), c.caip2(), null));
            Network.evm(c.config().chainId()).v1Name()
                    .ifPresent(v1 -> kinds.add(new SupportedKind(1, scheme(), v1, null)));
        }
        return kinds;
    }

    /** Every configured settlement address: whichever pod answers, one of these settles. */
    @Override
    public Map<String, List<String>> signers() {
        List<String> addresses = chains.values().stream().flatMap(c -> c.keys().stream())
                .map(ExactEvmScheme::address).distinct().toList();
        return addresses.isEmpty() ? Map.of() : Map.of("eip155:*", addresses);
    }

    @Override
    public Optional<String> settlementUnavailable(String network) {
        Chain c = chains.get(network);
        if (c == null) {
            return Optional.empty();
        }
        if (c.keys().isEmpty()) {
            return Optional.of("no settlement key is configured for " + network);
        }
        Settler s = c.settler().get();
        if (s == null) {
            return Optional.of("none of the " + c.keys().size() + " settlement keys of " + network
                    + " is leased to this gateway (all in use by other gateways)");
        }
        if (!s.leased()) {
            return Optional.of("the settlement key lease of this gateway on " + network + " has lapsed");
        }
        return Optional.empty();
    }

    @Override
    public Map<String, List<String>> settlementKeys() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        chains.values().forEach(c -> {
            if (!c.keys().isEmpty()) {
                out.put(c.caip2(), c.keys().stream().map(ExactEvmScheme::address).toList());
            }
        });
        return out;
    }

    @Override
    public void use(KeyLease lease) {
        Chain c = chains.get(lease.network());
        Credentials key = c == null ? null : c.keys().stream().filter(k -> address(k).equals(lease.signer()))
                .findFirst().orElse(null);
        if (key == null) {
            throw new IllegalArgumentException("no settlement key " + lease.signer() + " on " + lease.network());
        }
        EvmConfig.NetworkConfig n = c.config();
        Settler settler = new Settler(c.caip2(), n.chainId(), c.rpc(), key, n.receiptTimeout(), n.pollInterval(),
                n.stuckAfter(), n.maxFeeCap(), lease, n.rpcTimeout(), c.gas());
        Settler before = c.settler().getAndSet(settler);
        if (before != null) {
            // its waiters keep polling receipts; it can no longer broadcast
            before.lease().revoke();
        }
        LOG.infof("settling on %s from %s%s", c.caip2(), lease.signer(),
                lease.bounded() ? " (lease epoch " + lease.epoch() + ")" : "");
    }

    @Override
    public void stopUsing(String network) {
        Chain c = chains.get(network);
        Settler before = c == null ? null : c.settler().getAndSet(null);
        if (before != null) {
            before.lease().revoke();
            LOG.infof("stopped settling on %s from %s", network, before.address());
        }
    }

    @Override
    public int settlementsInFlight(String network) {
        Chain c = chains.get(network);
        return c == null ? 0 : c.active().map(Settler::active).orElse(0);
    }

    @Override
    public Duration broadcastMargin(String network) {
        Chain c = chains.get(network);
        return c == null ? Duration.ZERO : c.config().rpcTimeout();
    }

    /** One probe per RPC URL: {@code eth_chainId} straight to the node (no breaker), which must name the configured chain. */
    @Override
    public List<ChainNodes.Node> nodes() {
        List<ChainNodes.Node> out = new ArrayList<>();
        for (Chain c : chains.values()) {
            List<EvmRpc.Endpoint> endpoints = c.rpc().endpoints();
            for (int i = 0; i < endpoints.size(); i++) {
                int index = i;
                out.add(new ChainNodes.Node(c.caip2(), endpoints.get(i).label,
                        () -> c.rpc().probe(index, c.config().chainId())));
            }
        }
        return out;
    }

    @Override
    public PaymentIdentity identify(Payment payment, PaymentRequirements requirements) {
        return ExactEvmChecks.identify(payment, requirements);
    }

    @Override
    public Uni<VerifyResponse> verify(Payment payment, PaymentRequirements req) {
        return Uni.createFrom().deferred(() -> {
            Chain chain = chain(req);
            return checked(payment, req, chain).onItem().transformToUni(v -> {
                if (v instanceof Refused r) {
                    return Uni.createFrom().item(VerifyResponse.invalid(r.reason(), r.message(), r.payer()));
                }
                Passed p = (Passed) v;
                return simulate(chain, p, req);
            });
        });
    }

    @Override
    public Uni<SettleResponse> settle(Payment payment, PaymentRequirements req, BroadcastListener listener) {
        return Uni.createFrom().deferred(() -> {
            Chain chain = chain(req);
            Settler settler = chain.active().orElseThrow(() -> new SchemeUnavailableException(
                    settlementUnavailable(chain.caip2()).orElse("no settlement key for " + chain.caip2()),
                    NO_KEY_RETRY_AFTER_SECONDS, null));
            return checked(payment, req, chain).onItem().transformToUni(v -> {
                if (v instanceof Refused r) {
                    return Uni.createFrom().item(SettleResponse.failure(r.reason(), r.message(), r.payer(),
                            req.network(), ""));
                }
                Passed p = (Passed) v;
                String data = TokenAbi.transferWithAuthorization(p.payload().authorization(),
                        p.payload().signatureBytes());
                String token = p.domain().verifyingContract();
                Uni<Settler.Outcome> submitted = chain.batcher()
                        .map(b -> b.submit(settler, token, data, p.payload().authorization(), listener))
                        .orElseGet(() -> settler.submit(token, data, listener));
                return submitted.map(outcome -> {
                    if (outcome instanceof Settler.Outcome.Mined m) {
                        return m.success()
                                ? SettleResponse.success(p.payer(), req.network(), m.txHash())
                                : SettleResponse.failure(ReasonCode.INVALID_EXACT_EVM_TRANSACTION_FAILED,
                                        "transaction reverted on chain", p.payer(), req.network(), m.txHash());
                    }
                    String reason = ((Settler.Outcome.Reverted) outcome).reason();
                    return SettleResponse.failure(settleRevertReason(reason), reason, p.payer(), req.network(), "");
                });
            });
        });
    }

    /** What the chain says about a payment the gateway did not finish; see {@link SettlementLookup}. */
    @Override
    public Uni<ChainStatus> status(UnfinishedPayment payment) {
        Chain chain = chains.get(payment.network());
        if (chain == null) {
            return Uni.createFrom().item(new ChainStatus.Unknown(payment.network() + " is not configured here"));
        }
        return new SettlementLookup(chain.caip2(), chain.rpc(), chain.config().logBlockRange(),
                chain.config().expiryMargin()).status(payment);
    }

    /** A payment that passed every check up to (not including) the simulation. */
    private record Passed(String payer, ExactEvmPayload payload, Eip712.Domain domain) {
    }

    private Chain chain(PaymentRequirements req) {
        Chain chain = req == null ? null : chains.get(req.network());
        if (chain == null) {
            // the registry only routes supported networks here; reaching this is a wiring bug
            throw new IllegalArgumentException("exact EVM scheme not configured for " + (req == null ? null
                    : req.network()));
        }
        return chain;
    }

    /**
     * Every check short of the simulation, then: the asset must be a contract. A call or transaction
     * to an address without code "succeeds" without moving anything, so a requirement naming a
     * token that does not exist on this chain must never verify or settle.
     */
    private Uni<Object> checked(Payment payment, PaymentRequirements req, Chain chain) {
        return checkedOffline(payment, req, chain).onItem().transformToUni(v -> v instanceof Passed p
                ? assetDeployed(chain, p.domain().verifyingContract()).map(deployed -> deployed ? v
                        : new Refused(ReasonCode.ASSET_NOT_DEPLOYED_CONTRACT, "asset " + p.domain().verifyingContract()
                                + " has no contract code on " + chain.caip2(), p.payer()))
                : Uni.createFrom().item(v));
    }

    private Uni<Boolean> assetDeployed(Chain chain, String asset) {
        String key = chain.caip2() + "|" + asset.toLowerCase(Locale.ROOT);
        if (deployedAssets.containsKey(key)) {
            return Uni.createFrom().item(true);
        }
        return chain.rpc().read("eth_getCode", w -> w.ethGetCode(asset, DefaultBlockParameterName.LATEST))
                .map(code -> {
                    if (code.hasError()) {
                        throw new SchemeUnavailableException("eth_getCode answered " + code.getError().getMessage(),
                                5, null);
                    }
                    String hex = code.getCode();
                    boolean deployed = hex != null && hex.length() > 2 && !hex.equals("0x0");
                    if (deployed) {
                        deployedAssets.put(key, true);
                    }
                    return deployed;
                });
    }

    /** Offline checks, then the on-chain signature check for contract wallets, then the later offline refusals. */
    private Uni<Object> checkedOffline(Payment payment, PaymentRequirements req, Chain chain) {
        ExactEvmChecks.ContractSigners policy = chain.config().contractSigners() == EvmConfig.ContractSigners.ANY_LENGTH
                ? ExactEvmChecks.ContractSigners.ANY_LENGTH : ExactEvmChecks.ContractSigners.LONGER_THAN_65_BYTES;
        Verdict verdict = ExactEvmChecks.check(payment, req, clock.instant().getEpochSecond(), policy);
        return switch (verdict) {
            case Refused r -> Uni.createFrom().item(r);
            case PassedOffline p -> Uni.createFrom().item(new Passed(p.payer(), p.payload(), p.domain()));
            case NeedsContractSignatureCheck n -> contractSignature(chain, n).map(refused -> refused
                    .<Object>map(r -> r)
                    .or(() -> n.laterRefusal().map(r -> r))
                    .orElseGet(() -> new Passed(n.payer(), n.payload(), n.domain())));
        };
    }

    /** ERC-1271 check of a signature that is not the payer's EOA signature; empty = valid. */
    private Uni<Optional<Refused>> contractSignature(Chain chain, NeedsContractSignatureCheck n) {
        String from = n.payer();
        if (TokenAbi.isErc6492(n.payload().signature())) {
            return Uni.createFrom().item(Optional.of(new Refused(ReasonCode.INVALID_EXACT_EVM_SIGNATURE,
                    "ERC-6492 wrapped signatures (undeployed smart wallets) are not supported; deploy the wallet first",
                    from)));
        }
        return chain.rpc().read("eth_getCode", w -> w.ethGetCode(from, DefaultBlockParameterName.LATEST))
                .onItem().transformToUni(codeResp -> {
                    String code = codeResp.hasError() ? null : codeResp.getCode();
                    if (codeResp.hasError()) {
                        return Uni.createFrom().failure(new SchemeUnavailableException(
                                "eth_getCode answered " + codeResp.getError().getMessage(), 5, null));
                    }
                    boolean hasCode = code != null && code.length() > 2 && !"0x".equals(code);
                    if (!hasCode) {
                        return Uni.createFrom().item(Optional.of(n.smartWalletSignature()
                                ? new Refused(ReasonCode.INVALID_EXACT_EVM_PAYLOAD_UNDEPLOYED_SMART_WALLET,
                                        "the signature is a smart-wallet signature but " + from + " has no code", from)
                                : new Refused(ReasonCode.INVALID_EXACT_EVM_SIGNATURE,
                                        "signature is not a valid EIP-712 TransferWithAuthorization signature by "
                                                + from, from)));
                    }
                    Function f = TokenAbi.isValidSignature(n.digest(), n.payload().signatureBytes());
                    return call(chain, ZERO_ADDRESS, from, TokenAbi.encode(f)).map(r -> {
                        boolean valid = !r.hasError() && TokenAbi.isErc1271Magic(r.getValue());
                        return valid ? Optional.<Refused>empty() : Optional.of(new Refused(
                                ReasonCode.INVALID_EXACT_EVM_SIGNATURE,
                                "contract wallet " + from + " did not accept the signature (ERC-1271)", from));
                    });
                });
    }

    /** eth_call of transferWithAuthorization; on a revert, the diagnostics of §3.3 step 13. */
    private Uni<VerifyResponse> simulate(Chain chain, Passed p, PaymentRequirements req) {
        Eip3009Authorization auth = p.payload().authorization();
        String token = p.domain().verifyingContract();
        String from = chain.active().map(Settler::address)
                .or(() -> chain.keys().stream().findFirst().map(ExactEvmScheme::address)).orElse(ZERO_ADDRESS);
        String data = TokenAbi.transferWithAuthorization(auth, p.payload().signatureBytes());
        return call(chain, from, token, data).onItem().transformToUni(sim -> {
            if (!sim.hasError()) {
                return Uni.createFrom().item(VerifyResponse.valid(p.payer()));
            }
            String revert = Settler.revertMessage(sim.getError());
            return diagnose(chain, p, revert);
        });
    }

    private Uni<VerifyResponse> diagnose(Chain chain, Passed p, String revert) {
        Eip3009Authorization auth = p.payload().authorization();
        String token = p.domain().verifyingContract();
        Function stateF = TokenAbi.authorizationState(auth.from(), auth.nonce());
        Function balanceF = TokenAbi.balanceOf(auth.from());
        Function nameF = TokenAbi.name();
        Function versionF = TokenAbi.version();
        // four independent reads in parallel; the answer follows the fixed order below
        return Uni.combine().all().unis(
                        call(chain, ZERO_ADDRESS, token, TokenAbi.encode(stateF)),
                        call(chain, ZERO_ADDRESS, token, TokenAbi.encode(balanceF)),
                        call(chain, ZERO_ADDRESS, token, TokenAbi.encode(nameF)),
                        call(chain, ZERO_ADDRESS, token, TokenAbi.encode(versionF)))
                .asTuple().map(t -> {
                    String payer = p.payer();
                    EthCall state = t.getItem1();
                    Object used = state.hasError() ? null : TokenAbi.decodeSingle(stateF, state.getValue());
                    if (!(used instanceof Boolean)) {
                        return VerifyResponse.invalid(ReasonCode.INVALID_EXACT_EVM_EIP3009_NOT_SUPPORTED,
                                "token " + token + " does not answer authorizationState(address,bytes32)", payer);
                    }
                    if ((Boolean) used) {
                        return VerifyResponse.invalid(ReasonCode.INVALID_EXACT_EVM_NONCE_ALREADY_USED,
                                "authorization nonce " + auth.nonce() + " was already used or canceled", payer);
                    }
                    BigInteger balance = TokenAbi.asBigInteger(t.getItem2().hasError() ? null
                            : TokenAbi.decodeSingle(balanceF, t.getItem2().getValue()));
                    if (balance != null && balance.compareTo(auth.value()) < 0) {
                        return VerifyResponse.invalid(ReasonCode.INVALID_EXACT_EVM_INSUFFICIENT_BALANCE,
                                "balance " + balance + " is below " + auth.value(), payer);
                    }
                    Object name = t.getItem3().hasError() ? null : TokenAbi.decodeSingle(nameF, t.getItem3().getValue());
                    if (name instanceof String s && !s.equals(p.domain().name())) {
                        return VerifyResponse.invalid(ReasonCode.INVALID_EXACT_EVM_TOKEN_NAME_MISMATCH,
                                "token name is \"" + s + "\", requirements say \"" + p.domain().name() + "\"", payer);
                    }
                    Object version = t.getItem4().hasError() ? null
                            : TokenAbi.decodeSingle(versionF, t.getItem4().getValue());
                    if (version instanceof String s && !s.equals(p.domain().version())) {
                        return VerifyResponse.invalid(ReasonCode.INVALID_EXACT_EVM_TOKEN_VERSION_MISMATCH,
                                "token version is \"" + s + "\", requirements say \"" + p.domain().version() + "\"",
                                payer);
                    }
                    return VerifyResponse.invalid(ReasonCode.INVALID_EXACT_EVM_TRANSACTION_SIMULATION_FAILED, revert,
                            payer);
                });
    }

    private static Uni<EthCall> call(Chain chain, String from, String to, String data) {
        Transaction tx = Transaction.createEthCallTransaction(from, to, data);
        return chain.rpc().read("eth_call", w -> w.ethCall(tx, DefaultBlockParameterName.LATEST));
    }

    /** FiatToken v2 revert strings (and the reference's other spellings) to reason codes. */
    static ReasonCode settleRevertReason(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (m.contains("authorization is used") || m.contains("used or canceled") || m.contains("authorizationalreadyused")
                || m.contains("authorizationusedorcanceled")) {
            return ReasonCode.INVALID_EXACT_EVM_NONCE_ALREADY_USED;
        }
        if (m.contains("authorization is expired") || m.contains("valid before")) {
            return ReasonCode.INVALID_EXACT_EVM_PAYLOAD_AUTHORIZATION_VALID_BEFORE;
        }
        if (m.contains("not yet valid") || m.contains("authorizationnotyetvalid")) {
            return ReasonCode.INVALID_EXACT_EVM_PAYLOAD_AUTHORIZATION_VALID_AFTER;
        }
        if (m.contains("exceeds balance") || m.contains("insufficient balance") || m.contains("erc20insufficientbalance")) {
            return ReasonCode.INVALID_EXACT_EVM_INSUFFICIENT_BALANCE;
        }
        if (m.contains("invalid signature") || m.contains("signermismatch")) {
            return ReasonCode.INVALID_EXACT_EVM_SIGNATURE;
        }
        return ReasonCode.INVALID_EXACT_EVM_TRANSACTION_FAILED;
    }

    /** The settler address of a network, if it has a key. */
    Optional<String> settlerAddress(String network) {
        return settler(network).map(Settler::address);
    }

    Optional<Settler> settler(String network) {
        Chain c = chains.get(network);
        return c == null ? Optional.empty() : c.active();
    }

    @PreDestroy
    @Override
    public void close() {
        chains.values().forEach(c -> c.rpc().close());
    }

    @Override
    public String toString() {
        return "ExactEvmScheme" + chains.keySet();
    }
}
