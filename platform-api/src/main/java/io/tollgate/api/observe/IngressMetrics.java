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
        known(TenantLabels.OTHER);
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

    /** Why a delivery was refused before its body was read ({@code tollgate_ingress_refused_total{reason}}). */
    public enum Refused {
        /** the process's budget of buffered body bytes (or the tenant's half of it) was full */
        BUFFER_FULL,
        /** the client address had its most bodies being read */
        ADDRESS_BUSY,
        /** the tenant had {@code max_concurrent} deliveries in flight for its whole deadline */
        TENANT_BUSY;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Refused, Counter> refused = new java.util.EnumMap<>(Refused.class);

    /**
     * {@code tollgate_ingress_buffer_bytes} (body bytes held now), {@code tollgate_ingress_buffer_limit_bytes} (the
     * budget), {@code tollgate_ingress_bodies_reading} and {@code tollgate_ingress_refused_total{reason}}, every reason from 0.
     */
    public void buffers(java.util.function.DoubleSupplier used, long limit, java.util.function.DoubleSupplier reading) {
        ProcessMeters.gauge(registry, "tollgate.ingress.buffer.bytes",
                            "Request-body bytes held in memory by ingress now", List.of(), used);
        ProcessMeters.gauge(registry, "tollgate.ingress.bodies.reading",
                            "Request bodies being read now (each holding a turn of its client address)", List.of(),
                            reading);
        ProcessMeters.gauge(registry, "tollgate.ingress.buffer.limit.bytes",
                            "Most request-body bytes ingress holds at once (TOLLGATE_INGRESS_BUFFER_BYTES)", List.of(),
                            () -> limit);
        for (Refused r : Refused.values()) {
            refused.put(r, registry.getOrCreate(Counter.builder("tollgate.ingress.refused")
                                                        .description("Deliveries refused 503 before their body was"
                                                                             + " read, by reason")
                                                        .tags(List.of(Tag.create("reason", r.label())))));
        }
    }

    /** A delivery refused before its body was read (also counted as {@code outcome="unavailable"}). */
    public void refused(Refused reason) {
        Counter c = refused.get(reason);
        if (c != null) {
            c.increment();
        }
    }

    /**
     * A tenant exists (at startup, or created on any instance): its label's delivery counters start at 0 now rather
     * than at 1 with its first delivery of an outcome ({@code increase()} cannot see a series' first sample). Every
     * outcome a known tenant can have, for both providers; {@code other} also has {@code unknown_tenant}. A slug the
     * labels fold into {@code other} adds nothing.
     */
    public void known(String slug) {
        boolean other = TenantLabels.OTHER.equals(slug);
        String tenant = other ? slug : labels.label(slug);
        for (Provider provider : Provider.values()) {
            for (Outcome outcome : Outcome.values()) {
                if (other || outcome != Outcome.UNKNOWN_TENANT) {
                    counter(tenant, provider, outcome);
                }
            }
        }
    }

    /** @param slug a resolved tenant's slug, or {@link TenantLabels#OTHER} */
    public void record(String slug, Provider provider, Outcome outcome, long startNanos) {
        String tenant = TenantLabels.OTHER.equals(slug) ? slug : labels.label(slug);
        counter(tenant, provider, outcome).increment();
        timers.get(provider).record(Duration.ofNanos(System.nanoTime() - startNanos));
    }

    private Counter counter(String tenant, Provider provider, Outcome outcome) {
        return counters.computeIfAbsent(tenant + '\u0000' + provider.wire() + '\u0000' + outcome.label(), k ->
                registry.getOrCreate(Counter.builder("tollgate.webhooks")
                                             .description("Webhook deliveries by tenant, provider and outcome")
                                             .tags(List.of(Tag.create("tenant", tenant),
                                                           Tag.create("provider", provider.wire()),
                                                           Tag.create("outcome", outcome.label())))));
    }
}
