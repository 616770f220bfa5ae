package io.tollgate.api.observe;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.MetricsConfig;
import io.tollgate.api.observe.IngressMetrics.Outcome;
import io.tollgate.tenant.Provider;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Helidon's metrics provider locks its registry and Micrometer's in opposite orders when a meter is created and
 * when meters are removed (the web server removes its request meters at stop). A delivery creating its first counter
 * while the server stopped deadlocked the stop (seen in a test run: the JVM hung for good).
 */
class IngressMetricsTest {

    @Test
    void afterStopCreatingRemovingMetersNeverDeadlocksWithDeliveriesOfNewLabels() throws Exception {
        MeterRegistry registry = MeterRegistry.create(MetricsConfig.create());
        IngressMetrics metrics = new IngressMetrics(registry, new TenantLabels.All(100_000));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger slugs = new AtomicInteger();
        List<Thread> deliveries = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            deliveries.add(Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    metrics.record("shop-" + slugs.incrementAndGet(), Provider.SHOPIFY, Outcome.ACCEPTED,
                                   System.nanoTime());
                }
            }));
        }
        while (slugs.get() < 200) {
            Thread.onSpinWait();
        }

        metrics.stopCreating();
        // what the web server does at stop, many times over, while deliveries with new labels keep arriving
        Thread remover = Thread.ofPlatform().start(() -> {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (System.nanoTime() < until) {
                for (Meter m : registry.meters()) {
                    registry.remove(m);
                }
            }
        });
        remover.join(TimeUnit.SECONDS.toMillis(20));
        running.set(false);
        for (Thread t : deliveries) {
            t.join(TimeUnit.SECONDS.toMillis(20));
        }

        assertThat(remover.isAlive()).as("meter removal finished (no deadlock)").isFalse();
        assertThat(deliveries).noneMatch(Thread::isAlive);
    }

    @Test
    void afterStopCreatingKnownCountersStillCountAndNewLabelsCreateNoMeter() {
        MeterRegistry registry = MeterRegistry.create(MetricsConfig.create());
        IngressMetrics metrics = new IngressMetrics(registry, new TenantLabels.All(100));
        metrics.record("known-shop", Provider.GORGIAS, Outcome.ACCEPTED, System.nanoTime());

        metrics.stopCreating();
        metrics.record("known-shop", Provider.GORGIAS, Outcome.ACCEPTED, System.nanoTime());
        metrics.record("late-shop", Provider.GORGIAS, Outcome.ACCEPTED, System.nanoTime());

        assertThat(counter(registry, "known-shop")).isEqualTo(2);
        assertThat(registry.meters(m -> m.id().name().equals("tollgate.webhooks")
                && "late-shop".equals(m.id().tagsMap().get("tenant")))).isEmpty();
    }

    private static long counter(MeterRegistry registry, String tenant) {
        return registry.meters(m -> m.id().name().equals("tollgate.webhooks")).stream()
                .filter(m -> tenant.equals(m.id().tagsMap().get("tenant")))
                .map(m -> ((Counter) m).count())
                .findFirst().orElse(-1L);
    }
}
