package io.tollgate.api.observe;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.tollgate.tenant.Provider;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code tollgate_webhooks_total{tenant,provider,outcome}} and {@code tollgate_webhook_ack_seconds{provider}}
 * (a histogram). Meters are looked up once and kept, so the hot path only increments.
 * The registry must be the process's one ({@link ProcessMeters}).
 */
public final class IngressMetrics {
    /** Every outcome of a delivery (CONTRACT §4). */
    public enum Outcome {
        ACCEPTED, DUPLICATE, INVALID_SIGNATURE, TOO_LARGE, RATE_LIMITED, UNKNOWN_TENANT, SUSPENDED, MALFORMED,
        UNAVAILABLE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Duration[] BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10)};

    private final MeterRegistry registry;
    private final TenantLabels labels;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<Provider, Timer> timers = new ConcurrentHashMap<>();

    public IngressMetrics(MeterRegistry registry, TenantLabels labels) {
        this.registry = registry;
        this.labels = labels;
        for (Provider p : Provider.values()) {
            timers.put(p, registry.getOrCreate(
                    Timer.builder("tollgate.webhook.ack")
                            .description("Time from a delivery's arrival to its answer")
                            .buckets(BUCKETS)
                            // explicit buckets only: quantile series on a histogram are invalid exposition
                            .percentiles(new double[0])
                            .publishPercentileHistogram(false)
                            .tags(List.of(Tag.create("provider", p.wire())))));
        }
    }

    /** @param slug a resolved tenant's slug, or {@link TenantLabels#OTHER} */
    public void record(String slug, Provider provider, Outcome outcome, long startNanos) {
        String tenant = TenantLabels.OTHER.equals(slug) ? slug : labels.label(slug);
        counters.computeIfAbsent(tenant + '\u0000' + provider.wire() + '\u0000' + outcome.label(), k ->
                registry.getOrCreate(Counter.builder("tollgate.webhooks")
                                             .description("Webhook deliveries by tenant, provider and outcome")
                                             .tags(List.of(Tag.create("tenant", tenant),
                                                           Tag.create("provider", provider.wire()),
                                                           Tag.create("outcome", outcome.label())))))
                .increment();
        timers.get(provider).record(Duration.ofNanos(System.nanoTime() - startNanos));
    }
}
