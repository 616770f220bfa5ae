package io.tollgate.tenant.testing;

import io.tollgate.tenant.Secret;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.db.DatabaseSettings;
import io.tollgate.tenant.db.SchemaMigrator;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;

/** A database of its own for one test class. {@link #close()} drops it. */
public final class TestDatabase implements AutoCloseable {
    private final TestPostgres server;
    private final String name;
    private final String jdbcUrl;
    private final String user;
    private final String password;

    TestDatabase(TestPostgres server, String name, String jdbcUrl, String user, String password) {
        this.server = server;
        this.name = name;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
    }

    /** A fresh database with the whole Tollgate schema applied. */
    public static TestDatabase migrated() {
        TestDatabase db = TestPostgres.get().createDatabase();
        try (Database pool = db.open()) {
            SchemaMigrator.migrate(pool.dataSource());
        }
        return db;
    }

    public static TestDatabase empty() {
        return TestPostgres.get().createDatabase();
    }

    public String name() {
        return name;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** The host and port of the server, for a {@link TcpProxy} in front of it. */
    public URI address() {
        String rest = jdbcUrl.substring("jdbc:postgresql://".length());
        String hostPort = rest.substring(0, rest.indexOf('/'));
        return URI.create("tcp://" + hostPort);
    }

    public DatabaseSettings settings() {
        return settingsFor(jdbcUrl);
    }

    /** Settings for the same database reached through another address (a proxy). */
    public DatabaseSettings settingsVia(String host, int port) {
        return settingsFor("jdbc:postgresql://" + host + ":" + port + "/" + name);
    }

    private DatabaseSettings settingsFor(String url) {
        return new DatabaseSettings(url, user, Secret.of(password), 8, Duration.ofSeconds(1));
    }

    public Database open() {
        return Database.open(settings());
    }

    /** A plain JDBC connection for assertions that read the database directly. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, user, password);
    }

    @Override
    public void close() {
        server.dropDatabase(name);
    }
}
