package io.sippar.treasury;

import io.quarkus.runtime.StartupEvent;
import io.sippar.ledger.TreasuryRepository;
import io.sippar.scheme.TreasuryChain;
import io.sippar.scheme.TreasuryChain.Treasury;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Every treasury this deployment runs, from the chain adapters ({@link TreasuryChain}), recorded in
 * the database at start (the database then knows which payTo is a treasury, for every writer), and the
 * configured merchants' treasury settings.
 */
@ApplicationScoped
public class Treasuries {

    private static final Logger LOG = Logger.getLogger(Treasuries.class);
    private static final Duration STARTUP_DB_TIMEOUT = Duration.ofSeconds(30);

    /** A treasury and the chain adapter that moves its funds. */
    public record Entry(Treasury treasury, TreasuryChain chain) {
        public String network() {
            return treasury.network();
        }
    }

    private final Map<String, Entry> byNetwork;
    private final TreasuryRepository repository;
    private final TreasuryConfig config;

    public Treasuries(Instance<TreasuryChain> chains, TreasuryRepository repository, TreasuryConfig config,
            Instance<io.sippar.scheme.LeasedKeys> settlementKeys) {
        this.repository = repository;
        this.config = config;
        Map<String, Entry> map = new LinkedHashMap<>();
        for (TreasuryChain chain : chains) {
            for (Treasury t : chain.treasuries()) {
                if (map.put(t.network(), new Entry(t, chain)) != null) {
                    throw new IllegalStateException("two treasuries configured for " + t.network());
                }
                requireOwnKey(t, settlementKeys);
            }
        }
        this.byNetwork = java.util.Collections.unmodifiableMap(map);
    }

    /**
     * Refuses a treasury whose signer is in the network's settlement-key pool: pods lease those keys
     * among themselves, so one pod would sign settlements while another signs payouts at the same nonces.
     */
    static void requireOwnKey(Treasury t, Iterable<io.sippar.scheme.LeasedKeys> settlementKeys) {
        for (io.sippar.scheme.LeasedKeys leased : settlementKeys) {
            if (leased.settlementKeys().getOrDefault(t.network(), List.of()).stream()
                    .anyMatch(k -> k.equalsIgnoreCase(t.signer()))) {
                throw new IllegalStateException("the treasury key of " + t.network() + " (" + t.signer()
                        + ") is one of its settlement keys; the treasury needs a key of its own");
            }
        }
    }

    void onStart(@Observes StartupEvent event) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (Entry e : byNetwork.values()) {
            all = all.call(() -> repository.registerTreasury(e.network(), e.treasury().address(), e.treasury().signer()));
        }
        all.await().atMost(STARTUP_DB_TIMEOUT);
        byNetwork.values().forEach(e -> LOG.infof("treasury on %s: %s (signer %s, up to %d transfers per payout)",
                e.network(), e.treasury().address(), e.treasury().signer(), e.treasury().maxTransfers()));
    }

    /** The treasury of a network. */
    public Optional<Entry> of(String network) {
        return Optional.ofNullable(byNetwork.get(network));
    }

    /** Every treasury, in configuration order. */
    public List<Entry> all() {
        return new ArrayList<>(byNetwork.values());
    }

    /** Whether {@code payTo} is the treasury of {@code network}. */
    public boolean isTreasury(String network, String payTo) {
        Entry e = byNetwork.get(network);
        return e != null && payTo != null && e.treasury().address().equalsIgnoreCase(payTo);
    }

    /**
     * Applies the configured merchants' modes and payout addresses (configuration wins at every start,
     * like configured routes). Called with the configured merchants' ids once they exist.
     */
    public Uni<Void> applyConfigured(Map<String, UUID> merchants) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (Map.Entry<String, TreasuryConfig.MerchantTreasury> m : config.merchants().entrySet()) {
            UUID id = merchants.get(m.getKey());
            if (id == null) {
                throw new IllegalStateException("sippar.treasury.merchants." + m.getKey() + " names no configured merchant"
                        + " (configure sippar.pricing.merchants." + m.getKey() + ".name)");
            }
            Optional<String> mode = m.getValue().mode();
            if (mode.isPresent() && !TreasuryRepository.MODES.contains(mode.get())) {
                throw new IllegalStateException("sippar.treasury.merchants." + m.getKey() + ".mode must be direct or"
                        + " treasury, not " + mode.get());
            }
            if (mode.isPresent()) {
                all = all.call(() -> repository.setSettlementMode(id, mode.get()));
            }
            for (Map.Entry<String, String> a : m.getValue().payoutAddresses().entrySet()) {
                String network = a.getKey();
                Entry e = of(network).orElseThrow(() -> new IllegalStateException("sippar.treasury.merchants."
                        + m.getKey() + ".payout-addresses: no treasury runs on " + network));
                e.chain().invalidAddress(network, a.getValue()).ifPresent(why -> {
                    throw new IllegalStateException("sippar.treasury.merchants." + m.getKey() + ".payout-addresses."
                            + network + ": " + why);
                });
                all = all.call(() -> repository.payoutAccounts(id).chain(accounts -> accounts.stream()
                        .anyMatch(acc -> acc.network().equals(network) && a.getValue().equals(acc.address())
                                && acc.pendingAddress() == null)
                        ? Uni.createFrom().voidItem()
                        : repository.setAddress(id, network, a.getValue(), "configuration").replaceWithVoid()));
            }
        }
        return all;
    }
}
