package io.tollgate.api;

import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.testing.TwoTenants;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The database of a store's test: a fresh migrated PostgreSQL with two tenants ({@link TwoTenants}) for the class,
 * the tables the store writes emptied before each test (in the order given, so children go before their parents),
 * dropped after the class. Register it as a static {@code @RegisterExtension} field; the class's own
 * {@code @BeforeAll} methods run after it has started, so they can build the store on {@link #db()}.
 */
public final class StoreDatabase implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
    private final String prefix;
    private final List<String> emptied;
    private TwoTenants fixture;

    /** Tenants {@code <prefix>-a} and {@code <prefix>-b}; {@code emptied} are the tables cleared before each test. */
    public StoreDatabase(String prefix, String... emptied) {
        this.prefix = prefix;
        this.emptied = List.of(emptied);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        fixture = TwoTenants.create(prefix);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        fixture.close();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String table : emptied) {
                s.execute("DELETE FROM " + table);
            }
        }
    }

    /** The pool a store under test is built on. */
    public Database db() {
        return fixture.db();
    }

    /** A connection of the test's own, outside the store's pool. */
    public Connection connect() throws SQLException {
        return fixture.testDb().connect();
    }

    public TenantId a() {
        return fixture.a();
    }

    public TenantId b() {
        return fixture.b();
    }
}
