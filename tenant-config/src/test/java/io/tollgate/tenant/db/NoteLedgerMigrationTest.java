package io.tollgate.tenant.db;

import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.UUID;

import static io.tollgate.tenant.db.PartialMigration.changeSetsBefore;
import static io.tollgate.tenant.db.PartialMigration.exec;
import static io.tollgate.tenant.db.PartialMigration.migrateFirst;
import static io.tollgate.tenant.db.PartialMigration.row;
import static org.assertj.core.api.Assertions.assertThat;

/** ChangeSet 007 applied to a database that already holds a note written under the old (event-keyed) ledger. */
class NoteLedgerMigrationTest {

    @Test
    void upgradesADatabaseWithAnOldNoteAndKeepsIt() throws Exception {
        int before007 = changeSetsBefore("007-note-ledger");
        // plain SQL for the old schema: today's TenantStore reads columns later changeSets add
        UUID tenant = UUID.randomUUID();
        UUID event = UUID.randomUUID();
        UUID note = UUID.randomUUID();
        try (TestDatabase testDb = TestDatabase.empty()) {
            try (Database db = testDb.open()) {
                migrateFirst(db, before007);
            }
            try (Connection c = testDb.connect()) {
                exec(c, "INSERT INTO tenants (id, slug, name) VALUES (?, 'old-ledger', 'Old ledger')", tenant);
                exec(c, "INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256,"
                        + " body, status) VALUES (?, ?, 'gorgias', 'ticket-created', 'k1', sha256('{}'::bytea),"
                        + " '{}'::bytea, 'accepted')", event, tenant);
                exec(c, "INSERT INTO notes (id, tenant_id, event_id, gorgias_ticket_id, external_id, state)"
                        + " VALUES (?, ?, ?, 101, ?, 'posted')", note, tenant, event, "tollgate:" + event);
            }

            try (Database db = testDb.open()) {
                SchemaMigrator.migrate(db.dataSource());
            }

            try (Connection c = testDb.connect()) {
                assertThat(row(c, "SELECT event_id || '|' || coalesce(answered_message_id::text, 'null') || '|'"
                        + " || external_id || '|' || state FROM notes WHERE id = ?", note))
                        .isEqualTo(event + "|null|tollgate:" + event + "|posted");
                // the old note does not stand in the way of a new one for the same ticket (NULL is never equal)
                exec(c, "INSERT INTO notes (id, tenant_id, gorgias_ticket_id, answered_message_id, external_id)"
                        + " VALUES (?, ?, 101, 5, 'tollgate:new')", UUID.randomUUID(), tenant);
                // and the old note outlives its event, like the new ones (retention does not fail on it; since
                // changeSet 019 retention, not a foreign key, clears the ledger's event_id: RetentionSweeperTest)
                exec(c, "DELETE FROM webhook_events WHERE id = ?", event);
                assertThat(row(c, "SELECT state FROM notes WHERE id = ?", note)).isEqualTo("posted");
            }
        }
    }
}
