package io.tollgate.api.observe;

import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.MetricsConfig;

/**
 * The one meter registry of this process. Helidon's Micrometer provider puts every registry it creates over one shared
 * Micrometer registry and tells all of them about every meter added: creating a meter in one registry takes that
 * registry's lock, then Micrometer's, then each other registry's, while removing a meter takes its registry's lock
 * and then Micrometer's. With two registries in one process (two gateways started in one JVM, as tests do), a meter
 * created in one while the other's web server removed its request meters at stop deadlocked both for good. With one
 * registry every path takes its lock first, so there is no cycle.
 */
public final class ProcessMeters {
    private static final MeterRegistry REGISTRY = MeterRegistry.create(MetricsConfig.create());

    private ProcessMeters() {
    }

    public static MeterRegistry registry() {
        return REGISTRY;
    }
}
