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

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * For tests of one changeSet against data written before it: the schema migrated up to a given changeSet, and plain
 * JDBC to write and read rows.
 */
final class PartialMigration {
    private PartialMigration() {
    }

    /** How many changeSets the full changelog applies before {@code id}. */
    static int changeSetsBefore(String id) throws SQLException {
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

    static void migrateFirst(Database pool, int count) throws Exception {
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

    static void exec(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }

    static String row(Connection c, String sql, Object param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }
}
