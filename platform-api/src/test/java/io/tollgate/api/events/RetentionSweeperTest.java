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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetentionSweeperTest {
    /** Events the ordinary retention deletes (other tests here keep unfinished ones past it on purpose). */
    private static final String FINISHED = " AND status IN ('processed', 'skipped', 'rejected', 'discarded')";
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
        try (RetentionSweeper sweeper = new RetentionSweeper(db, Duration.ofDays(7), Duration.ofDays(30))) {
            assertThat(sweeper.sweepOnce()).isEqualTo(old + 5);
            assertThat(sweeper.sweepOnce()).isZero();
        }
        try (Connection c = testDb.connect()) {
            // (the other test's tenant keeps its young events in the same database)
            String mine = " WHERE tenant_id IN ('" + a + "', '" + b + "')";
            assertThat(count(c, "SELECT count(*) FROM webhook_events" + mine)).isEqualTo(7);
            assertThat(count(c, "SELECT count(*) FROM jobs" + mine)).isEqualTo(7);
            assertThat(count(c, "SELECT count(*) FROM webhook_events WHERE received_at < now() - interval '7 days'"
                                   + FINISHED))
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
            keptBefore = count(c, "SELECT count(*) FROM webhook_events WHERE received_at >= now() - interval '7 days'"
                                        + FINISHED);
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
                    try (RetentionSweeper sweeper = new RetentionSweeper(pool, Duration.ofDays(7),
                                                                         Duration.ofDays(30))) {
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
            assertThat(count(c, "SELECT count(*) FROM webhook_events WHERE received_at < now() - interval '7 days'"
                                   + FINISHED))
                    .isZero();
            assertThat(count(c, "SELECT count(*) FROM webhook_events WHERE received_at >= now() - interval '7 days'"
                                   + FINISHED))
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
             RetentionSweeper sweeper = new RetentionSweeper(db, Duration.ofDays(7), Duration.ofDays(30))) {
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

    @Test
    void unfinishedWorkOutlivesTheRetentionUntilItsOwnLimitAndTheGaugeShowsItFirst() throws Exception {
        TenantStore store = new TenantStore(db, new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64())));
        UUID a = store.create(TestTenants.newTenant("unfinished-a")).id().value();
        try (Connection c = testDb.connect()) {
            insert(c, a, 3, 10, "processed", "done", 0);
            insert(c, a, 2, 10, "skipped", "done", 0);
            insert(c, a, 1, 10, "rejected", "done", 0);
            insert(c, a, 1, 10, "discarded", "done", 0);
            insert(c, a, 4, 10, "dead", "dead", 0);
            insert(c, a, 2, 10, "accepted", "queued", 2); // deferred: due in two days
            insert(c, a, 1, 10, "accepted", "queued", 0); // retrying, due now
            insert(c, a, 1, 10, "processing", "running", 0);
            insert(c, a, 5, 27, "dead", "dead", 0);       // within 3 days of the dead-event limit
            insert(c, a, 2, 2, "dead", "dead", 0);
            insert(c, a, 1, 0, "dead", "dead", 0);
        }
        String mine = " WHERE tenant_id = '" + a + "'";
        try (RetentionSweeper sweeper = new RetentionSweeper(db, Duration.ofDays(7), Duration.ofDays(30))) {
            RetentionSweeper.Held before = sweeper.sample();
            // (other tests' events share the database: their dead ones are young, or gone with their sweeps)
            assertThat(before.weekToMonth()).as("dead 7-30 days").isGreaterThanOrEqualTo(4 + 5);
            assertThat(before.dayToWeek()).as("dead 1-7 days").isGreaterThanOrEqualTo(2);
            assertThat(before.lessThanDay()).as("dead under a day").isGreaterThanOrEqualTo(1);
            assertThat(before.oldestUnfinishedSeconds()).as("the oldest is 27 days old: the alert's 3 days ahead")
                    .isGreaterThan(Duration.ofDays(27).toSeconds());

            RetentionSweeper.Swept swept = sweeper.sweep();
            assertThat(swept.unfinished()).as("nothing unfinished deleted before its limit").isZero();
            try (Connection c = testDb.connect()) {
                assertThat(count(c, "SELECT count(*) FROM webhook_events" + mine + " AND status IN "
                        + "('processed', 'skipped', 'rejected', 'discarded')")).as("finished: aged out").isZero();
                assertThat(count(c, "SELECT count(*) FROM webhook_events" + mine + " AND status = 'dead'"))
                        .isEqualTo(4 + 5 + 2 + 1);
                assertThat(count(c, "SELECT count(*) FROM jobs" + mine + " AND status IN ('queued', 'running')"))
                        .as("deferred, retrying and running jobs kept with their events").isEqualTo(4);
                assertThat(count(c, "SELECT count(*) FROM webhook_events" + mine)).isEqualTo(16);

                // four days on: the 27-day-old dead events are past the 30-day limit, the rest are not
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE webhook_events SET received_at = received_at - interval '4 days'" + mine)) {
                    ps.executeUpdate();
                }
            }
            RetentionSweeper.Held later = sweeper.sample();
            assertThat(later.overMonth()).as("the gauge shows them past the limit").isGreaterThanOrEqualTo(5);
            assertThat(later.oldestUnfinishedSeconds()).isGreaterThan(Duration.ofDays(30).toSeconds());

            swept = sweeper.sweep();
            assertThat(swept.unfinished()).as("only the 5 past the dead-event limit").isEqualTo(5);
            assertThat(sweeper.sample().overMonth()).isZero();
            try (Connection c = testDb.connect()) {
                assertThat(count(c, "SELECT count(*) FROM webhook_events" + mine)).isEqualTo(11);
                assertThat(count(c, "SELECT count(*) FROM webhook_events" + mine + " AND status = 'dead'"))
                        .isEqualTo(4 + 2 + 1);
                assertThat(count(c, "SELECT count(*) FROM jobs" + mine)).isEqualTo(11);
            }
        }
    }

    @Test
    void aPacedSweepDeletesTheSameEventsAsAnUnpacedOne() throws Exception {
        TenantStore store = new TenantStore(db, new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64())));
        UUID a = store.create(TestTenants.newTenant("paced-a")).id().value();
        int old = 2 * RetentionSweeper.BATCH + 3;
        try (Connection c = testDb.connect()) {
            insert(c, a, old, 12);
            insert(c, a, 4, 12, "dead", "dead", 0);
            insert(c, a, 6, 1);
        }
        try (RetentionSweeper sweeper = new RetentionSweeper(db, new EventPartitions(db), Duration.ofDays(7),
                                                             Duration.ofDays(30), 0.5)) {
            assertThat(sweeper.sweep()).isEqualTo(new RetentionSweeper.Swept(old, 0));
        }
        try (Connection c = testDb.connect()) {
            assertThat(count(c, "SELECT count(*) FROM webhook_events WHERE tenant_id = '" + a + "'")).isEqualTo(4 + 6);
        }
        assertThatThrownBy(() -> new RetentionSweeper(db, new EventPartitions(db), Duration.ofDays(7),
                                                      Duration.ofDays(30), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetentionSweeper(db, new EventPartitions(db), Duration.ofDays(7),
                                                      Duration.ofDays(30), 1.5))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDeadRetentionIsNeverShorterThanTheEventRetention() {
        try (RetentionSweeper sweeper = new RetentionSweeper(db, Duration.ofDays(40), Duration.ofDays(30))) {
            assertThat(sweeper.deadRetention()).isEqualTo(Duration.ofDays(40));
        }
    }

    /** A bulk replay's list of events (its progress) goes after the dead-event retention, never before. */
    @Test
    void aBulkReplaysListGoesAfterTheDeadRetention() throws Exception {
        TenantStore store = new TenantStore(db, new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64())));
        UUID a = store.create(TestTenants.newTenant("replay-lists")).id().value();
        UUID old = UUID.randomUUID();
        UUID recent = UUID.randomUUID();
        try (Connection c = testDb.connect(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO replay_batches (tenant_id, batch, event_id, created_at)"
                        + " VALUES (?, ?, gen_random_uuid(), now() - make_interval(days => ?))")) {
            for (Object[] row : new Object[][] {{old, 31}, {old, 31}, {recent, 29}}) {
                ps.setObject(1, a);
                ps.setObject(2, row[0]);
                ps.setInt(3, (Integer) row[1]);
                ps.executeUpdate();
            }
        }
        try (RetentionSweeper sweeper = new RetentionSweeper(db, Duration.ofDays(7), Duration.ofDays(30))) {
            sweeper.sweep();
        }
        try (Connection c = testDb.connect()) {
            assertThat(count(c, "SELECT count(*) FROM replay_batches WHERE batch = '" + old + "'")).isZero();
            assertThat(count(c, "SELECT count(*) FROM replay_batches WHERE batch = '" + recent + "'")).isEqualTo(1);
        }
    }

    private static void insert(Connection c, UUID tenant, int n, int daysAgo) throws Exception {
        insert(c, tenant, n, daysAgo, "processed", "done", 0);
    }

    /** {@code n} events of a status received {@code daysAgo} days (and a minute) ago, each with a job. */
    private static void insert(Connection c, UUID tenant, int n, int daysAgo, String status, String jobStatus,
                               int runInDays) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("""
                WITH e AS (
                  INSERT INTO webhook_events (id, tenant_id, provider, delivery_key, payload_sha256, body, status,
                                              received_at)
                  SELECT gen_random_uuid(), ?, 'shopify', 'k-' || gen_random_uuid(), sha256('x'::bytea), 'x'::bytea,
                         ?, now() - make_interval(days => ?) - interval '1 minute'
                  FROM generate_series(1, ?) RETURNING id, tenant_id)
                INSERT INTO jobs (id, tenant_id, event_id, status, run_at, lease_owner, lease_expires_at)
                SELECT gen_random_uuid(), tenant_id, id, ?, now() + make_interval(days => ?),
                       CASE WHEN ? = 'running' THEN gen_random_uuid()::text END,
                       CASE WHEN ? = 'running' THEN now() + interval '1 hour' END FROM e""")) {
            ps.setObject(1, tenant);
            ps.setString(2, status);
            ps.setInt(3, daysAgo);
            ps.setInt(4, n);
            ps.setString(5, jobStatus);
            ps.setInt(6, runInDays);
            ps.setString(7, jobStatus);
            ps.setString(8, jobStatus);
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
