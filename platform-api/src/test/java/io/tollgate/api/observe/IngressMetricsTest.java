package io.tollgate.api.observe;

import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
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
 * Two gateways in one process (as the fleet tests run them) used two meter registries over Helidon's one shared
 * Micrometer registry, and a delivery creating its first counter in one while the other's server removed its request
 * meters at stop deadlocked both (seen in full test runs: FleetRateLimitTest hung for good). With one registry per
 * process that cannot happen. With {@code MeterRegistry.create(...)} per gateway instead of {@link ProcessMeters},
 * this test deadlocks (checked: a jstack shows the delivery and removal threads waiting on each other's locks); its
 * joins then fail it, and as the deadlock holds Micrometer's process-wide lock, any later meter in that JVM hangs.
 */
class IngressMetricsTest {

    @Test
    void deliveriesOfNewLabelsOnOneGatewayNeverDeadlockWithAnotherGatewayRemovingItsMeters() throws Exception {
        MeterRegistry first = ProcessMeters.registry();
        MeterRegistry second = ProcessMeters.registry();
        IngressMetrics metrics = new IngressMetrics(first, new TenantLabels.All(100_000));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger slugs = new AtomicInteger();
        List<Thread> deliveries = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            deliveries.add(Thread.ofPlatform().daemon().start(() -> {
                while (running.get()) {
                    metrics.record("deadlock-shop-" + slugs.incrementAndGet(), Provider.SHOPIFY, Outcome.ACCEPTED,
                                   System.nanoTime());
                }
            }));
        }
        // what the other gateway's web server does at stop, many times over, while new labels keep arriving
        Thread remover = Thread.ofPlatform().daemon().start(() -> {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_000);
            while (System.nanoTime() < until) {
                for (Meter m : second.meters(m -> m.id().name().equals("tollgate.webhooks")
                        && m.id().tagsMap().getOrDefault("tenant", "").startsWith("deadlock-shop-"))) {
                    // checked per meter, not per pass: a pass over a registry that four threads keep growing can
                    // outlast the join below on a loaded machine without any deadlock
                    if (System.nanoTime() >= until) {
                        break;
                    }
                    second.remove(m);
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
        assertThat(slugs.get()).as("deliveries kept being counted while meters were removed").isGreaterThan(100);
    }

    @Test
    void eachDeliveryIsCountedUnderItsTenantProviderAndOutcome() {
        IngressMetrics metrics = new IngressMetrics(ProcessMeters.registry(), new TenantLabels.All(100));
        metrics.record("counted-shop", Provider.GORGIAS, Outcome.ACCEPTED, System.nanoTime());
        metrics.record("counted-shop", Provider.GORGIAS, Outcome.ACCEPTED, System.nanoTime());
        metrics.record("counted-shop", Provider.GORGIAS, Outcome.DUPLICATE, System.nanoTime());

        assertThat(count("counted-shop", "accepted")).isEqualTo(2);
        assertThat(count("counted-shop", "duplicate")).isEqualTo(1);
    }

    private static long count(String tenant, String outcome) {
        return ProcessMeters.registry().meters(m -> m.id().name().equals("tollgate.webhooks")).stream()
                .filter(m -> tenant.equals(m.id().tagsMap().get("tenant"))
                        && outcome.equals(m.id().tagsMap().get("outcome")))
                .map(m -> ((io.helidon.metrics.api.Counter) m).count())
                .findFirst().orElse(-1L);
    }
}
