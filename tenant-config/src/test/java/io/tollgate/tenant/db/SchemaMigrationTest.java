package io.tollgate.tenant.db;

import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class SchemaMigrationTest {
    private static TestDatabase testDb;

    @BeforeAll
    static void createEmptyDatabase() {
        testDb = TestDatabase.empty();
    }

    @AfterAll
    static void drop() {
        testDb.close();
    }

    @Test
    void appliesToAnEmptyDatabaseAndIsANoOpTheSecondTime() throws SQLException {
        try (Database db = testDb.open()) {
            SchemaMigrator.migrate(db.dataSource());
            List<String> first = appliedChangeSets();
            Set<String> tables = tables();
            assertThat(tables).contains("tenants", "gorgias_credentials", "shopify_credentials", "webhook_secrets",
                                        "operator_tokens", "webhook_events", "jobs", "customers", "tickets",
                                        "messages", "orders", "notes", "audit_log", "draft_budget", "rate_buckets");
            assertThat(first).isNotEmpty();

            SchemaMigrator.migrate(db.dataSource());

            assertThat(appliedChangeSets()).isEqualTo(first);
            assertThat(tables()).isEqualTo(tables);
        }
    }

    @Test
    void everyForeignKeyCascadesAndEveryTenantOwnedTableReachesTenants() throws SQLException {
        try (Database db = testDb.open()) {
            SchemaMigrator.migrate(db.dataSource());
        }
        List<String> notCascading = new ArrayList<>();
        Set<String> referencingTenants = new HashSet<>();
        try (Connection c = testDb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT conname, conrelid::regclass::text AS child, confrelid::regclass::text AS parent,
                            confdeltype
                     FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace""")) {
            while (rs.next()) {
                if (!"c".equals(rs.getString("confdeltype"))) {
                    notCascading.add(rs.getString("conname"));
                }
                if ("tenants".equals(rs.getString("parent"))) {
                    referencingTenants.add(rs.getString("child"));
                }
            }
        }
        assertThat(notCascading).as("foreign keys without ON DELETE CASCADE").isEmpty();

        Set<String> withTenantColumn = new HashSet<>();
        try (Connection c = testDb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT table_name FROM information_schema.columns
                     WHERE table_schema = 'public' AND column_name = 'tenant_id'""")) {
            while (rs.next()) {
                withTenantColumn.add(rs.getString(1));
            }
        }
        // audit_log keeps tenant_id as a plain column on purpose: a tenant's deletion must stay on record.
        withTenantColumn.remove("audit_log");
        assertThat(referencingTenants).containsExactlyInAnyOrderElementsOf(withTenantColumn);
    }

    private List<String> appliedChangeSets() throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = testDb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id || ':' || md5sum FROM databasechangelog ORDER BY orderexecuted")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    private Set<String> tables() throws SQLException {
        Set<String> names = new HashSet<>();
        try (Connection c = testDb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
