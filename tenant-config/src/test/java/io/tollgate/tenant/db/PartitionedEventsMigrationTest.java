package io.tollgate.tenant.db;

import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

import static io.tollgate.tenant.db.PartialMigration.changeSetsBefore;
import static io.tollgate.tenant.db.PartialMigration.exec;
import static io.tollgate.tenant.db.PartialMigration.migrateFirst;
import static io.tollgate.tenant.db.PartialMigration.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ChangeSet 019 (webhook_events partitioned by day, dedup in delivery_keys) applied to a database holding events. */
class PartitionedEventsMigrationTest {
    private static final int EVENTS = 20_000;

    @Test
    void storedEventsMoveIntoTheirDaysWithTheirKeysJobsAndNotes() throws Exception {
        int before019 = changeSetsBefore("019-partitioned-webhook-events");
        UUID tenant = UUID.randomUUID();
        UUID rejected = UUID.randomUUID(); // stored before 019 with a random (not time-ordered) id
        try (TestDatabase testDb = TestDatabase.empty()) {
            try (Database db = testDb.open()) {
                migrateFirst(db, before019);
            }
            try (Connection c = testDb.connect()) {
                exec(c, "INSERT INTO tenants (id, slug, name) VALUES (?, 'old-events', 'Old events')", tenant);
                // time-ordered ids over the last 10 days, every 100th dead with a dead job, the rest processed
                exec(c, """
                        WITH e AS (
                          INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body,
                                                      status, received_at)
                          SELECT (lpad(to_hex((extract(epoch FROM t.at) * 1000)::bigint), 12, '0') || '7'
                                  || substr(md5(g::text), 1, 19))::uuid,
                                 ?, 'shopify', 'orders/create', 'k-' || g, sha256('x'::bytea), 'x'::bytea,
                                 CASE WHEN mod(g, 100) = 0 THEN 'dead' ELSE 'processed' END, t.at
                            FROM generate_series(1, %d) g,
                                 LATERAL (SELECT now() - make_interval(secs => 864000.0 * g / %d) AS at) t
                          RETURNING id, tenant_id, status)
                        INSERT INTO jobs (id, tenant_id, event_id, status)
                        SELECT gen_random_uuid(), tenant_id, id, 'dead' FROM e WHERE status = 'dead'""".formatted(
                        EVENTS, EVENTS), tenant);
                exec(c, "INSERT INTO webhook_events (id, tenant_id, provider, delivery_key, payload_sha256, body, "
                        + "status, error) VALUES (?, ?, 'gorgias', 'bad', sha256('x'::bytea), 'x'::bytea, 'rejected', "
                        + "'unparseable')", rejected, tenant);
                exec(c, "INSERT INTO notes (id, tenant_id, event_id, gorgias_ticket_id, external_id, "
                        + "answered_message_id) SELECT gen_random_uuid(), ?, id, 1, 'x-1', 1 FROM webhook_events "
                        + "WHERE status = 'dead' ORDER BY id LIMIT 1", tenant);
            }

            long t0 = System.nanoTime();
            try (Database db = testDb.open()) {
                SchemaMigrator.migrate(db.dataSource());
            }
            System.out.printf("migration 019: %d events copied in %.1f s%n", EVENTS + 1,
                              (System.nanoTime() - t0) / 1e9);

            try (Connection c = testDb.connect()) {
                assertThat(row(c, "SELECT count(*) FROM webhook_events WHERE tenant_id = ?", tenant))
                        .isEqualTo(String.valueOf(EVENTS + 1));
                assertThat(row(c, "SELECT count(*) FROM delivery_keys WHERE tenant_id = ?", tenant))
                        .as("one dedup key per stored event").isEqualTo(String.valueOf(EVENTS + 1));
                assertThat(row(c, "SELECT count(*) FROM webhook_events_default WHERE tenant_id = ?", tenant))
                        .as("time-ordered ids are in their days").isEqualTo(String.valueOf(
                                row(c, "SELECT count(*) FROM webhook_events_default WHERE id = ?", rejected)));
                assertThat(row(c, "SELECT count(*) FROM webhook_events WHERE id = ?", rejected)).isEqualTo("1");
                // every day from the oldest event's to three days ahead has its partition
                LocalDate today = LocalDate.now(ZoneOffset.UTC);
                for (LocalDate d = today.minusDays(10); !d.isAfter(today.plusDays(3)); d = d.plusDays(1)) {
                    assertThat(row(c, "SELECT count(*) FROM pg_class WHERE relname = ? AND relispartition",
                                   "webhook_events_p" + DateTimeFormatter.BASIC_ISO_DATE.format(d))).isEqualTo("1");
                }
                assertThat(row(c, "SELECT count(*) FROM jobs j JOIN webhook_events e ON e.id = j.event_id "
                        + "WHERE j.tenant_id = ?", tenant)).isEqualTo(String.valueOf(EVENTS / 100));
                assertThat(row(c, "SELECT count(*) FROM notes n JOIN webhook_events e ON e.id = n.event_id "
                        + "WHERE n.tenant_id = ?", tenant)).isEqualTo("1");
                assertThat(row(c, "SELECT count(*) FROM pg_class WHERE relname = ?", "webhook_events_unpartitioned"))
                        .isEqualTo("0");
                // dedup now lives in delivery_keys: a second key for a stored delivery is refused
                assertThatThrownBy(() -> exec(c, "INSERT INTO delivery_keys (tenant_id, provider, delivery_key, "
                        + "event_id) VALUES (?, 'shopify', 'k-1', gen_random_uuid())", tenant))
                        .hasMessageContaining("delivery_keys_pkey");
            }
        }
    }
}
