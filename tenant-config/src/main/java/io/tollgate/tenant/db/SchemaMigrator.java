package io.tollgate.tenant.db;

import liquibase.Scope;
import liquibase.command.CommandScope;
import liquibase.UpdateSummaryOutputEnum;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.helpers.ShowSummaryArgument;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;
import liquibase.ui.LoggerUIService;

import java.sql.Connection;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Applies the changelog from the {@code migrations} jar under Liquibase's lock (so instances starting together
 * do not race). Applying it again is a no-op.
 */
public final class SchemaMigrator {
    /** The master changelog on the classpath (module {@code migrations}). */
    public static final String CHANGELOG = "db/changelog/db.changelog-master.yaml";

    static {
        // Offline machines: never phone home.
        System.setProperty("liquibase.analytics.enabled", "false");
        System.setProperty("liquibase.hub.mode", "off");
        System.setProperty("liquibase.showBanner", "false");
    }

    private SchemaMigrator() {
    }

    public static void migrate(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection()) {
            Database db = DatabaseFactory.getInstance()
                    .findCorrectDatabaseImplementation(new JdbcConnection(connection));
            Scope.child(Map.of(Scope.Attr.resourceAccessor.name(),
                               new ClassLoaderResourceAccessor(SchemaMigrator.class.getClassLoader()),
                               // progress goes to the log, not to standard output
                               Scope.Attr.ui.name(), new LoggerUIService()),
                        () -> new CommandScope(UpdateCommandStep.COMMAND_NAME)
                                .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, db)
                                .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, CHANGELOG)
                                .addArgumentValue(ShowSummaryArgument.SHOW_SUMMARY_OUTPUT, UpdateSummaryOutputEnum.LOG)
                                .execute());
        } catch (Exception e) {
            throw new IllegalStateException("schema migration failed: " + e.getMessage(), e);
        }
    }
}
