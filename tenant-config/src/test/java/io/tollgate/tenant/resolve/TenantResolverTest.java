package io.tollgate.tenant.resolve;

import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.TenantStatus;
import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.crypto.MasterKey;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.store.TenantStore;
import io.tollgate.tenant.testing.TestDatabase;
import io.tollgate.tenant.testing.TestTenants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Two "instances" (each its own pool, store, cache and listener) over one database. */
class TenantResolverTest {
    private static TestDatabase testDb;
    private static Instance one;
    private static Instance two;

    record Instance(Database db, TenantStore store, TenantResolver resolver, TenantChangeListener listener) {
        static Instance start(TestDatabase testDb, CredentialCipher cipher) {
            Database db = testDb.open();
            TenantStore store = new TenantStore(db, cipher);
            TenantResolver resolver = new TenantResolver(store, Duration.ofHours(1), 10_000);
            return new Instance(db, store, resolver, TenantChangeListener.start(db, resolver, Duration.ofSeconds(5)));
        }

        void stop() {
            listener.close();
            db.close();
        }
    }

    @BeforeAll
    static void setUp() {
        testDb = TestDatabase.migrated();
        CredentialCipher cipher = new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64()));
        one = Instance.start(testDb, cipher);
        two = Instance.start(testDb, cipher);
    }

    @AfterAll
    static void tearDown() {
        one.stop();
        two.stop();
        testDb.close();
    }

    @Test
    void suspensionThroughOneInstanceIsSeenByTheOtherWithinASecond() {
        ResolvedTenant t = one.store.create(TestTenants.newTenant("notify-me"));
        assertThat(two.resolver.resolveUnscoped("notify-me").orElseThrow().tenant().status())
                .isEqualTo(TenantStatus.ACTIVE);

        one.store.setStatus(t.id(), TenantStatus.SUSPENDED);

        assertThat(waitFor(() -> two.resolver.resolveUnscoped("notify-me").orElseThrow().tenant().status()
                == TenantStatus.SUSPENDED, Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void aCachedUnknownSlugIsFoundOnceTheTenantIsCreatedElsewhere() {
        assertThat(two.resolver.resolveUnscoped("late-comer")).isEmpty();

        one.store.create(TestTenants.newTenant("late-comer"));

        assertThat(waitFor(() -> two.resolver.resolveUnscoped("late-comer").isPresent(), Duration.ofSeconds(1)))
                .isTrue();
    }

    @Test
    void secretRotationAndDeletionReachTheOtherInstance() {
        ResolvedTenant t = one.store.create(TestTenants.newTenant("rotate-notify"));
        Secret next = Secret.of("rotated-secret-rotate-notify-1");
        assertThat(two.resolver.resolveUnscoped("rotate-notify")).isPresent();

        one.store.rotateSecret(t.id(), Provider.GORGIAS, next, Duration.ZERO);
        assertThat(waitFor(() -> two.resolver.resolveUnscoped("rotate-notify").orElseThrow()
                .verifyingSecrets(Provider.GORGIAS, Instant.now()).equals(java.util.List.of(next)),
                           Duration.ofSeconds(1))).isTrue();

        one.store.delete(t.id());
        assertThat(waitFor(() -> two.resolver.resolveUnscoped("rotate-notify").isEmpty(), Duration.ofSeconds(1)))
                .isTrue();
    }

    @Test
    void resolvingIsCachedUntilAChange() {
        ResolvedTenant created = one.store.create(TestTenants.newTenant("cached-one"));
        // The creation's own notices invalidate instance two's cache whenever they arrive; wait until they have.
        awaitNoticesHandled(two);
        ResolvedTenant first = two.resolver.resolveUnscoped("cached-one").orElseThrow();
        // the same object back means no second load from the database
        assertThat(two.resolver.resolveUnscoped("cached-one").orElseThrow()).isSameAs(first);

        one.store.setStatus(created.id(), TenantStatus.SUSPENDED);
        assertThat(waitFor(() -> two.resolver.resolveUnscoped("cached-one").orElseThrow() != first,
                           Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void resolvingByIdIsCachedAndInvalidatedByAChangeElsewhere() {
        ResolvedTenant created = one.store.create(TestTenants.newTenant("by-id"));
        awaitNoticesHandled(two);
        ResolvedTenant first = two.resolver.resolve(created.id()).orElseThrow();
        assertThat(first.tenant().slug()).isEqualTo("by-id");
        assertThat(first.gorgias().apiKey()).isEqualTo(created.gorgias().apiKey());
        assertThat(first.secrets()).hasSize(2);
        // the same object back means no second load (and no second decrypt)
        assertThat(two.resolver.resolve(created.id()).orElseThrow()).isSameAs(first);

        Secret next = Secret.of("rotated-secret-by-id-000000001");
        one.store.rotateSecret(created.id(), Provider.SHOPIFY, next, Duration.ZERO);
        assertThat(waitFor(() -> two.resolver.resolve(created.id()).orElseThrow()
                .verifyingSecrets(Provider.SHOPIFY, Instant.now()).equals(java.util.List.of(next)),
                           Duration.ofSeconds(1))).isTrue();

        one.store.delete(created.id());
        assertThat(waitFor(() -> two.resolver.resolve(created.id()).isEmpty(), Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void resolvingByIdKeepsTenantsApart() {
        ResolvedTenant a = one.store.create(TestTenants.newTenant("by-id-a"));
        ResolvedTenant b = one.store.create(TestTenants.newTenant("by-id-b"));
        awaitNoticesHandled(two);

        ResolvedTenant ra = two.resolver.resolve(a.id()).orElseThrow();
        ResolvedTenant rb = two.resolver.resolve(b.id()).orElseThrow();
        assertThat(ra.tenant().slug()).isEqualTo("by-id-a");
        assertThat(rb.tenant().slug()).isEqualTo("by-id-b");
        assertThat(ra.shopify().accessToken()).isEqualTo(a.shopify().accessToken())
                .isNotEqualTo(rb.shopify().accessToken());
        assertThat(ra.verifyingSecrets(Provider.GORGIAS, Instant.now()))
                .isEqualTo(a.verifyingSecrets(Provider.GORGIAS, Instant.now()))
                .doesNotContainAnyElementsOf(rb.verifyingSecrets(Provider.GORGIAS, Instant.now()));

        // a change to one drops only that one
        one.store.setStatus(a.id(), TenantStatus.SUSPENDED);
        assertThat(waitFor(() -> two.resolver.resolve(a.id()).orElseThrow().tenant().status()
                == TenantStatus.SUSPENDED, Duration.ofSeconds(1))).isTrue();
        awaitNoticesHandled(two);
        assertThat(two.resolver.resolve(b.id()).orElseThrow()).isSameAs(rb);
        assertThat(two.resolver.resolve(io.tollgate.tenant.TenantId.random())).isEmpty();
    }

    @Test
    void oneUnknownSlugCostsOneQueryUntilItsShortTtlEvenWhenAskedConcurrently() throws Exception {
        // no listener: only the TTL brings a tenant created elsewhere in
        TenantResolver resolver = new TenantResolver(one.store, Duration.ofHours(1), 100, Duration.ofSeconds(1), 100);
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var go = new java.util.concurrent.CountDownLatch(1);
            var answers = new java.util.ArrayList<java.util.concurrent.Future<Boolean>>();
            for (int i = 0; i < 50; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return resolver.resolveUnscoped("ghost-shop").isEmpty();
                }));
            }
            go.countDown();
            for (var a : answers) {
                assertThat(a.get()).isTrue();
            }
        }
        for (int i = 0; i < 50; i++) {
            assertThat(resolver.resolveUnscoped("ghost-shop")).isEmpty();
        }
        assertThat(resolver.slugQueries()).isEqualTo(1);

        one.store.create(TestTenants.newTenant("ghost-shop"));
        assertThat(waitFor(() -> resolver.resolveUnscoped("ghost-shop").isPresent(), Duration.ofSeconds(3)))
                .as("found within the unknown-slug TTL").isTrue();
        assertThat(resolver.slugQueries()).isEqualTo(2);
    }

    @Test
    void aFloodOfDistinctUnknownSlugsNeitherEvictsKnownTenantsNorGrowsWithoutBound() {
        one.store.create(TestTenants.newTenant("kept-shop"));
        TenantResolver resolver = new TenantResolver(one.store, Duration.ofHours(1), 10, Duration.ofMinutes(1), 10);
        ResolvedTenant kept = resolver.resolveUnscoped("kept-shop").orElseThrow();
        for (int i = 0; i < 200; i++) {
            assertThat(resolver.resolveUnscoped("nobody-" + i)).isEmpty();
        }
        assertThat(resolver.slugQueries()).isEqualTo(201);
        // the known tenant is still cached: the same object, no query
        assertThat(resolver.resolveUnscoped("kept-shop").orElseThrow()).isSameAs(kept);
        assertThat(resolver.slugQueries()).isEqualTo(201);
    }

    @Test
    void aLookUpThatMissesRunsThroughTheCallersGateWhichMayRefuse() {
        TenantResolver resolver = new TenantResolver(one.store, Duration.ofHours(1), 100, Duration.ofMinutes(1), 100);
        java.util.concurrent.atomic.AtomicInteger gated = new java.util.concurrent.atomic.AtomicInteger();
        TenantResolver.Gate refusing = lookup -> {
            gated.incrementAndGet();
            throw new IllegalStateException("busy");
        };
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> resolver.resolveUnscoped("gated-shop", refusing))
                .hasMessage("busy");
        assertThat(resolver.slugQueries()).isZero();
        // a refusal remembers nothing: the next look-up asks again
        TenantResolver.Gate counting = lookup -> {
            gated.incrementAndGet();
            return lookup.get();
        };
        assertThat(resolver.resolveUnscoped("gated-shop", counting)).isEmpty();
        assertThat(resolver.resolveUnscoped("gated-shop", counting)).isEmpty();
        assertThat(gated.get()).isEqualTo(2);
        assertThat(resolver.slugQueries()).isEqualTo(1);
    }

    /** A resolver without a listener (only its TTL brings changes in), whose misses must not happen: they throw. */
    private static final TenantResolver.Gate NO_QUERY = lookup -> {
        throw new IllegalStateException("a query on the caller's path");
    };

    @Test
    void pastItsTtlATenantIsAnsweredFromMemoryAndReadAgainInTheBackground() throws InterruptedException {
        ResolvedTenant created = one.store.create(TestTenants.newTenant("refresh-me"));
        Duration ttl = Duration.ofSeconds(2);
        TenantResolver resolver = new TenantResolver(one.store, ttl, 100, Duration.ofMinutes(1), 100);
        ResolvedTenant bySlug = resolver.resolveUnscoped("refresh-me").orElseThrow();
        ResolvedTenant byId = resolver.resolve(created.id()).orElseThrow();
        assertThat(resolver.slugQueries()).isEqualTo(1);

        Thread.sleep(ttl.plusMillis(200));
        // past the TTL (within twice it): answered at once from memory, no query on the caller's path (NO_QUERY
        // refuses one). The answer is the entry as it is, or already its refresh when the background read finished
        // before the cache looked at it again (Caffeine returns a refresh that completed at once): not the same object
        // every time, so only the tenant is compared
        assertThat(resolver.resolveUnscoped("refresh-me", NO_QUERY).orElseThrow().tenant().id())
                .isEqualTo(created.id());
        assertThat(resolver.resolve(created.id()).orElseThrow().tenant().id()).isEqualTo(created.id());
        assertThat(resolver.slugQueries()).isEqualTo(1);
        // and read again in the background: a new entry replaces it, still without a miss
        assertThat(waitFor(() -> resolver.resolveUnscoped("refresh-me", NO_QUERY).orElseThrow() != bySlug
                && resolver.resolve(created.id()).orElseThrow() != byId, Duration.ofSeconds(5))).isTrue();
        assertThat(resolver.resolveUnscoped("refresh-me", NO_QUERY).orElseThrow().tenant().slug())
                .isEqualTo("refresh-me");
        assertThat(resolver.slugQueries()).isEqualTo(1);
        assertThat(resolver.refreshes()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void theTtlStillBringsInAChangeNoNoticeAnnounced() throws InterruptedException {
        ResolvedTenant created = one.store.create(TestTenants.newTenant("refresh-gone"));
        Duration ttl = Duration.ofSeconds(2);
        TenantResolver resolver = new TenantResolver(one.store, ttl, 100, Duration.ofMinutes(1), 100);
        assertThat(resolver.resolveUnscoped("refresh-gone")).isPresent();
        assertThat(resolver.resolve(created.id()).orElseThrow().tenant().status()).isEqualTo(TenantStatus.ACTIVE);

        // this resolver hears no notice: only its TTL can bring the suspension, then the deletion, in
        one.store.setStatus(created.id(), TenantStatus.SUSPENDED);
        Thread.sleep(ttl.plusMillis(200));
        assertThat(waitFor(() -> resolver.resolve(created.id()).orElseThrow().tenant().status()
                == TenantStatus.SUSPENDED && resolver.resolveUnscoped("refresh-gone").orElseThrow().tenant().status()
                == TenantStatus.SUSPENDED, Duration.ofSeconds(5))).isTrue();

        one.store.delete(created.id());
        Thread.sleep(ttl.plusMillis(200));
        assertThat(waitFor(() -> resolver.resolve(created.id()).isEmpty()
                && resolver.resolveUnscoped("refresh-gone").isEmpty(), Duration.ofSeconds(5))).isTrue();
    }

    /** Sends a marker notice after everything committed so far and waits until {@code instance} has handled it. */
    private static void awaitNoticesHandled(Instance instance) {
        String marker = java.util.UUID.randomUUID().toString();
        one.db.call(() -> one.db.client().execute().get("SELECT pg_notify(?, ?)", TenantChangeListener.CHANNEL,
                                                         marker));
        assertThat(waitFor(() -> marker.equals(instance.listener.lastNotice()), Duration.ofSeconds(5))).isTrue();
    }

    private static boolean waitFor(java.util.function.BooleanSupplier condition, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }
}
