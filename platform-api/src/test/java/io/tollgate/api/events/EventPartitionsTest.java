package io.tollgate.api.events;

import io.tollgate.tenant.EventId;
import io.tollgate.tenant.TenantId;
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
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The day partitions of webhook_events: created ahead, retired whole with their unfinished events kept. */
class EventPartitionsTest {
    private static TestDatabase testDb;
    private static Database db;
    private static TenantStore store;

    @BeforeAll
    static void setUp() {
        testDb = TestDatabase.migrated();
        db = testDb.open();
        store = new TenantStore(db, new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64())));
    }

    @AfterAll
    static void tearDown() {
        db.close();
        testDb.close();
    }

    @Test
    void daysAreCreatedAheadAndAMissingDayIsRepairedFromTheDefaultPartition() throws Exception {
        UUID a = store.create(TestTenants.newTenant("ahead-a")).id().value();
        EventPartitions partitions = new EventPartitions(db, "('dead')");
        LocalDate inTwoDays = EventPartitions.today().plusDays(2);
        try (RetentionSweeper sweeper = new RetentionSweeper(db, Duration.ofDays(7), Duration.ofDays(30))) {
            sweeper.ensureAhead();
            assertThat(partitions.readyAhead()).as("today and 3 days ahead").isEqualTo(RetentionSweeper.AHEAD_DAYS + 1);

            // the day after tomorrow goes missing (its creation failed): its events land in the DEFAULT partition
            exec("DROP TABLE " + EventPartitions.Day.name(inTwoDays));
            assertThat(partitions.readyAhead()).isEqualTo(2);
            UUID early = idAt(EventPartitions.start(inTwoDays).plusSeconds(60));
            insertEvent(a, early, "processed", Instant.now());
            assertThat(partitionOf(early)).isEqualTo(EventPartitions.DEFAULT);

            assertThat(sweeper.ensureAhead()).as("the missing day created again").isEqualTo(1);
            assertThat(partitionOf(early)).as("its event moved in").isEqualTo(EventPartitions.Day.name(inTwoDays));
            assertThat(partitions.readyAhead()).isEqualTo(RetentionSweeper.AHEAD_DAYS + 1);
            assertThat(scalar("SELECT count(*) FROM " + EventPartitions.DEFAULT + " WHERE id = '" + early + "'"))
                    .isZero();
        }
    }

    @Test
    void aRetiredDayKeepsItsUnfinishedEventsAndJobsUntilTheDeadRetention() throws Exception {
        TenantId tenant = store.create(TestTenants.newTenant("retire-a")).id();
        UUID a = tenant.value();
        LocalDate day = EventPartitions.today().minusDays(5);
        EventPartitions partitions = new EventPartitions(db, "('dead', 'accepted', 'processing')");
        assertThat(partitions.create(day)).isTrue();
        Instant at = EventPartitions.start(day).plus(Duration.ofHours(12));
        UUID processed = event(a, at, "processed", "done");
        event(a, at.plusSeconds(1), "skipped", null);
        event(a, at.plusSeconds(2), "discarded", "done");
        UUID dead = event(a, at.plusSeconds(3), "dead", "dead");
        UUID queued = event(a, at.plusSeconds(4), "accepted", "queued");
        UUID running = event(a, at.plusSeconds(5), "processing", "running");
        exec("INSERT INTO notes (id, tenant_id, event_id, gorgias_ticket_id, external_id, answered_message_id) VALUES "
                     + "(gen_random_uuid(), '" + a + "', '" + processed + "', 1, 'x-1', 1), "
                     + "(gen_random_uuid(), '" + a + "', '" + dead + "', 2, 'x-2', 2)");
        String mine = " WHERE tenant_id = '" + a + "'";

        try (RetentionSweeper sweeper = new RetentionSweeper(db, Duration.ofDays(3), Duration.ofDays(30))) {
            RetentionSweeper.Swept swept = sweeper.sweep();
            assertThat(swept.days()).as("the day (and no younger one) retired").isEqualTo(1);
            assertThat(swept.unfinished()).isZero();
        }
        assertThat(scalar("SELECT count(*) FROM webhook_events" + mine)).as("dead, queued, running kept").isEqualTo(3);
        assertThat(partitionOf(dead)).isEqualTo(EventPartitions.Day.name(day) + EventPartitions.HELD);
        assertThat(scalar("SELECT count(*) FROM pg_class WHERE relname = '" + EventPartitions.Day.name(day) + "'"))
                .as("the old day dropped").isZero();
        assertThat(scalar("SELECT count(*) FROM jobs" + mine)).as("the kept events' jobs, not the others'")
                .isEqualTo(3);
        assertThat(scalar("SELECT count(*) FROM jobs" + mine + " AND event_id IN ('" + dead + "', '" + queued
                                  + "', '" + running + "')")).isEqualTo(3);
        assertThat(scalar("SELECT count(*) FROM notes" + mine + " AND event_id IS NULL"))
                .as("the ledger forgets the dropped event only").isEqualTo(1);
        assertThat(scalar("SELECT count(*) FROM notes" + mine + " AND event_id = '" + dead + "'")).isEqualTo(1);

        // seen and handled through the same relation as every other event
        EventStore events = new EventStore(db);
        assertThat(events.list(tenant, Optional.of(EventStatus.DEAD), EventFilter.NONE, 10, Optional.empty()).events())
                .extracting(e -> e.id().value()).containsExactly(dead);
        assertThat(events.get(tenant, new EventId(dead))).get()
                .satisfies(d -> assertThat(d.job()).isPresent());
        assertThat(new JobQueue(db).replay(tenant, new EventId(dead))).isInstanceOf(JobQueue.ReplayResult.Queued.class);
        assertThat(scalar("SELECT count(*) FROM webhook_events WHERE id = '" + dead + "' AND status = 'accepted'"))
                .isEqualTo(1);

        // the dead-event retention reached: the gauge shows them first, then they go, and the emptied day with them
        try (RetentionSweeper sweeper = new RetentionSweeper(db, Duration.ofDays(3), Duration.ofDays(4))) {
            assertThat(sweeper.sample().oldestUnfinishedSeconds()).isGreaterThan(Duration.ofDays(4).toSeconds());
            RetentionSweeper.Swept swept = sweeper.sweep();
            // (this tenant's three, and any other test's old dead events in the same database)
            assertThat(swept.unfinished()).isGreaterThanOrEqualTo(3);
            assertThat(sweeper.sample().oldestUnfinishedSeconds()).isZero();
        }
        assertThat(scalar("SELECT count(*) FROM webhook_events" + mine)).isZero();
        assertThat(scalar("SELECT count(*) FROM jobs" + mine)).isZero();
        assertThat(scalar("SELECT count(*) FROM notes" + mine + " AND event_id IS NOT NULL")).isZero();
        assertThat(scalar("SELECT count(*) FROM pg_class WHERE relname LIKE '" + EventPartitions.Day.name(day)
                                  + "%'")).as("the held day, emptied, dropped").isZero();
    }

    @Test
    void ingestDuringSwapsLosesNothing() throws Exception {
        UUID a = store.create(TestTenants.newTenant("swap-a")).id().value();
        EventPartitions partitions = new EventPartitions(db, "('dead', 'accepted', 'processing')");
        List<LocalDate> days = List.of(EventPartitions.today().minusDays(12), EventPartitions.today().minusDays(11),
                                       EventPartitions.today().minusDays(10));
        for (LocalDate d : days) {
            assertThat(partitions.create(d)).isTrue();
            exec("INSERT INTO webhook_events (id, tenant_id, provider, delivery_key, payload_sha256, body, status, "
                         + "received_at) SELECT ('" + idAt(EventPartitions.start(d)).toString().substring(0, 14)
                         + "7' || substr(md5(g::text), 1, 3) || '-8' || substr(md5(g::text), 4, 15))::uuid, '" + a
                         + "', 'shopify', 'old-' || g || '-" + d + "', sha256('x'::bytea), 'x'::bytea, CASE WHEN g % 10 "
                         + "= 0 THEN 'dead' ELSE 'processed' END, '" + EventPartitions.start(d) + "'::timestamptz "
                         + "FROM generate_series(1, 2000) g");
        }
        AtomicBoolean swapping = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int writer = w;
                writers.add(threads.submit(() -> {
                    int n = 0;
                    // at least 200 each, and on until every day is swapped
                    while (n < 200 || swapping.get()) {
                        UUID id = idAt(Instant.now());
                        try (Connection c = testDb.connect(); PreparedStatement ps = c.prepareStatement("""
                                WITH k AS (INSERT INTO delivery_keys (tenant_id, provider, delivery_key, event_id)
                                           VALUES (?, 'shopify', ?, ?) RETURNING event_id, tenant_id, delivery_key)
                                INSERT INTO webhook_events (id, tenant_id, provider, delivery_key, payload_sha256, body,
                                                            status)
                                SELECT event_id, tenant_id, 'shopify', delivery_key, sha256('x'::bytea), 'x'::bytea,
                                       'accepted' FROM k""")) {
                            ps.setObject(1, a);
                            ps.setString(2, "new-" + writer + "-" + n);
                            ps.setObject(3, id);
                            assertThat(ps.executeUpdate()).isEqualTo(1);
                        }
                        n++;
                    }
                    return n;
                }));
            }
            try (RetentionSweeper sweeper = new RetentionSweeper(db, Duration.ofDays(9), Duration.ofDays(30))) {
                RetentionSweeper.Swept swept = sweeper.sweep();
                assertThat(swept.days()).isGreaterThanOrEqualTo(3);
            } finally {
                swapping.set(false);
            }
            int written = 0;
            for (Future<Integer> f : writers) {
                written += f.get(120, TimeUnit.SECONDS);
            }
            assertThat(scalar("SELECT count(*) FROM webhook_events WHERE tenant_id = '" + a + "' AND delivery_key "
                                      + "LIKE 'new-%'")).as("every insert during the swaps is there")
                    .isEqualTo(written);
            assertThat(scalar("SELECT count(*) FROM webhook_events WHERE tenant_id = '" + a + "' AND delivery_key "
                                      + "LIKE 'old-%'")).as("each old day's dead events kept").isEqualTo(3 * 200);
        } finally {
            threads.shutdownNow();
        }
    }

    /** A time-ordered id of the millisecond {@code at}, like TimeOrderedIds makes. */
    static UUID idAt(Instant at) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (at.toEpochMilli() << 16) | 0x7000L | (r.nextLong() & 0x0FFFL);
        return new UUID(msb, (r.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L);
    }

    /** An event received at {@code at} (its id of that time), with a job of {@code jobStatus} unless null. */
    private static UUID event(UUID tenant, Instant at, String status, String jobStatus) throws Exception {
        UUID id = idAt(at);
        insertEvent(tenant, id, status, at);
        if (jobStatus != null) {
            exec("INSERT INTO jobs (id, tenant_id, event_id, status, lease_owner, lease_expires_at) VALUES "
                         + "(gen_random_uuid(), '" + tenant + "', '" + id + "', '" + jobStatus + "', "
                         + ("running".equals(jobStatus) ? "'w', now() + interval '1 hour'" : "NULL, NULL") + ")");
        }
        return id;
    }

    private static void insertEvent(UUID tenant, UUID id, String status, Instant at) throws Exception {
        exec("INSERT INTO webhook_events (id, tenant_id, provider, delivery_key, payload_sha256, body, status, "
                     + "received_at) VALUES ('" + id + "', '" + tenant + "', 'shopify', 'k-" + id + "', "
                     + "sha256('x'::bytea), 'x'::bytea, '" + status + "', '" + at + "'::timestamptz)");
    }

    private static String partitionOf(UUID id) throws Exception {
        try (Connection c = testDb.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT tableoid::regclass::text FROM webhook_events WHERE id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static void exec(String sql) throws Exception {
        try (Connection c = testDb.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.execute();
        }
    }

    private static long scalar(String sql) throws Exception {
        try (Connection c = testDb.connect(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
