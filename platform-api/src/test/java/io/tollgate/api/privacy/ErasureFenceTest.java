package io.tollgate.api.privacy;

import io.tollgate.tenant.EventId;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.crypto.MasterKey;
import io.tollgate.tenant.db.DataException;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.store.TenantStore;
import io.tollgate.tenant.testing.TestDatabase;
import io.tollgate.tenant.testing.TestTenants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A job that runs while a privacy erasure of its tenant commits writes back nothing the erasure erased: a job
 * transaction after the erasure is refused by the fence; one that waited for the tenant's erasure lock while the
 * erasure held it is refused once the erasure commits (the fence's one statement looks for the erasure with a snapshot
 * taken after the wait); and one that took the lock first commits before the erasure starts, which then erases what it
 * wrote. Real PostgreSQL, several threads.
 */
class ErasureFenceTest {
    private static TestDatabase testDb;
    private static Database db;
    private static TenantStore store;
    private static Erasure erasure;

    @BeforeAll
    static void setUp() {
        testDb = TestDatabase.migrated();
        db = testDb.open();
        store = new TenantStore(db, new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64())));
        erasure = new Erasure(db);
    }

    @AfterAll
    static void tearDown() {
        db.close();
        testDb.close();
    }

    private static ResolvedTenant tenant(String slug) {
        TenantId id = store.create(TestTenants.newTenant(slug)).id();
        return store.find(id).orElseThrow();
    }

    /** What a ticket job writes: the customer's Gorgias ticket, as it read it upstream. */
    private static void writeTicket(ResolvedTenant t, long ticket) {
        db.inTransaction(tx -> tx.insert("""
                INSERT INTO tickets (id, tenant_id, gorgias_ticket_id, subject) VALUES (?, ?, ?, 'Where is my order?')""",
                                         UUID.randomUUID(), t.id().value(), ticket));
    }

    private static long tickets(ResolvedTenant t) {
        return db.call(() -> db.client().execute().get("SELECT count(*) AS n FROM tickets WHERE tenant_id = ?",
                                                        t.id().value())
                .map(r -> r.column("n").getLong()).orElseThrow());
    }

    private static Instant databaseNow() {
        return db.call(() -> io.tollgate.tenant.db.Rows.instant(
                db.client().execute().get("SELECT now() AS t").orElseThrow(), "t"));
    }

    @Test
    void aJobTransactionAfterAnErasureOfItsTenantWritesNothingAndIsToldToRunAgain() {
        ResolvedTenant t = tenant("fence-after");
        ResolvedTenant other = tenant("fence-other");
        Instant claimed = databaseNow();
        EventId jobEvent = new EventId(UUID.randomUUID());
        erasure.shop(t, new EventId(UUID.randomUUID()), "shop/redact");

        assertThatThrownBy(() -> Database.fenced(Erasure.fence(t.id(), jobEvent, claimed),
                                                 () -> { writeTicket(t, 7001L); return null; }))
                .isInstanceOf(DataException.Fenced.class);
        assertThat(tickets(t)).as("the stale ticket was not written back").isZero();

        // another tenant's job is not fenced by this tenant's erasure
        Database.fenced(Erasure.fence(other.id(), jobEvent, claimed), () -> { writeTicket(other, 7002L); return null; });
        assertThat(tickets(other)).isEqualTo(1);
        // nor is a job claimed after the erasure, nor the privacy event's own job by its own erasure
        EventId privacyEvent = new EventId(UUID.randomUUID());
        erasure.shop(other, privacyEvent, "shop/redact");
        Database.fenced(Erasure.fence(other.id(), privacyEvent, claimed), () -> { writeTicket(other, 7003L); return null; });
        Database.fenced(Erasure.fence(t.id(), jobEvent, databaseNow()), () -> { writeTicket(t, 7004L); return null; });
        assertThat(tickets(t)).isEqualTo(1);
    }

    @Test
    void aJobTransactionThatWaitedForTheLockWhileAnErasureCommittedSeesTheErasureAndWritesNothing() throws Exception {
        ResolvedTenant t = tenant("fence-wait");
        Instant claimed = databaseNow();
        EventId jobEvent = new EventId(UUID.randomUUID());
        UUID stored = storeEvent(t);
        // threads of their own: both block in the database (the common pool may have a single one)
        try (Connection rowHolder = testDb.connect();
             java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool()) {
            // the erasure, once it holds the tenant's erasure lock, waits for this row (it tombstones every body)
            rowHolder.setAutoCommit(false);
            try (PreparedStatement lock = rowHolder.prepareStatement(
                    "SELECT id FROM webhook_events WHERE tenant_id = ? AND id = ? FOR UPDATE")) {
                lock.setObject(1, t.id().value());
                lock.setObject(2, stored);
                lock.executeQuery().close();
            }
            EventId privacyEvent = new EventId(UUID.randomUUID());
            CompletableFuture<Erasure.Erased> erased = CompletableFuture.supplyAsync(
                    () -> erasure.shop(t, privacyEvent, "shop/redact"), threads);
            awaitCount("the erasure holds the tenant's erasure lock and waits for the held row", """
                    SELECT count(*) FROM pg_stat_activity
                     WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE webhook_events SET body%'""");

            // the job's transaction: its fence waits for the erasure's exclusive lock
            CompletableFuture<Void> job = CompletableFuture.runAsync(() -> Database.fenced(
                    Erasure.fence(t.id(), jobEvent, claimed), () -> {
                        writeTicket(t, 7201L);
                        return null;
                    }), threads);
            awaitCount("the job's fence waits for the erasure lock", """
                    SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock' AND NOT granted""");
            assertThat(job).as("the fence waits while the erasure holds the lock").isNotDone();

            rowHolder.commit(); // the erasure goes on and commits; then the fence's lock is granted
            assertThat(erased.get(30, TimeUnit.SECONDS).rows()).containsKey("tickets");
            assertThatThrownBy(() -> job.get(30, TimeUnit.SECONDS))
                    .as("the fence saw the erasure that committed while it waited")
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(DataException.Fenced.class);
        }
        assertThat(tickets(t)).as("the job wrote nothing after the erasure it waited for").isZero();
    }

    /** A stored Gorgias event of the tenant whose body is not erased yet. */
    private static UUID storeEvent(ResolvedTenant t) {
        UUID id = UUID.randomUUID();
        byte[] body = "{\"ticket\": {\"id\": 7201}}".getBytes(StandardCharsets.UTF_8);
        db.inTransaction(tx -> tx.insert("""
                INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, headers,
                                            status)
                VALUES (?, ?, 'gorgias', 'ticket', ?, sha256(?::bytea), ?::bytea, '{}'::jsonb, 'processed')""",
                                         id, t.id().value(), "id:fence-" + id, body, body));
        return id;
    }

    /** Waits until {@code sql} counts at least one row (at most 30 s). */
    private static void awaitCount(String what, String sql) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        BooleanSupplier seen = () -> {
            try (Connection c = testDb.connect(); ResultSet r = c.createStatement().executeQuery(sql)) {
                return r.next() && r.getLong(1) > 0;
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        };
        while (!seen.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void anErasureWaitsForAJobTransactionThatHoldsTheLockAndThenErasesWhatItWrote() throws Exception {
        ResolvedTenant t = tenant("fence-during");
        Instant claimed = databaseNow();
        EventId jobEvent = new EventId(UUID.randomUUID());
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong jobCommitted = new AtomicLong();
        CompletableFuture<Void> job = CompletableFuture.runAsync(() -> Database.fenced(
                Erasure.fence(t.id(), jobEvent, claimed), () -> db.inTransaction(tx -> {
                    tx.insert("INSERT INTO tickets (id, tenant_id, gorgias_ticket_id, subject) VALUES (?, ?, ?, 'x')",
                              UUID.randomUUID(), t.id().value(), 7101L);
                    inside.countDown();
                    try {
                        assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    jobCommitted.set(System.nanoTime());
                    return null;
                })));
        assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Long> erased = CompletableFuture.supplyAsync(() -> {
            erasure.shop(t, new EventId(UUID.randomUUID()), "shop/redact");
            return System.nanoTime();
        });
        // the erasure waits for the job's transaction (it holds the tenant's erasure lock, shared)
        Thread.sleep(500);
        assertThat(erased).as("the erasure waits for the job's transaction").isNotDone();
        release.countDown();
        job.get(30, TimeUnit.SECONDS);
        long erasedAt = erased.get(30, TimeUnit.SECONDS);
        assertThat(erasedAt).isGreaterThan(jobCommitted.get());
        assertThat(tickets(t)).as("the erasure erased what the job wrote before it").isZero();
    }
}
