package io.tollgate.api.observe;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.service.registry.Services;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;

/**
 * The one meter registry of this process. Helidon's Micrometer provider puts every registry it creates over one shared
 * Micrometer registry and tells all of them about every meter added: creating a meter in one registry takes that
 * registry's lock, then Micrometer's, then each other registry's, while removing a meter takes its registry's lock
 * and then Micrometer's. With two registries in one process (two gateways started in one JVM, as tests do), a meter
 * created in one while the other's web server removed its request meters at stop deadlocked both for good. With one
 * registry every path takes its lock first, so there is no cycle.
 *
 * <p>It is Helidon's global registry (what {@code Services.get(MeterRegistry.class)} gives any Helidon part that asks),
 * so no Helidon part can make a second one behind our back, and because Helidon furnishes its built-in meters
 * ({@code helidon-metrics-system-meters}: heap, threads, classes, GC, JVM uptime, in the {@code base} scope) to the
 * global registry only. Their names are snake_case ({@code memory_used_heap_bytes}, not {@code memory_usedHeap_bytes})
 * by Helidon's {@code metrics.built-in-meter-name-format: SNAKE} in {@code application.yaml}, which Helidon's own
 * configuration reads. {@link ProcessMetrics} adds what they leave out.
 */
public final class ProcessMeters {
    private static final MeterRegistry REGISTRY = Services.get(MeterRegistry.class);
    /** What each gauge reads now, by registry, name and tags: the gauge itself is created once. */
    private static final Map<List<Object>, AtomicReference<DoubleSupplier>> GAUGE_READS = new ConcurrentHashMap<>();

    private ProcessMeters() {
    }

    public static MeterRegistry registry() {
        return REGISTRY;
    }

    /**
     * A gauge that reads {@code read}. A registry keeps the first gauge of a name and tags for good
     * ({@code getOrCreate}), so a gauge bound to one gateway's state would go on reading it after that gateway
     * stopped and another started in the same process (as tests do). Here the gauge is created once and reads
     * through a holder that the latest call replaces: it always shows the running gateway's state, and keeps no
     * stopped gateway's pool or worker alive.
     */
    public static void gauge(MeterRegistry registry, String name, String description, List<Tag> tags,
                             DoubleSupplier read) {
        List<Object> key = List.of(System.identityHashCode(registry), name, List.copyOf(tags));
        AtomicReference<DoubleSupplier> holder = GAUGE_READS.computeIfAbsent(key, k -> {
            AtomicReference<DoubleSupplier> h = new AtomicReference<>(read);
            registry.getOrCreate(Gauge.builder(name, h, r -> r.get().getAsDouble())
                                         .description(description)
                                         .tags(tags));
            return h;
        });
        holder.set(read);
    }
}
