package io.sippar.limits;

import io.sippar.ledger.GasBudgetRepository;
import io.sippar.scheme.NetworkFee;
import io.sippar.x402.AtomicAmount;
import io.sippar.x402.ReasonCode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Ceilings on the network fees the gateway pays to settle, per merchant and per network, exact
 * across the cluster (the counters live in Postgres). A settlement holds its worst-case fee before
 * it is broadcast; a hold that would cross a ceiling refuses the settlement there, before the chain
 * moved anything, with {@code gas_budget_exceeded} and a {@code Retry-After} pointing at the next
 * period. The hold becomes the fee actually paid once the receipt is in.
 */
@ApplicationScoped
public class GasBudget {

    private static final Logger LOG = Logger.getLogger(GasBudget.class);

    /** The {@code limit} tag values of {@code sippar_limit_exceeded_total}. */
    static final String GAS_MERCHANT = "gas_merchant";
    static final String GAS_NETWORK = "gas_network";

    private final GasBudgetRepository repository;
    private final LimitMetrics metrics;
    private final Duration period;
    private final Map<String, BigInteger> merchantCeilings;
    private final Map<String, BigInteger> networkCeilings;
    private final Clock clock;

    public GasBudget(GasBudgetRepository repository, LimitMetrics metrics, LimitsConfig config) {
        this.repository = repository;
        this.metrics = metrics;
        this.period = config.gas().period();
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("sippar.limits.gas.period must be positive, got " + period);
        }
        this.merchantCeilings = ceilings("merchant-ceiling", config.gas().merchantCeiling());
        this.networkCeilings = ceilings("network-ceiling", config.gas().networkCeiling());
        this.clock = Clock.systemUTC();
    }

    private static Map<String, BigInteger> ceilings(String name, Map<String, String> raw) {
        Map<String, BigInteger> out = new LinkedHashMap<>();
        raw.forEach((network, value) -> out.put(network, AtomicAmount.parse(value.trim()).orElseThrow(() ->
                new IllegalArgumentException("sippar.limits.gas." + name + ".\"" + network + "\" must be a whole"
                        + " number of the network's native atomic unit, got " + value))));
        return Map.copyOf(out);
    }

    /** Whether any ceiling applies to {@code network}; without one no hold is taken at all. */
    public boolean limits(String network) {
        return merchantCeilings.containsKey(network) || networkCeilings.containsKey(network);
    }

    /**
     * Holds {@code maxFee} for the payment and moves it from verified to settling, in one transaction.
     *
     * @throws LimitExceededException (as a failed Uni) when a ceiling would be crossed; nothing changed
     */
    public Uni<Void> holdAndStartSettling(UUID paymentId, UUID merchantId, NetworkFee maxFee) {
        Instant now = clock.instant();
        OffsetDateTime start = periodStart(now);
        return repository.holdAndStartSettling(paymentId, maxFee.network(), start, scopes(merchantId, maxFee.network()),
                maxFee.amount()).invoke(refusal -> {
                    if (refusal.isEmpty()) {
                        return;
                    }
                    String limit = refusal.get().scope().equals("network") ? GAS_NETWORK : GAS_MERCHANT;
                    metrics.exceeded(limit, maxFee.network());
                    long retry = Duration.between(now, start.toInstant().plus(period)).toSeconds() + 1;
                    LOG.warnf("settlement of payment %s refused: %s gas ceiling on %s (%s of %s used, this one needs up"
                            + " to %s)", paymentId, refusal.get().scope(), maxFee.network(), refusal.get().committed(),
                            refusal.get().ceiling(), maxFee.amount());
                    throw new LimitExceededException(limit, ReasonCode.GAS_BUDGET_EXCEEDED, retry,
                            "the gateway's network-fee budget for settlements on " + maxFee.network()
                                    + " is used up for this period; retry after it resets");
                }).replaceWithVoid();
    }

    /** Raises the hold for a replacement transaction; false = the ceiling leaves no room (keep the old one). */
    public Uni<Boolean> raise(UUID paymentId, UUID merchantId, NetworkFee newMaxFee) {
        return repository.raiseHold(paymentId, scopes(merchantId, newMaxFee.network()), newMaxFee.amount())
                .invoke(ok -> {
                    if (!ok) {
                        LOG.infof("not re-pricing payment %s: its gas ceiling on %s leaves no room", paymentId,
                                newMaxFee.network());
                    }
                });
    }

    /** The fee actually paid replaces the hold (no-op without an open hold). */
    public Uni<Boolean> charge(UUID paymentId, NetworkFee paid) {
        return repository.charge(paymentId, paid.amount());
    }

    /** Charges the hold as it stands: the fee was fixed when it was held, or the worst case counts (no-op without an open hold). */
    public Uni<Boolean> chargeAsHeld(UUID paymentId) {
        return repository.chargeAsHeld(paymentId);
    }

    /** Gives the hold back: nothing was broadcast (no-op without an open hold). */
    public Uni<Boolean> release(UUID paymentId) {
        return repository.release(paymentId);
    }

    /** The start of the period containing {@code instant}: periods are aligned to the UTC epoch. */
    OffsetDateTime periodStart(Instant instant) {
        long len = period.toMillis();
        long start = Math.floorDiv(instant.toEpochMilli(), len) * len;
        return Instant.ofEpochMilli(start).atOffset(ZoneOffset.UTC);
    }

    /** Scope → ceiling for one settlement, merchant first (the lock order every holder uses). */
    private Map<String, BigInteger> scopes(UUID merchantId, String network) {
        Map<String, BigInteger> scopes = new LinkedHashMap<>();
        BigInteger perMerchant = merchantCeilings.get(network);
        if (perMerchant != null) {
            scopes.put("merchant:" + merchantId, perMerchant);
        }
        BigInteger perNetwork = networkCeilings.get(network);
        if (perNetwork != null) {
            scopes.put("network", perNetwork);
        }
        return scopes;
    }
}
