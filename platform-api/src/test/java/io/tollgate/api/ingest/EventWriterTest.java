package io.tollgate.api.ingest;

import io.tollgate.tenant.EventId;
import io.tollgate.tenant.Provider;
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

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** Group commit: copies inside one batch, across batches and across tenants resolve to one first copy each. */
class EventWriterTest {
    private static TestDatabase testDb;
    private static Database db;
    private static TenantId a;
    private static TenantId b;

    @BeforeAll
    static void setUp() {
        testDb = TestDatabase.migrated();
        db = testDb.open();
        TenantStore store = new TenantStore(db, new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64())));
        a = store.create(TestTenants.newTenant("writer-a")).id();
        b = store.create(TestTenants.newTenant("writer-b")).id();
    }

    @AfterAll
    static void tearDown() {
        db.close();
        testDb.close();
    }

    private static Delivery delivery(TenantId tenant, String key) {
        byte[] body = ("{\"k\": \"" + key + "\"}").getBytes(StandardCharsets.UTF_8);
        return new Delivery(tenant, Provider.SHOPIFY, Optional.of("orders/create"), key, new byte[32], body,
                            Map.of("x-shopify-topic", "orders/create"));
    }

    @Test
    void aRetryAfterItsFirstCopysDayWasDroppedIsStillADuplicate() throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        try (EventWriter writer = new EventWriter(db, new DatabaseLoad(1000, 4), 1, 25)) {
            EventWriter.Stored first = writer.submit(delivery(a, "across-midnight"), deadline).get();
            assertThat(first.inserted()).isTrue();
            // the first copy came in yesterday (hours ago, before midnight UTC) and was processed: its id and key of
            // that time, in yesterday's partition
            java.time.Instant now = java.time.Instant.now();
            java.time.Instant today = now.truncatedTo(java.time.temporal.ChronoUnit.DAYS);
            java.time.Instant at = now.minus(java.time.Duration.ofHours(23)).isBefore(today)
                    ? now.minus(java.time.Duration.ofHours(23)) : now.minus(java.time.Duration.ofHours(30));
            java.util.UUID old = new java.util.UUID((at.toEpochMilli() << 16) | 0x7000L, 0x8000_0000_0000_0001L);
            java.util.UUID from = new java.util.UUID(today.minus(java.time.Duration.ofDays(1)).toEpochMilli() << 16, 0);
            java.util.UUID to = new java.util.UUID(today.toEpochMilli() << 16, 0);
            String name = "webhook_events_p" + java.time.format.DateTimeFormatter.BASIC_ISO_DATE
                    .format(java.time.LocalDate.ofInstant(today, java.time.ZoneOffset.UTC).minusDays(1));
            exec("CREATE TABLE IF NOT EXISTS " + name + " PARTITION OF webhook_events FOR VALUES FROM ('" + from
                         + "') TO ('" + to + "')");
            java.util.UUID firstId = first.eventId().value();
            exec("UPDATE webhook_events SET id = '" + old + "', status = 'processed', received_at = '" + at
                         + "'::timestamptz WHERE id = '" + firstId + "'");
            exec("UPDATE jobs SET event_id = '" + old + "', status = 'done' WHERE event_id = '" + firstId + "'");
            exec("UPDATE delivery_keys SET event_id = '" + old + "', received_at = '" + at + "'::timestamptz "
                         + "WHERE event_id = '" + firstId + "'");

            // yesterday is past a retention of the hours since midnight: its partition is retired, the event dropped
            java.time.Duration retention = java.time.Duration.between(today, now);
            try (io.tollgate.api.events.RetentionSweeper sweeper = new io.tollgate.api.events.RetentionSweeper(
                    db, retention, java.time.Duration.ofDays(30))) {
                assertThat(sweeper.sweep().days()).isGreaterThanOrEqualTo(1);
            }
            assertThat(count("SELECT count(*) FROM webhook_events WHERE id = '" + old + "'")).isZero();
            assertThat(count("SELECT count(*) FROM pg_class WHERE relname = '" + name + "'")).isZero();

            // Shopify's retry, hours after the first copy: still a duplicate of it
            EventWriter.Stored retry = writer.submit(delivery(a, "across-midnight"), deadline).get();
            assertThat(retry).isEqualTo(new EventWriter.Stored(new EventId(old), false));
            assertThat(count("SELECT count(*) FROM webhook_events WHERE delivery_key = 'across-midnight'")).isZero();
        }
    }

    private static void exec(String sql) throws Exception {
        try (Connection c = testDb.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.execute();
        }
    }

    @Test
    void copiesInsideAndAcrossBatchesHaveOneFirstCopy() throws Exception {
        List<CompletableFuture<EventWriter.Stored>> copiesA = new ArrayList<>();
        List<CompletableFuture<EventWriter.Stored>> copiesB = new ArrayList<>();
        List<CompletableFuture<EventWriter.Stored>> unique = new ArrayList<>();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        try (EventWriter writer = new EventWriter(db, new DatabaseLoad(1000, 4), 2, 25)) {
            for (int i = 0; i < 40; i++) {
                copiesA.add(writer.submit(delivery(a, "same-key"), deadline));
                copiesB.add(writer.submit(delivery(b, "same-key"), deadline));
                unique.add(writer.submit(delivery(a, "unique-" + i), deadline));
            }
            assertOneFirstCopy(copiesA);
            assertOneFirstCopy(copiesB);
            assertThat(copiesA.getFirst().get().eventId()).isNotEqualTo(copiesB.getFirst().get().eventId());
            Set<EventId> ids = new HashSet<>();
            for (CompletableFuture<EventWriter.Stored> f : unique) {
                assertThat(f.get().inserted()).isTrue();
                ids.add(f.get().eventId());
            }
            assertThat(ids).hasSize(40);

            // a later copy, in a batch of its own, finds the same first copy
            EventWriter.Stored late = writer.submit(delivery(a, "same-key"), deadline).get();
            assertThat(late.inserted()).isFalse();
            assertThat(late.eventId()).isEqualTo(copiesA.getFirst().get().eventId());
        }
        assertThat(count("SELECT count(*) FROM webhook_events")).isEqualTo(42);
        assertThat(count("SELECT count(*) FROM jobs j JOIN webhook_events e ON e.id = j.event_id"
                                 + " AND e.tenant_id = j.tenant_id")).isEqualTo(42);
    }

    private static void assertOneFirstCopy(List<CompletableFuture<EventWriter.Stored>> copies) throws Exception {
        int inserted = 0;
        Set<EventId> ids = new HashSet<>();
        for (CompletableFuture<EventWriter.Stored> f : copies) {
            inserted += f.get().inserted() ? 1 : 0;
            ids.add(f.get().eventId());
        }
        assertThat(inserted).isEqualTo(1);
        assertThat(ids).hasSize(1);
    }

    private static long count(String sql) throws Exception {
        try (Connection c = testDb.connect(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
