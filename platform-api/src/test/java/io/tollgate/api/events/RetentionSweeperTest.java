package io.tollgate.api.events;

import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.crypto.MasterKey;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.store.TenantStore;
import io.tollgate.tenant.testing.TestDatabase;
import io.tollgate.tenant.testing.TestTenants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RetentionSweeperTest {
    private static TestDatabase testDb;
    private static Database db;

    @BeforeAll
    static void setUp() {
        testDb = TestDatabase.migrated();
        db = testDb.open();
    }

    @AfterAll
    static void tearDown() {
        db.close();
        testDb.close();
    }

    @Test
    void deletesOnlyEventsPastTheRetentionWithTheirJobsInBatches() throws Exception {
        TenantStore store = new TenantStore(db, new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64())));
        UUID a = store.create(TestTenants.newTenant("keeper-a")).id().value();
        UUID b = store.create(TestTenants.newTenant("keeper-b")).id().value();
        int old = RetentionSweeper.BATCH + 7;
        try (Connection c = testDb.connect()) {
            insert(c, a, old, 8);
            insert(c, b, 5, 8);
            insert(c, a, 3, 6);
            insert(c, b, 4, 0);
        }
        try (RetentionSweeper sweeper = new RetentionSweeper(db, Duration.ofDays(7))) {
            assertThat(sweeper.sweepOnce()).isEqualTo(old + 5);
            assertThat(sweeper.sweepOnce()).isZero();
        }
        try (Connection c = testDb.connect()) {
            // (the other test's tenant keeps its young events in the same database)
            String mine = " WHERE tenant_id IN ('" + a + "', '" + b + "')";
            assertThat(count(c, "SELECT count(*) FROM webhook_events" + mine)).isEqualTo(7);
            assertThat(count(c, "SELECT count(*) FROM jobs" + mine)).isEqualTo(7);
            assertThat(count(c, "SELECT count(*) FROM webhook_events WHERE received_at < now() - interval '7 days'"))
                    .isZero();
        }
    }

    @Test
    void instancesSweepingAtOnceDeleteEachEventOnceAndLeaveNoneBehind() throws Exception {
        TenantStore store = new TenantStore(db, new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64())));
        UUID a = store.create(TestTenants.newTenant("shared-a")).id().value();
        int old = 4 * RetentionSweeper.BATCH + 11;
        try (Connection c = testDb.connect()) {
            insert(c, a, old, 9);
            insert(c, a, 5, 1);
        }
        long keptBefore;
        try (Connection c = testDb.connect()) {
            keptBefore = count(c, "SELECT count(*) FROM webhook_events WHERE received_at >= now() - interval '7 days'");
        }
        // three instances, each with its own pool, start together
        List<Database> pools = List.of(testDb.open(), testDb.open(), testDb.open());
        ExecutorService threads = Executors.newFixedThreadPool(pools.size());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Long>> swept = new ArrayList<>();
            for (Database pool : pools) {
                swept.add(threads.submit(() -> {
                    go.await();
                    try (RetentionSweeper sweeper = new RetentionSweeper(pool, Duration.ofDays(7))) {
                        return sweeper.sweepOnce();
                    }
                }));
            }
            go.countDown();
            long total = 0;
            for (Future<Long> f : swept) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            // each event deleted by exactly one of them (a row another one held was skipped, not counted twice)
            assertThat(total).isEqualTo(old);
        } finally {
            threads.shutdownNow();
            pools.forEach(Database::close);
        }
        try (Connection c = testDb.connect()) {
            assertThat(count(c, "SELECT count(*) FROM webhook_events WHERE received_at < now() - interval '7 days'"))
                    .isZero();
            assertThat(count(c, "SELECT count(*) FROM webhook_events WHERE received_at >= now() - interval '7 days'"))
                    .isEqualTo(keptBefore);
        }
    }

    @Test
    void aSweepSkipsRowsAnotherInstanceHoldsInsteadOfWaitingForThem() throws Exception {
        TenantStore store = new TenantStore(db, new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64())));
        UUID a = store.create(TestTenants.newTenant("held-a")).id().value();
        int old = 30;
        try (Connection c = testDb.connect()) {
            insert(c, a, old, 10);
        }
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (Connection holder = testDb.connect();
             RetentionSweeper sweeper = new RetentionSweeper(db, Duration.ofDays(7))) {
            // another instance's batch holds one old event (its row lock, uncommitted)
            holder.setAutoCommit(false);
            try (PreparedStatement ps = holder.prepareStatement(
                    "SELECT id FROM webhook_events WHERE tenant_id = ? ORDER BY received_at LIMIT 1 FOR UPDATE")) {
                ps.setObject(1, a);
                ps.executeQuery().close();
            }
            // a sweep waiting for that lock would never end while it is held: the bound only detects that hang
            Future<Long> swept = thread.submit(sweeper::sweepOnce);
            assertThat(swept.get(60, TimeUnit.SECONDS)).as("every old event but the held one").isEqualTo(old - 1);
            holder.rollback();
            assertThat(sweeper.sweepOnce()).as("the held one, once released").isEqualTo(1);
        } finally {
            thread.shutdownNow();
        }
    }

    private static void insert(Connection c, UUID tenant, int n, int daysAgo) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("""
                WITH e AS (
                  INSERT INTO webhook_events (id, tenant_id, provider, delivery_key, payload_sha256, body, status,
                                              received_at)
                  SELECT gen_random_uuid(), ?, 'shopify', 'k-' || gen_random_uuid(), sha256('x'::bytea), 'x'::bytea,
                         'accepted', now() - make_interval(days => ?) - interval '1 minute'
                  FROM generate_series(1, ?) RETURNING id, tenant_id)
                INSERT INTO jobs (id, tenant_id, event_id) SELECT gen_random_uuid(), tenant_id, id FROM e""")) {
            ps.setObject(1, tenant);
            ps.setInt(2, daysAgo);
            ps.setInt(3, n);
            ps.executeUpdate();
        }
    }

    private static long count(Connection c, String sql) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
