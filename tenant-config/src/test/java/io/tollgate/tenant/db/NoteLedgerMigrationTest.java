package io.tollgate.tenant.db;

import io.tollgate.tenant.testing.TestDatabase;
import liquibase.Scope;
import liquibase.command.CommandScope;
import liquibase.command.core.UpdateCountCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;
import liquibase.ui.LoggerUIService;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
                // and the old note outlives its event, like the new ones (retention does not fail on it)
                exec(c, "DELETE FROM webhook_events WHERE id = ?", event);
                assertThat(row(c, "SELECT coalesce(event_id::text, 'null') FROM notes WHERE id = ?", note))
                        .isEqualTo("null");
            }
        }
    }

    /** How many changeSets the full changelog applies before {@code id}. */
    private static int changeSetsBefore(String id) throws SQLException {
        try (TestDatabase full = TestDatabase.migrated(); Connection c = full.connect();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM databasechangelog ORDER BY orderexecuted")) {
            List<String> ids = new ArrayList<>();
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
            assertThat(ids).contains(id);
            return ids.indexOf(id);
        }
    }

    private static void migrateFirst(Database pool, int count) throws Exception {
        try (Connection connection = pool.dataSource().getConnection()) {
            liquibase.database.Database db = DatabaseFactory.getInstance()
                    .findCorrectDatabaseImplementation(new JdbcConnection(connection));
            Scope.child(Map.of(Scope.Attr.resourceAccessor.name(),
                               new ClassLoaderResourceAccessor(SchemaMigrator.class.getClassLoader()),
                               Scope.Attr.ui.name(), new LoggerUIService()),
                        () -> new CommandScope(UpdateCountCommandStep.COMMAND_NAME)
                                .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, db)
                                .addArgumentValue(UpdateCountCommandStep.CHANGELOG_FILE_ARG, SchemaMigrator.CHANGELOG)
                                .addArgumentValue(UpdateCountCommandStep.COUNT_ARG, count)
                                .execute());
        }
    }

    private static void exec(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }

    private static String row(Connection c, String sql, Object param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }
}
