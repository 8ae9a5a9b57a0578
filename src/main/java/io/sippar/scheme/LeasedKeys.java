package io.sippar.scheme;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A scheme whose settlement keys must be used by one process at a time (EVM: one nonce sequence per
 * key). The lease manager ({@code ops.SettlementKeyLeases}) decides which key this process signs
 * with per network and tells the scheme; until then the scheme does not settle on that network.
 */
public interface LeasedKeys {

    /** The settlement keys' addresses per CAIP-2 network, in configuration order. */
    Map<String, List<String>> settlementKeys();

    /**
     * From now on, settle on {@code lease.network()} from {@code lease.signer()} for as long as the
     * lease is valid. Taking a key (over) reads its next nonce from the chain ({@code pending}).
     */
    void use(KeyLease lease);

    /** Stop settling on {@code network}; settlements already broadcast still wait for their receipts. */
    void stopUsing(String network);

    /** Settlements on {@code network} started and not finished (what a graceful shutdown waits for). */
    int settlementsInFlight(String network);

    /** How long before a lease's end the scheme stops broadcasting: the slowest a broadcast may be. */
    Duration broadcastMargin(String network);
}
