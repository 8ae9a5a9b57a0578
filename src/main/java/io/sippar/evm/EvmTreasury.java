package io.sippar.evm;

import io.sippar.scheme.SchemeUnavailableException;
import io.sippar.scheme.TreasuryChain;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionDecoder;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.crypto.transaction.type.Transaction1559;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * The treasury on each EVM network that configures one: a SipparDisburser contract (chain-fixtures/evm)
 * holding the tokens, owned by the treasury key, which signs {@code disburse} transactions and pays
 * their gas. The treasury key has its own nonce sequence, apart from the settlement keys, and only the
 * payout job signs with it, one transaction at a time per network; the nonce of a payout is chosen when
 * it is signed and stored with it, so every later version (a re-send, a re-priced replacement) uses that
 * same nonce and at most one of them can ever execute.
 */
@ApplicationScoped
public class EvmTreasury implements TreasuryChain, AutoCloseable {

    /** Posting asset suffix of the native coin (gas). */
    static final String NATIVE = "native";

    private record Chain(Treasury treasury, long chainId, EvmRpc rpc, Credentials key, EvmConfig.NetworkConfig config,
            EvmConfig.TreasuryConfig treasuryConfig) {
    }

    private final Map<String, Chain> chains;

    @Inject
    public EvmTreasury(EvmConfig config) {
        Map<String, Chain> map = new LinkedHashMap<>();
        config.networks().forEach((alias, n) -> n.treasury().ifPresent(t -> {
            String network = io.sippar.x402.Network.evm(n.chainId()).caip2();
            String prefix = "sippar.evm.networks." + alias + ".treasury.";
            Credentials key = Credentials.create(key(prefix, t));
            String signer = Keys.toChecksumAddress(key.getAddress());
            if (!t.address().matches("^0x[0-9a-fA-F]{40}$")) {
                throw new IllegalArgumentException(prefix + "address must be the SipparDisburser contract's address");
            }
            settlementAddress(alias, n).filter(s -> s.equalsIgnoreCase(signer)).ifPresent(s -> {
                // one key, one nonce sequence: payouts and settlements would take each other's nonces
                throw new IllegalArgumentException(prefix + "key is the network's settlement key; the treasury"
                        + " needs a key of its own");
            });
            if (t.maxTransfers() < 1 || t.maxTransfers() > 500) {
                throw new IllegalArgumentException(prefix + "max-transfers must be between 1 and 500");
            }
            EvmRpc rpc = new EvmRpc(network, n.rpcUrls(), n.rpcTimeout(), n.breakerFailureThreshold(), n.breakerDelay());
            Treasury treasury = new Treasury(network, Keys.toChecksumAddress(t.address()), signer,
                    network + ":" + NATIVE, t.maxTransfers());
            map.put(network, new Chain(treasury, n.chainId(), rpc, key, n, t));
        }));
        this.chains = java.util.Collections.unmodifiableMap(map);
    }

    private static String key(String prefix, EvmConfig.TreasuryConfig t) {
        if (t.key().isPresent() && t.keyFile().isPresent()) {
            throw new IllegalArgumentException(prefix + "key and key-file: set only one");
        }
        String raw = t.key().orElseGet(() -> t.keyFile().map(path -> {
            try {
                return Files.readString(path);
            } catch (IOException e) {
                // the path is not secret; the content never appears in messages
                throw new UncheckedIOException(prefix + "key-file unreadable: " + path, e);
            }
        }).orElseThrow(() -> new IllegalArgumentException(prefix + "key or key-file is required")));
        String hex = raw.strip();
        if (!hex.matches("^(0x)?[0-9a-fA-F]{64}$")) {
            throw new IllegalArgumentException(prefix + "key must be 32 bytes of hex");
        }
        return hex;
    }

    private static Optional<String> settlementAddress(String alias, EvmConfig.NetworkConfig n) {
        Optional<String> key = n.settlementKey().map(String::strip).or(() -> n.settlementKeyFile().map(path -> {
            try {
                return Files.readString(path).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("sippar.evm.networks." + alias + ".settlement-key-file unreadable: "
                        + path, e);
            }
        }));
        return key.map(k -> Credentials.create(k).getAddress());
    }

    @Override
    public List<Treasury> treasuries() {
        return chains.values().stream().map(Chain::treasury).toList();
    }

    private Chain chain(String network) {
        Chain c = chains.get(network);
        if (c == null) {
            throw new IllegalArgumentException("no EVM treasury on " + network);
        }
        return c;
    }

    @Override
    public Uni<BigInteger> balance(String network, String asset) {
        Chain c = chain(network);
        org.web3j.abi.datatypes.Function f = TokenAbi.balanceOf(c.treasury().address());
        return call(c, c.treasury().address(), asset, TokenAbi.encode(f)).map(r -> {
            BigInteger b = r.hasError() ? null : TokenAbi.asBigInteger(TokenAbi.decodeSingle(f, r.getValue()));
            if (b == null) {
                throw new SchemeUnavailableException("balanceOf on " + asset + " answered "
                        + (r.hasError() ? r.getError().getMessage() : r.getValue()), 5, null);
            }
            return b;
        });
    }

    /** The native coin the treasury key holds for gas, in wei. */
    public Uni<BigInteger> gasBalance(String network) {
        Chain c = chain(network);
        return c.rpc().read("eth_getBalance", w -> w.ethGetBalance(c.treasury().signer(),
                DefaultBlockParameterName.LATEST)).map(r -> ok(r, "eth_getBalance").getBalance());
    }

    @Override
    public Optional<String> invalidAddress(String network, String address) {
        if (address == null || !address.matches("^0x[0-9a-fA-F]{40}$")) {
            return Optional.of("an EVM address is 0x and 40 hex digits");
        }
        boolean mixed = !address.substring(2).equals(address.substring(2).toLowerCase(Locale.ROOT))
                && !address.substring(2).equals(address.substring(2).toUpperCase(Locale.ROOT));
        if (mixed && !Keys.toChecksumAddress(address).equals(address)) {
            return Optional.of("the address's EIP-55 checksum is wrong (a mistyped address?)");
        }
        if (new BigInteger(address.substring(2), 16).signum() == 0) {
            return Optional.of("the zero address cannot receive payouts");
        }
        Chain c = chains.get(network);
        if (c != null && (c.treasury().address().equalsIgnoreCase(address)
                || c.treasury().signer().equalsIgnoreCase(address))) {
            return Optional.of("the treasury cannot pay itself");
        }
        return Optional.empty();
    }

    /** A zero-value transfer from the treasury to {@code address}: a token's blacklist (or pause) refuses it. */
    @Override
    public Uni<Optional<String>> cannotReceive(String network, String asset, String address) {
        Chain c = chain(network);
        return call(c, c.treasury().address(), asset, DisburserAbi.transfer(address, BigInteger.ZERO))
                .map(r -> r.hasError() ? Optional.of(Settler.revertMessage(r.getError())) : Optional.<String>empty());
    }

    @Override
    public Uni<Prepared> prepare(String network, String asset, UUID batch, List<Transfer> transfers) {
        Chain c = chain(network);
        return simulate(c, asset, batch, transfers, new ArrayList<>(), 0).chain(p -> {
            if (p.included().isEmpty()) {
                return Uni.createFrom().item(p);
            }
            String data = DisburserAbi.disburse(asset, batch, p.included());
            return estimateGas(c, data).chain(gas -> marketFees(c).chain(fees -> pendingNonce(c).map(nonce -> {
                Signed signed = sign(c, nonce, gas, fees, data);
                return new Prepared(nonce, signed, p.included(), p.leftOut(),
                        p.included().stream().map(t -> signed.txId()).toList());
            })));
        });
    }

    /**
     * eth_call of the batch from the treasury key: the transfers the token would refuse are left out
     * (with the token's own revert reason) and the rest simulated again, since one transfer less can
     * change the next one's outcome (the balance).
     */
    private Uni<Prepared> simulate(Chain c, String asset, UUID batch, List<Transfer> transfers, List<LeftOut> leftOut,
            int round) {
        if (transfers.isEmpty()) {
            return Uni.createFrom().item(new Prepared(-1, null, List.of(), List.copyOf(leftOut), List.of()));
        }
        String data = DisburserAbi.disburse(asset, batch, transfers);
        return call(c, c.treasury().signer(), c.treasury().address(), data).chain(r -> {
            if (r.hasError()) {
                // the whole call reverts: not the owner, no code at the token... nothing would move
                throw new SchemeUnavailableException("disburse on " + c.treasury().network() + " reverts in simulation: "
                        + Settler.revertMessage(r.getError()), 60, null);
            }
            List<Boolean> paid = DisburserAbi.decodePaid(r.getValue());
            List<Transfer> failing = new ArrayList<>();
            List<Transfer> passing = new ArrayList<>();
            for (int i = 0; i < transfers.size(); i++) {
                (i < paid.size() && paid.get(i) ? passing : failing).add(transfers.get(i));
            }
            if (failing.isEmpty() || round >= 3) {
                failing.forEach(t -> leftOut.add(new LeftOut(t.position(), "the simulation refused the transfer")));
                return Uni.createFrom().item(new Prepared(-1, null, passing, List.copyOf(leftOut), List.of()));
            }
            return reasons(c, asset, failing).chain(why -> {
                for (Transfer t : failing) {
                    leftOut.add(new LeftOut(t.position(), why.get(t.position())));
                }
                return simulate(c, asset, batch, passing, leftOut, round + 1);
            });
        });
    }

    /** Why each transfer fails: the token's revert message for that transfer alone. */
    private Uni<Map<Integer, String>> reasons(Chain c, String asset, List<Transfer> failing) {
        List<Uni<Map.Entry<Integer, String>>> calls = failing.stream().map(t -> call(c, c.treasury().address(), asset,
                        DisburserAbi.transfer(t.to(), t.amount()))
                .map(r -> Map.entry(t.position(), r.hasError() ? Settler.revertMessage(r.getError())
                        : "the token refused the transfer"))).toList();
        return Uni.join().all(calls).andFailFast().map(list -> {
            Map<Integer, String> out = new HashMap<>();
            list.forEach(e -> out.put(e.getKey(), e.getValue()));
            return out;
        });
    }

    private Uni<BigInteger> estimateGas(Chain c, String data) {
        Transaction call = Transaction.createEthCallTransaction(c.treasury().signer(), c.treasury().address(), data);
        return c.rpc().read("eth_estimateGas", w -> w.ethEstimateGas(call)).map(r -> {
            if (r.hasError()) {
                throw new SchemeUnavailableException("eth_estimateGas of a payout on " + c.treasury().network()
                        + " answered " + r.getError().getMessage(), 5, null);
            }
            // headroom: the estimate is for the state now, the block may differ a little
            return r.getAmountUsed().multiply(BigInteger.valueOf(13)).divide(BigInteger.TEN);
        });
    }

    private Uni<Settler.Fees> marketFees(Chain c) {
        Uni<BigInteger> base = c.rpc().read("eth_getBlockByNumber",
                        w -> w.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false))
                .map(r -> {
                    var block = ok(r, "eth_getBlockByNumber").getBlock();
                    return block == null || block.getBaseFeePerGasRaw() == null ? BigInteger.ZERO
                            : block.getBaseFeePerGas();
                });
        Uni<BigInteger> priority = c.rpc().read("eth_maxPriorityFeePerGas", w -> w.ethMaxPriorityFeePerGas())
                .map(r -> r.hasError() || r.getMaxPriorityFeePerGas() == null ? Settler.PRIORITY_FALLBACK
                        : r.getMaxPriorityFeePerGas());
        return Uni.combine().all().unis(base, priority).asTuple()
                .map(t -> capped(c, new Settler.Fees(t.getItem2(), t.getItem1().shiftLeft(1).add(t.getItem2()))));
    }

    private static Settler.Fees capped(Chain c, Settler.Fees f) {
        BigInteger cap = BigInteger.valueOf(c.config().maxFeeCap()).multiply(BigInteger.TEN.pow(9));
        BigInteger max = f.maxFeePerGas().min(cap);
        return new Settler.Fees(f.maxPriorityFeePerGas().min(max), max);
    }

    private Uni<Long> pendingNonce(Chain c) {
        return c.rpc().read("eth_getTransactionCount",
                        w -> w.ethGetTransactionCount(c.treasury().signer(), DefaultBlockParameterName.PENDING))
                .map(r -> ok(r, "eth_getTransactionCount").getTransactionCount().longValueExact());
    }

    private static Signed sign(Chain c, long nonce, BigInteger gas, Settler.Fees fees, String data) {
        RawTransaction tx = RawTransaction.createTransaction(c.chainId(), BigInteger.valueOf(nonce), gas,
                c.treasury().address(), BigInteger.ZERO, data, fees.maxPriorityFeePerGas(), fees.maxFeePerGas());
        String raw = Numeric.toHexString(TransactionEncoder.signMessage(tx, c.chainId(), c.key()));
        return new Signed(EvmRpc.txHash(raw), Numeric.hexStringToByteArray(raw));
    }

    @Override
    public Uni<Optional<String>> send(String network, Signed signed) {
        Chain c = chain(network);
        return c.rpc().sendRaw(Numeric.toHexString(signed.bytes())).map(r -> {
            if (!r.hasError() || Settler.alreadyKnown(r.getError()) || Settler.nonceTooLow(r.getError())) {
                // "nonce too low": a version of this payout (or, wrongly, something else) was mined; status decides
                return Optional.<String>empty();
            }
            return Optional.of(r.getError().getMessage());
        });
    }

    @Override
    public Uni<Status> status(String network, Unfinished payout) {
        Chain c = chain(network);
        return receipt(c, payout.versions(), payout.versions().size() - 1).chain(found -> {
            if (found.isPresent()) {
                return Uni.createFrom().item(executed(c, payout, found.get()));
            }
            return minedNonce(c).chain(mined -> {
                if (mined <= payout.sequence()) {
                    return Uni.createFrom().item((Status) new Pending("nonce " + payout.sequence()
                            + " not mined yet (the treasury key's mined count is " + mined + ")"));
                }
                // the nonce passed: one of our versions should have a receipt by now; ask once more (a race
                // with the block that mined it) before calling it undecidable
                return receipt(c, payout.versions(), payout.versions().size() - 1).map(again -> again
                        .map(r -> executed(c, payout, r))
                        .orElseGet(() -> new Undecidable("nonce " + payout.sequence() + " of " + c.treasury().signer()
                                + " was used, but no version of this payout (" + payout.versions().stream()
                                        .map(Signed::txId).toList() + ") has a receipt: the treasury key was used"
                                + " elsewhere, or the node has pruned the receipt")));
            });
        });
    }

    private Uni<Optional<TransactionReceipt>> receipt(Chain c, List<Signed> versions, int index) {
        if (index < 0) {
            return Uni.createFrom().item(Optional.empty());
        }
        String hash = versions.get(index).txId();
        return c.rpc().read("eth_getTransactionReceipt", w -> w.ethGetTransactionReceipt(hash))
                .chain(r -> {
                    if (r.hasError()) {
                        throw new SchemeUnavailableException("eth_getTransactionReceipt answered "
                                + r.getError().getMessage(), 5, null);
                    }
                    return r.getTransactionReceipt().isPresent() ? Uni.createFrom().item(r.getTransactionReceipt())
                            : receipt(c, versions, index - 1);
                });
    }

    private Uni<Long> minedNonce(Chain c) {
        return c.rpc().read("eth_getTransactionCount",
                        w -> w.ethGetTransactionCount(c.treasury().signer(), DefaultBlockParameterName.LATEST))
                .map(r -> ok(r, "eth_getTransactionCount").getTransactionCount().longValueExact());
    }

    /** A mined version: per transfer what the disburser's events say; a reverted transaction moved nothing. */
    private static Status executed(Chain c, Unfinished payout, TransactionReceipt r) {
        BigInteger gasUsed = r.getGasUsed();
        String price = r.getEffectiveGasPrice();
        BigInteger fee = gasUsed.multiply(price == null || price.isEmpty() ? BigInteger.ZERO
                : Numeric.decodeQuantity(price));
        Map<Integer, Boolean> paid = new HashMap<>();
        Map<Integer, String> failures = new HashMap<>();
        if (!r.isStatusOK()) {
            for (int i = 0; i < payout.transfers(); i++) {
                paid.put(i, false);
                failures.put(i, "the payout transaction reverted");
            }
            return new Executed(r.getTransactionHash(), paid, failures, fee);
        }
        DisburserAbi.outcomes(r.getLogs(), c.treasury().address(), payout.batch(), paid, failures);
        for (int i = 0; i < payout.transfers(); i++) {
            if (!paid.containsKey(i)) {
                // a receipt without the event for a transfer it carried: moved nothing that we can prove
                paid.put(i, false);
                failures.put(i, "no Disbursed event for this transfer in " + r.getTransactionHash());
            }
        }
        return new Executed(r.getTransactionHash(), paid, failures, fee);
    }

    @Override
    public Uni<Optional<Signed>> replacement(String network, Unfinished payout, UUID batch, List<Transfer> included) {
        Chain c = chain(network);
        if (payout.lastSent() != null
                && Duration.between(payout.lastSent(), Instant.now()).compareTo(c.treasuryConfig().stuckAfter()) < 0) {
            return Uni.createFrom().item(Optional.empty());
        }
        Signed last = payout.versions().get(payout.versions().size() - 1);
        RawTransaction previous = TransactionDecoder.decode(Numeric.toHexString(last.bytes()));
        if (!(previous.getTransaction() instanceof Transaction1559 t)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return marketFees(c).map(market -> {
            Settler.Fees bumped = capped(c, new Settler.Fees(
                    Settler.bump(t.getMaxPriorityFeePerGas()).max(market.maxPriorityFeePerGas()),
                    Settler.bump(t.getMaxFeePerGas()).max(market.maxFeePerGas())));
            if (bumped.maxFeePerGas().compareTo(t.getMaxFeePerGas()) <= 0) {
                return Optional.<Signed>empty();
            }
            // the same call at the same nonce: whichever version is mined, the payout executes once
            return Optional.of(sign(c, payout.sequence(), t.getGasLimit(), bumped, t.getData()));
        });
    }

    private static Uni<EthCall> call(Chain c, String from, String to, String data) {
        Transaction tx = Transaction.createEthCallTransaction(from, to, data);
        return c.rpc().read("eth_call", w -> w.ethCall(tx, DefaultBlockParameterName.LATEST));
    }

    private static <R extends Response<?>> R ok(R r, String method) {
        if (r.hasError()) {
            throw new SchemeUnavailableException(method + " answered " + r.getError().getMessage(), 5, null);
        }
        return r;
    }

    @PreDestroy
    @Override
    public void close() {
        chains.values().forEach(c -> c.rpc().close());
    }

    @Override
    public String toString() {
        // never the key
        return "EvmTreasury" + chains.keySet();
    }
}
