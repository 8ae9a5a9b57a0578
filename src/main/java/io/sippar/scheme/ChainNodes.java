package io.sippar.scheme;

import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.function.Supplier;

/** The chain nodes a scheme depends on, for the background health probes ({@code ops.HealthProbes}). */
public interface ChainNodes {

    /**
     * One node of one network.
     *
     * @param network CAIP-2 network
     * @param label how the node is named in health output: never a URL path or query (provider keys live there)
     * @param ping completes when the node answers as the configured network, fails with the reason otherwise
     */
    record Node(String network, String label, Supplier<Uni<Void>> ping) {
    }

    /** Every configured node of every network, in configuration order. */
    List<Node> nodes();
}
