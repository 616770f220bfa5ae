package io.tollgate.tenant.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * One real PostgreSQL server per test run (JVM) and a fresh database per test class.
 *
 * <p>By default an embedded server (zonky) is started under {@code target/}. When {@code TEST_DATABASE_URL} is set
 * (e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres}, user from {@code TEST_DATABASE_USER}, default
 * {@code postgres}, password from {@code TEST_DATABASE_PASSWORD}) that server is used instead: tests create and drop
 * their own databases on it.
 */
public final class TestPostgres {
    private static final Object LOCK = new Object();
    private static TestPostgres instance;

    private final String adminUrl;
    private final String user;
    private final String password;
    private final EmbeddedPostgres embedded;

    private TestPostgres(String adminUrl, String user, String password, EmbeddedPostgres embedded) {
        this.adminUrl = adminUrl;
        this.user = user;
        this.password = password;
        this.embedded = embedded;
    }

    public static TestPostgres get() {
        synchronized (LOCK) {
            if (instance == null) {
                instance = start();
            }
            return instance;
        }
    }

    private static TestPostgres start() {
        String external = System.getenv("TEST_DATABASE_URL");
        if (external != null && !external.isBlank()) {
            return new TestPostgres(external, envOr("TEST_DATABASE_USER", "postgres"),
                                    envOr("TEST_DATABASE_PASSWORD", ""), null);
        }
        try {
            Path dir = Path.of(System.getProperty("ot.epg.working-dir", "target/embedded-pg"));
            Files.createDirectories(dir);
            Path data = dir.resolve("data-" + ProcessHandle.current().pid());
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setOverrideWorkingDirectory(dir.toFile())
                    .setDataDirectory(data)
                    .setCleanDataDirectory(true)
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (IOException ignored) {
                    // the JVM is going away
                }
            }, "test-postgres-stop"));
            return new TestPostgres("jdbc:postgresql://localhost:" + pg.getPort() + "/postgres", "postgres", "", pg);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL; set TEST_DATABASE_URL to use a"
                                                   + " running server instead", e);
        }
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** Creates an empty database with a unique name. */
    public TestDatabase createDatabase() {
        String name = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(adminUrl, user, password);
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create test database", e);
        }
        return new TestDatabase(this, name, withDatabase(adminUrl, name), user, password);
    }

    void dropDatabase(String name) {
        try (Connection c = DriverManager.getConnection(adminUrl, user, password);
             Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop test database " + name, e);
        }
    }

    /** The port the server listens on (embedded mode), or -1. */
    public int embeddedPort() {
        return embedded == null ? -1 : embedded.getPort();
    }

    static String withDatabase(String url, String database) {
        // jdbc:postgresql://host:port/db?params -> same with another db
        int schemeEnd = url.indexOf("//") + 2;
        int slash = url.indexOf('/', schemeEnd);
        int query = url.indexOf('?', schemeEnd);
        String hostPart = url.substring(0, slash < 0 ? (query < 0 ? url.length() : query) : slash);
        String params = query < 0 ? "" : url.substring(query);
        return hostPart + "/" + database + params;
    }
}
