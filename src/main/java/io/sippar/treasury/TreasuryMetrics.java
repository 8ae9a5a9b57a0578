package io.sippar.treasury;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.sippar.ledger.TreasuryRepository;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code sippar_treasury_mismatch{network,asset}} (1 while payouts of the asset are stopped by a
 * mismatch, else 0; every pod shows the database's state, refreshed each payout interval) and the
 * payout counters {@code sippar_treasury_payouts_total{network,outcome}} and
 * {@code sippar_treasury_transfers_total{network,outcome}}.
 */
@ApplicationScoped
public class TreasuryMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicInteger> mismatch = new ConcurrentHashMap<>();

    public TreasuryMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Sets the mismatch gauge of one asset. */
    public void mismatch(String network, String asset, boolean mismatched) {
        mismatch.computeIfAbsent(network + "|" + asset, k -> {
            AtomicInteger value = new AtomicInteger();
            Gauge.builder("sippar.treasury.mismatch", value, AtomicInteger::get)
                    .description("1 while payouts of the asset are stopped by a treasury mismatch")
                    .tags(Tags.of("network", network, "asset", asset)).register(registry);
            return value;
        }).set(mismatched ? 1 : 0);
    }

    /** Refreshes every gauge from the stored checks (what any pod's run last found, and clears since). */
    public void refresh(List<TreasuryRepository.Check> checks) {
        checks.forEach(c -> mismatch(c.network(), c.asset(), c.mismatch()));
    }

    /** Counts a payout's end: confirmed, not_executed, held. */
    public void payout(String network, String outcome) {
        registry.counter("sippar.treasury.payouts", "network", network, "outcome", outcome).increment();
    }

    /** Counts a transfer's end: paid, failed (refused by the chain), left_out (before signing). */
    public void transfer(String network, String outcome) {
        registry.counter("sippar.treasury.transfers", "network", network, "outcome", outcome).increment();
    }
}
