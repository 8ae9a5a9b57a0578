package io.sippar.treasury;

import io.sippar.ledger.TreasuryRepository;
import io.sippar.pricing.RouteDefinition;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * What treasury mode changes in a route: the requirements of a treasury-mode merchant name the
 * network's treasury as payTo instead of the merchant's own address. Applied each time the route table
 * loads (a change of mode notifies every pod like a route change does), so a 402 always says where the
 * payment must go; an accepted network without a treasury stays direct, with a warning.
 */
@ApplicationScoped
public class TreasuryRouting {

    private static final Logger LOG = Logger.getLogger(TreasuryRouting.class);

    private final TreasuryRepository repository;
    private final Treasuries treasuries;
    private volatile Set<UUID> treasuryMerchants = Set.of();
    /** Offers already warned about, so a reload every 30 s does not repeat the warning. */
    private final Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public TreasuryRouting(TreasuryRepository repository, Treasuries treasuries) {
        this.repository = repository;
        this.treasuries = treasuries;
    }

    /** The routes with treasury-mode merchants' payTo replaced by the treasuries. */
    public Uni<List<RouteDefinition>> rewrite(List<RouteDefinition> routes) {
        return repository.treasuryMerchants().map(merchants -> {
            treasuryMerchants = Set.copyOf(merchants);
            List<RouteDefinition> out = new ArrayList<>(routes.size());
            for (RouteDefinition def : routes) {
                out.add(merchants.contains(def.merchantId()) ? toTreasury(def) : def);
            }
            return out;
        });
    }

    private RouteDefinition toTreasury(RouteDefinition def) {
        List<RouteDefinition.Accept> accepts = new ArrayList<>();
        for (RouteDefinition.Accept a : def.accepts()) {
            var treasury = treasuries.of(a.network());
            if (treasury.isEmpty()) {
                if (warned.add(def.merchantId() + "|" + def.name() + "|" + a.network())) {
                    LOG.warnf("route %s/%s: merchant is in treasury mode but %s has no treasury; that offer pays the"
                        + " merchant directly", def.merchantSlug(), def.name(), a.network());
                }
                accepts.add(a);
            } else {
                accepts.add(new RouteDefinition.Accept(a.scheme(), a.network(), a.asset(),
                        treasury.get().treasury().address()));
            }
        }
        return new RouteDefinition(def.id(), def.merchantId(), def.merchantSlug(), def.name(), def.method(), def.host(),
                def.pathPattern(), def.upstream(), def.price(), def.description(), def.mimeType(),
                def.maxTimeoutSeconds(), def.settleBeforeServe(), List.copyOf(accepts));
    }

    /** Whether the merchant was in treasury mode at the last route load (a cache; the database decides). */
    boolean cachedTreasuryMode(UUID merchantId) {
        return treasuryMerchants.contains(merchantId);
    }
}
