package io.tollgate.api.ingest;

import io.tollgate.tenant.Limits;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Tenant;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.TenantStatus;
import io.tollgate.tenant.testing.TestTenants;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;

import static org.assertj.core.api.Assertions.assertThat;

class BulkheadsTest {
    private static ResolvedTenant tenant(TenantId id, int maxConcurrent) {
        var n = TestTenants.newTenant("bulk-" + maxConcurrent);
        return new ResolvedTenant(new Tenant(id, n.slug(), n.name(), TenantStatus.ACTIVE,
                                             new Limits(600, 100, 1024, 5000, maxConcurrent), Instant.now(),
                                             Instant.now()), n.gorgias(), n.shopify(), List.of());
    }

    @Test
    void oneTenantAtItsLimitDoesNotBlockAnother() throws Exception {
        Bulkheads b = new Bulkheads();
        ResolvedTenant busy = tenant(TenantId.random(), 2);
        ResolvedTenant calm = tenant(TenantId.random(), 2);
        Optional<Semaphore> p1 = b.acquire(busy, Duration.ZERO);
        Optional<Semaphore> p2 = b.acquire(busy, Duration.ZERO);
        assertThat(p1).isPresent();
        assertThat(p2).isPresent();
        long t0 = System.nanoTime();
        assertThat(b.acquire(busy, Duration.ofMillis(50))).isEmpty();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(45).toNanos());
        assertThat(b.acquire(calm, Duration.ZERO)).isPresent();
        p1.get().release();
        assertThat(b.acquire(busy, Duration.ZERO)).isPresent();
    }

    @Test
    void changedLimitTakesEffect() throws Exception {
        Bulkheads b = new Bulkheads();
        TenantId id = TenantId.random();
        assertThat(b.acquire(tenant(id, 1), Duration.ZERO)).isPresent();
        assertThat(b.acquire(tenant(id, 1), Duration.ZERO)).isEmpty();
        assertThat(b.acquire(tenant(id, 3), Duration.ZERO)).isPresent();
    }
}
