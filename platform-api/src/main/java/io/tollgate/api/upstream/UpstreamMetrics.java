package io.tollgate.api.upstream;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tollgate_upstream_requests_total{upstream,status}} and {@code tollgate_upstream_seconds{upstream}} (a
 * histogram). Every meter is created here, up front: creating meters later can deadlock with the web server's stop
 * (see {@link io.tollgate.api.observe.IngressMetrics}). A status outside {@link #STATUSES} counts as {@code other}.
 */
public final class UpstreamMetrics {
    /** The status labels: HTTP codes, {@code timeout} and {@code error} (no answer), and {@code other}. */
    public static final List<String> STATUSES = List.of("200", "201", "204", "400", "401", "403", "404", "409", "422",
                                                        "429", "500", "502", "503", "504", "timeout", "error",
                                                        "other");

    private static final Duration[] BUCKETS = {
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30)};

    private final Map<Upstream, Map<String, Counter>> counters = new EnumMap<>(Upstream.class);
    private final Map<Upstream, Timer> timers = new EnumMap<>(Upstream.class);

    public UpstreamMetrics(MeterRegistry registry) {
        for (Upstream u : Upstream.values()) {
            Map<String, Counter> byStatus = new HashMap<>();
            for (String status : STATUSES) {
                byStatus.put(status, registry.getOrCreate(
                        Counter.builder("tollgate.upstream.requests")
                                .description("Upstream API calls by upstream and HTTP status")
                                .tags(List.of(Tag.create("upstream", u.label()), Tag.create("status", status)))));
            }
            counters.put(u, Map.copyOf(byStatus));
            timers.put(u, registry.getOrCreate(
                    Timer.builder("tollgate.upstream")
                            .description("Duration of upstream API calls")
                            .buckets(BUCKETS)
                            .percentiles(new double[0])
                            .publishPercentileHistogram(false)
                            .tags(List.of(Tag.create("upstream", u.label())))));
        }
    }

    /** One call that got an HTTP answer. */
    public void answered(Upstream upstream, int status, Duration took) {
        count(upstream, Integer.toString(status), took);
    }

    /** One call that got no answer: {@code timeout} or {@code error}. */
    public void unanswered(Upstream upstream, boolean timeout, Duration took) {
        count(upstream, timeout ? "timeout" : "error", took);
    }

    private void count(Upstream upstream, String status, Duration took) {
        Map<String, Counter> byStatus = counters.get(upstream);
        Counter c = byStatus.get(status);
        (c == null ? byStatus.get("other") : c).increment();
        timers.get(upstream).record(took);
    }
}
