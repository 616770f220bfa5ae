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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ChangeSet 012 (operator token scopes) applied to a database that already holds operator tokens. */
class OperatorScopesMigrationTest {

    @Test
    void existingTokensKeepEveryScopeAndNewOnesMustNameTheirs() throws Exception {
        int before012 = changeSetsBefore("012-operator-token-scopes");
        UUID live = UUID.randomUUID();
        UUID revoked = UUID.randomUUID();
        try (TestDatabase testDb = TestDatabase.empty()) {
            try (Database db = testDb.open()) {
                migrateFirst(db, before012);
            }
            try (Connection c = testDb.connect()) {
                exec(c, "INSERT INTO operator_tokens (id, name, token_hash)"
                        + " VALUES (?, 'old-robot', sha256('a'::bytea))", live);
                exec(c, "INSERT INTO operator_tokens (id, name, token_hash, revoked_at)"
                        + " VALUES (?, 'old-gone', sha256('b'::bytea), now())", revoked);
            }

            try (Database db = testDb.open()) {
                SchemaMigrator.migrate(db.dataSource());
            }

            try (Connection c = testDb.connect()) {
                assertThat(row(c, "SELECT array_to_string(scopes, ',') || '|' || coalesce(expires_at::text, 'never')"
                        + " FROM operator_tokens WHERE id = ?", live)).isEqualTo("read,operate,payloads,tokens|never");
                assertThat(row(c, "SELECT array_to_string(scopes, ',') FROM operator_tokens WHERE id = ?", revoked))
                        .isEqualTo("read,operate,payloads,tokens");
                // a new token names its scopes: there is no default, and only known scopes are stored
                assertThatThrownBy(() -> exec(c, "INSERT INTO operator_tokens (id, name, token_hash)"
                        + " VALUES (?, 'no-scopes', sha256('c'::bytea))", UUID.randomUUID()))
                        .hasMessageContaining("scopes");
                assertThatThrownBy(() -> exec(c, "INSERT INTO operator_tokens (id, name, token_hash, scopes)"
                        + " VALUES (?, 'odd', sha256('d'::bytea), '{read,root}')", UUID.randomUUID()))
                        .hasMessageContaining("operator_tokens_scopes_ck");
                assertThatThrownBy(() -> exec(c, "INSERT INTO operator_tokens (id, name, token_hash, scopes)"
                        + " VALUES (?, 'empty', sha256('e'::bytea), '{}')", UUID.randomUUID()))
                        .hasMessageContaining("operator_tokens_scopes_ck");
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
