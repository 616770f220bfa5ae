package io.tollgate.api.upstream;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.tollgate.tenant.TenantId;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A local token bucket per tenant: {@code calls} per {@code window}, refilled evenly (a leaky bucket, as Gorgias
 * counts). A call that finds the bucket empty is not made; the caller learns how long until a token. Never blocks.
 */
public final class TenantPacing {
    private final int calls;
    private final Duration window;
    private final Map<TenantId, Bucket> buckets = new ConcurrentHashMap<>();

    public TenantPacing(int calls, Duration window) {
        this.calls = calls;
        this.window = window;
    }

    /** Takes a token of the tenant's bucket: empty when it had one, else the wait until the next token. */
    public Optional<Duration> take(TenantId tenant) {
        ConsumptionProbe probe = buckets.computeIfAbsent(tenant, t -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(calls).refillGreedy(calls, window).build())
                .build()).tryConsumeAndReturnRemaining(1);
        if (probe.isConsumed()) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }
}
