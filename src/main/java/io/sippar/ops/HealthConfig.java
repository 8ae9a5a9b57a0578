package io.sippar.ops;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The background probes behind {@code /q/health/ready}: how often they run and how long each may take. */
@ConfigMapping(prefix = "sippar.health")
public interface HealthConfig {

    /** Time between two probe rounds of the database and every chain node; default 10s. */
    @WithDefault("10s")
    Duration interval();

    /** A probe without an answer after this counts as down (the probe itself keeps waiting, never repeated); default 3s. */
    @WithDefault("3s")
    Duration timeout();

    /**
     * Whether a network whose every node is down makes the pod not ready; false reports it in the
     * readiness data only (the pod then keeps answering 503 with Retry-After for that network); default true.
     */
    @WithDefault("true")
    boolean chainsRequired();
}
