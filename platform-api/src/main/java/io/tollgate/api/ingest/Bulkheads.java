package io.tollgate.api.ingest;

import io.tollgate.tenant.ResolvedTenant;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/** At most {@code max_concurrent} deliveries of one tenant in flight, so one merchant's flood cannot starve another. */
public final class Bulkheads {
    private record Holder(int permits, Semaphore semaphore) {
    }

    private final ConcurrentHashMap<UUID, Holder> holders = new ConcurrentHashMap<>();

    /** A permit, waiting at most {@code wait}; empty when the tenant is at its limit for that long. */
    Optional<Semaphore> acquire(ResolvedTenant tenant, Duration wait) throws InterruptedException {
        int permits = tenant.tenant().limits().maxConcurrent();
        Holder h = holders.compute(tenant.id().value(), (k, old) ->
                old != null && old.permits() == permits ? old : new Holder(permits, new Semaphore(permits)));
        Semaphore s = h.semaphore();
        return s.tryAcquire(Math.max(0, wait.toNanos()), TimeUnit.NANOSECONDS) ? Optional.of(s) : Optional.empty();
    }
}
