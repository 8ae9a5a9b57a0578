package io.sippar.algorand;

import com.algorand.algosdk.builder.transaction.AssetTransferTransactionBuilder;
import com.algorand.algosdk.crypto.Address;
import com.algorand.algosdk.transaction.SignedTransaction;
import com.algorand.algosdk.transaction.Transaction;
import com.algorand.algosdk.transaction.TxGroup;
import com.algorand.algosdk.util.Encoder;
import io.sippar.scheme.SchemeUnavailableException;
import io.sippar.scheme.TreasuryChain;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The treasury on each Algorand network that configures one: an account opted in to the assets it
 * receives, paying merchants in one atomic group of up to 16 asset transfers, each paying its own fee.
 * A group can only be committed between its first and last valid rounds and is known by its TxIDs, so
 * a payout is decided from the chain alone: committed, still possible (send the same bytes again), or
 * past its last valid round and absent from the node's record of recent rounds, hence never executed.
 */
@ApplicationScoped
public class AvmTreasury implements TreasuryChain, AutoCloseable {

    /** Posting asset suffix of the native coin (fees). */
    static final String NATIVE = "native";
    /** Rounds algod remembers committed transactions for (pending/{txid}); kept well inside. */
    private static final long REMEMBERED_ROUNDS = 1000;
    private static final long REMEMBERED_MARGIN = 100;
    /** An upper bound of one signed axfer's size, for the per-byte fee when the network is congested. */
    private static final long SIGNED_AXFER_BYTES = 300;
    private static final int MAX_GROUP = 16;

    private record Chain(Treasury treasury, AlgorandConfig.TreasuryConfig config, AlgodClient algod, FeePayerKey key) {
    }

    private final Map<String, Chain> chains;

    @Inject
    public AvmTreasury(AlgorandConfig config, Vertx vertx) {
        Map<String, Chain> map = new LinkedHashMap<>();
        config.networks().forEach((alias, n) -> n.treasury().ifPresent(t -> {
            String network = ExactAvmScheme.network(alias, n.network()).caip2();
            String prefix = "sippar.algorand.networks." + alias + ".treasury.";
            FeePayerKey key = key(prefix, t);
            feePayer(alias, n).filter(f -> f.equals(key.address())).ifPresent(f -> {
                // the fee payer signs for strangers' groups on every request; merchants' money needs its own key
                throw new IllegalArgumentException(prefix + "key is the network's fee payer; the treasury needs a"
                        + " key of its own");
            });
            if (t.maxTransfers() < 1 || t.maxTransfers() > MAX_GROUP) {
                throw new IllegalArgumentException(prefix + "max-transfers must be between 1 and " + MAX_GROUP);
            }
            if (t.validityRounds() < 2 || t.validityRounds() > 500) {
                throw new IllegalArgumentException(prefix + "validity-rounds must be between 2 and 500");
            }
            AlgodClient algod = new AlgodClient(vertx, network, n.algodUrls(), n.algodToken(), n.algodTimeout(),
                    n.blockWaitTimeout(), n.breakerFailureThreshold(), n.breakerDelay());
            map.put(network, new Chain(new Treasury(network, key.address(), key.address(), network + ":" + NATIVE,
                    t.maxTransfers()), t, algod, key));
        }));
        this.chains = java.util.Collections.unmodifiableMap(map);
    }

    private static FeePayerKey key(String prefix, AlgorandConfig.TreasuryConfig t) {
        if (t.key().isPresent() && t.keyFile().isPresent()) {
            throw new IllegalArgumentException(prefix + "key and key-file: set only one");
        }
        if (t.key().isPresent()) {
            return FeePayerKey.parse(t.key().get(), prefix + "key");
        }
        return t.keyFile().map(path -> {
            try {
                return FeePayerKey.parse(Files.readString(path), prefix + "key-file (" + path + ")");
            } catch (IOException e) {
                // the path is not secret; the content never appears in messages
                throw new UncheckedIOException(prefix + "key-file unreadable: " + path, e);
            }
        }).orElseThrow(() -> new IllegalArgumentException(prefix + "key or key-file is required"));
    }

    private static Optional<String> feePayer(String alias, AlgorandConfig.NetworkConfig n) {
        String prefix = "sippar.algorand.networks." + alias + ".";
        if (n.feePayerKey().isPresent()) {
            return Optional.of(FeePayerKey.parse(n.feePayerKey().get(), prefix + "fee-payer-key").address());
        }
        if (n.feePayerMnemonic().isPresent()) {
            return Optional.of(FeePayerKey.parse(n.feePayerMnemonic().get(), prefix + "fee-payer-mnemonic").address());
        }
        return n.feePayerKeyFile().map(path -> {
            try {
                return FeePayerKey.parse(Files.readString(path), prefix + "fee-payer-key-file").address();
            } catch (IOException e) {
                throw new UncheckedIOException(prefix + "fee-payer-key-file unreadable: " + path, e);
            }
        });
    }

    @Override
    public List<Treasury> treasuries() {
        return chains.values().stream().map(Chain::treasury).toList();
    }

    private Chain chain(String network) {
        Chain c = chains.get(network);
        if (c == null) {
            throw new IllegalArgumentException("no Algorand treasury on " + network);
        }
        return c;
    }

    private static long assetId(String asset) {
        try {
            return Long.parseUnsignedLong(asset);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("an Algorand asset is an ASA id, not '" + asset + "'");
        }
    }

    @Override
    public Uni<BigInteger> balance(String network, String asset) {
        Chain c = chain(network);
        // a treasury that is not opted in holds nothing of the asset (and cannot receive it)
        return c.algod().assetHolding(c.treasury().address(), assetId(asset)).map(h -> h.orElse(BigInteger.ZERO));
    }

    /** The µAlgo the treasury account holds (for fees and its minimum balance). */
    public Uni<BigInteger> gasBalance(String network) {
        Chain c = chain(network);
        return c.algod().account(c.treasury().address());
    }

    @Override
    public Optional<String> invalidAddress(String network, String address) {
        try {
            new Address(address == null ? "" : address);
        } catch (IllegalArgumentException | java.security.NoSuchAlgorithmException e) {
            return Optional.of("an Algorand address is 58 characters of base32 with a valid checksum");
        }
        Chain c = chains.get(network);
        if (c != null && c.treasury().address().equals(address)) {
            return Optional.of("the treasury cannot pay itself");
        }
        return Optional.empty();
    }

    @Override
    public Uni<Optional<String>> cannotReceive(String network, String asset, String address) {
        Chain c = chain(network);
        return c.algod().assetHolding(address, assetId(asset)).map(h -> h.isPresent() ? Optional.<String>empty()
                : Optional.of("the receiver " + address + " is not opted in to ASA " + asset));
    }

    @Override
    public Uni<Prepared> prepare(String network, String asset, UUID batch, List<Transfer> transfers) {
        Chain c = chain(network);
        if (transfers.size() > c.treasury().maxTransfers()) {
            throw new IllegalArgumentException("at most " + c.treasury().maxTransfers() + " transfers per group");
        }
        List<Uni<Map.Entry<Transfer, Optional<String>>>> checks = transfers.stream()
                .map(t -> cannotReceive(network, asset, t.to()).map(why -> Map.entry(t, why))).toList();
        Uni<List<Map.Entry<Transfer, Optional<String>>>> checked = checks.isEmpty()
                ? Uni.createFrom().item(List.of()) : Uni.join().all(checks).andFailFast();
        return checked.chain(results -> {
            List<LeftOut> leftOut = new ArrayList<>();
            List<Transfer> receivable = new ArrayList<>();
            for (var r : results) {
                if (r.getValue().isPresent()) {
                    leftOut.add(new LeftOut(r.getKey().position(), r.getValue().get()));
                } else {
                    receivable.add(r.getKey());
                }
            }
            return c.algod().params().chain(params -> simulated(c, assetId(asset), batch, params, receivable, leftOut));
        });
    }

    /** Builds, signs and simulates the group; a transfer algod says fails is left out and the rest tried again. */
    private Uni<Prepared> simulated(Chain c, long asset, UUID batch, AlgodClient.Params params, List<Transfer> transfers,
            List<LeftOut> leftOut) {
        if (transfers.isEmpty()) {
            return Uni.createFrom().item(new Prepared(-1, null, List.of(), List.copyOf(leftOut), List.of()));
        }
        Group group = group(c, asset, batch, params, transfers);
        return c.algod().simulateGroup(group.signed()).chain(failure -> {
            if (failure.isEmpty()) {
                return Uni.createFrom().item(new Prepared(group.lastValid(), new Signed(group.txIds().get(0),
                        AvmCodec.concat(group.signed())), transfers, List.copyOf(leftOut), group.txIds()));
            }
            Optional<Integer> at = failure.get().failedAt().filter(i -> i >= 0 && i < transfers.size());
            if (at.isEmpty()) {
                // a fault of the whole group (fees, the treasury's own balance): nothing to leave out, retry later
                return Uni.createFrom().failure(new SchemeUnavailableException("the payout group on "
                        + c.treasury().network() + " fails in simulation: " + failure.get().message(), 60, null));
            }
            List<Transfer> rest = new ArrayList<>(transfers);
            Transfer bad = rest.remove((int) at.get());
            leftOut.add(new LeftOut(bad.position(), failure.get().message()));
            return simulated(c, asset, batch, params, rest, leftOut);
        });
    }

    private record Group(List<byte[]> signed, List<String> txIds, long lastValid) {
    }

    private static Group group(Chain c, long asset, UUID batch, AlgodClient.Params params, List<Transfer> transfers) {
        long firstValid = params.lastRound() + 1;
        long lastValid = firstValid + c.config().validityRounds() - 1;
        long fee = Math.max(params.minFee(), params.feePerByte() * SIGNED_AXFER_BYTES);
        byte[] note = ("sippar-payout:" + batch).getBytes(StandardCharsets.UTF_8);
        Transaction[] txns = new Transaction[transfers.size()];
        for (int i = 0; i < txns.length; i++) {
            Transfer t = transfers.get(i);
            Transaction tx = AssetTransferTransactionBuilder.Builder()
                    .sender(c.treasury().address())
                    .assetReceiver(t.to())
                    .assetAmount(t.amount())
                    .assetIndex(asset)
                    .flatFee(fee)
                    .firstValid(firstValid)
                    .lastValid(lastValid)
                    .genesisID(params.genesisId())
                    .genesisHash(params.genesisHash())
                    .note(note)
                    .build();
            tx.fee = BigInteger.valueOf(fee);
            txns[i] = tx;
        }
        try {
            if (txns.length > 1) {
                TxGroup.assignGroupID(txns);
            }
            List<byte[]> signed = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (Transaction tx : txns) {
                byte[] bytes = Encoder.encodeToMsgPack(tx);
                signed.add(AvmCodec.signedEnvelope(c.key().signTransaction(bytes), bytes));
                ids.add(AvmCodec.txId(bytes));
            }
            return new Group(signed, ids, lastValid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Uni<Optional<String>> send(String network, Signed signed) {
        Chain c = chain(network);
        return c.algod().submit(signed.bytes(), signed.txId()).map(s -> switch (s) {
            case AlgodClient.Submitted.Accepted a -> Optional.<String>empty();
            case AlgodClient.Submitted.AlreadyKnown k -> Optional.<String>empty();
            case AlgodClient.Submitted.Refused r -> Optional.of(r.message());
        });
    }

    @Override
    public Uni<Status> status(String network, Unfinished payout) {
        Chain c = chain(network);
        Signed group = payout.versions().get(0);
        List<Transaction> txns = transactions(group.bytes());
        long firstValid = txns.get(0).firstValid.longValue();
        long lastValid = payout.sequence();
        return c.algod().pending(group.txId()).chain(pending -> c.algod().lastRound().map(round -> switch (pending) {
            case AlgodClient.Pending.Confirmed conf -> executed(group, txns);
            case AlgodClient.Pending.InPool p -> (Status) new Pending("in the pool at round " + round);
            case AlgodClient.Pending.Rejected r -> round > lastValid
                    ? new NotExecuted("dropped by the node (" + r.poolError() + ") and past its last valid round "
                            + lastValid + " (round " + round + ")")
                    : new Pending("dropped by the node (" + r.poolError() + "); valid until round " + lastValid);
            case AlgodClient.Pending.NotFound n -> notFound(firstValid, lastValid, round);
        }));
    }

    private static Status notFound(long firstValid, long lastValid, long round) {
        if (round <= lastValid) {
            return new Pending("unknown to the node at round " + round + "; valid until round " + lastValid);
        }
        // the node remembers the last REMEMBERED_ROUNDS rounds: inside them, "not found" covers the whole window
        if (round < firstValid + REMEMBERED_ROUNDS - REMEMBERED_MARGIN) {
            return new NotExecuted("not committed in rounds " + firstValid + ".." + lastValid + " (the node's record"
                    + " reaches back from round " + round + ") and it can no longer be");
        }
        return new Undecidable("rounds " + firstValid + ".." + lastValid + " are older than the node remembers"
                + " (round " + round + "); look the group up in an indexer");
    }

    /** Committed: atomic, so every transfer of the group moved; the fees are those the transactions carry. */
    private static Status executed(Signed group, List<Transaction> txns) {
        Map<Integer, Boolean> paid = new HashMap<>();
        BigInteger fee = BigInteger.ZERO;
        for (int i = 0; i < txns.size(); i++) {
            paid.put(i, true);
            fee = fee.add(txns.get(i).fee == null ? BigInteger.ZERO : txns.get(i).fee);
        }
        return new Executed(group.txId(), paid, Map.of(), fee);
    }

    private static List<Transaction> transactions(byte[] concatenated) {
        List<Transaction> out = new ArrayList<>();
        for (byte[] element : AvmCodec.split(concatenated)) {
            try {
                out.add(Encoder.decodeFromMsgPack(element, SignedTransaction.class).tx);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    @PreDestroy
    @Override
    public void close() {
        chains.values().forEach(c -> c.algod().close());
    }

    @Override
    public String toString() {
        // never the key
        return "AvmTreasury" + chains.keySet();
    }
}
