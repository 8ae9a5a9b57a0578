package io.sippar.ops;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * The readiness checks: each only reads what the background probes and the lease manager last saw,
 * so {@code /q/health/ready} answers at once even while a node or the database hangs. Liveness has
 * no checks of ours: a pod that cannot reach a dependency must not be restarted for it.
 */
final class ReadinessChecks {

    private ReadinessChecks() {
    }

    /** {@code database}: the last {@code SELECT 1}. */
    @Readiness
    @ApplicationScoped
    static class Database implements HealthCheck {
        private final HealthProbes probes;

        Database(HealthProbes probes) {
            this.probes = probes;
        }

        @Override
        public HealthCheckResponse call() {
            HealthProbes.Result r = probes.database();
            return HealthCheckResponse.named("database").status(r.up()).withData("detail", r.detail())
                    .withData("checked", DateTimeFormatter.ISO_INSTANT.format(r.checkedAt())).build();
        }
    }

    /**
     * {@code chains}: per network UP while at least one of its nodes answers as that chain, with every
     * node's last answer; DOWN when a network has no node left (unless sippar.health.chains-required=false).
     */
    @Readiness
    @ApplicationScoped
    static class Chains implements HealthCheck {
        private final HealthProbes probes;

        Chains(HealthProbes probes) {
            this.probes = probes;
        }

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("chains");
            boolean allUp = true;
            for (Map.Entry<String, Map<String, HealthProbes.Result>> network : probes.chains().entrySet()) {
                long up = network.getValue().values().stream().filter(HealthProbes.Result::up).count();
                int total = network.getValue().size();
                b.withData(network.getKey(), (up > 0 ? "UP" : "DOWN") + ": " + up + " of " + total + " nodes answer");
                network.getValue().forEach((node, r) -> b.withData(network.getKey() + " " + node,
                        (r.up() ? "UP: " : "DOWN: ") + r.detail()));
                allUp &= up > 0;
            }
            return b.status(allUp || !probes.chainsRequired()).build();
        }
    }

    /** {@code settlement-keys}: per network the key this process holds, or why it holds none. */
    @Readiness
    @ApplicationScoped
    static class SettlementKeys implements HealthCheck {
        private final SettlementKeyLeases leases;

        SettlementKeys(SettlementKeyLeases leases) {
            this.leases = leases;
        }

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("settlement-keys");
            boolean allHeld = true;
            for (SettlementKeyLeases.NetworkLeases n : leases.networks()) {
                var held = n.held();
                if (held.isPresent()) {
                    var l = held.get();
                    b.withData(n.network(), "UP: " + l.signer() + (l.bounded() ? " (epoch " + l.epoch() + ", "
                            + l.remaining().toSeconds() + " s left)" : " (not leased: sippar.key-leases.enabled=false)"));
                } else {
                    b.withData(n.network(), "DOWN: " + n.problem());
                    allHeld = false;
                }
            }
            return b.status(allHeld).build();
        }
    }
}
