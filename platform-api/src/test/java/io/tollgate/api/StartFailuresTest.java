package io.tollgate.api;

import io.tollgate.tenant.testing.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway that cannot start says why in one line and exits non-zero: run as a real process, as an operator runs it.
 */
class StartFailuresTest {
    private static final Duration EXIT_LIMIT = Duration.ofSeconds(90);
    private static final Path OUT = Path.of("target", "start-failures");

    private static TestDatabase db;
    private static EmbeddedPostgres passwordServer;

    @BeforeAll
    static void setUp() throws IOException {
        db = TestDatabase.empty();
        // A server of its own that asks every user but the superuser for a password (the shared test server trusts
        // everyone, so it cannot refuse a wrong password).
        Path dir = Path.of(System.getProperty("ot.epg.working-dir", "target/embedded-pg"));
        passwordServer = EmbeddedPostgres.builder()
                .setOverrideWorkingDirectory(dir.toFile())
                .setDataDirectory(dir.resolve("password-" + ProcessHandle.current().pid()))
                .setCleanDataDirectory(true)
                .setRegisterShutdownHook(true)
                .setDataDirectoryCustomizer(data -> writeHba(data.toPath()))
                .start();
        try (Connection c = passwordServer.getPostgresDatabase().getConnection();
             Statement st = c.createStatement()) {
            st.execute("SET password_encryption = 'scram-sha-256'");
            st.execute("CREATE ROLE tollgate_app LOGIN PASSWORD 'the-right-password-42'");
            st.execute("CREATE DATABASE tollgate OWNER tollgate_app");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeHba(Path data) {
        try {
            Files.writeString(data.resolve("pg_hba.conf"), """
                    local all postgres trust
                    host all postgres 127.0.0.1/32 trust
                    host all postgres ::1/128 trust
                    host all all 127.0.0.1/32 scram-sha-256
                    host all all ::1/128 scram-sha-256
                    """);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void tearDown() throws IOException {
        try {
            if (passwordServer != null) {
                passwordServer.close();
            }
        } finally {
            if (db != null) {
                db.close();
            }
        }
    }

    @Test
    void portInUseIsOneLineAndANonZeroExit() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            Map<String, String> env = new java.util.HashMap<>(TestServers.env(db.jdbcUrl(), db.user(), db.password()));
            env.put("PORT", String.valueOf(port));
            try (GatewayProcess gw = GatewayProcess.start(env, out("port-in-use"))) {
                assertThat(gw.exitCode(EXIT_LIMIT)).as(gw.output()).isNotZero();
                assertThat(gw.lines()).as(gw.output())
                        .containsExactly("Tollgate cannot start: PORT " + port + " is already in use");
            }
        }
    }

    @Test
    void adminPortInUseIsOneLineAndANonZeroExit() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            Map<String, String> env = new java.util.HashMap<>(TestServers.env(db.jdbcUrl(), db.user(), db.password()));
            env.put("TOLLGATE_ADMIN_PORT", String.valueOf(port));
            try (GatewayProcess gw = GatewayProcess.start(env, out("admin-port-in-use"))) {
                assertThat(gw.exitCode(EXIT_LIMIT)).as(gw.output()).isNotZero();
                assertThat(gw.lines()).as(gw.output())
                        .containsExactly("Tollgate cannot start: TOLLGATE_ADMIN_PORT " + port + " is already in use");
            }
        }
    }

    @Test
    void unreachableDatabaseNamesDatabaseUrlWithThePasswordMasked() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + closed + "/tollgate?user=app&password=s3cret-in-url";
        List<String> lines = failedStart("unreachable", TestServers.env(url, "app", "s3cret-in-env"));
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .startsWith("Tollgate cannot start: ")
                .contains("DATABASE_URL", "127.0.0.1:" + closed + "/tollgate", "password=***", "connection refused")
                .doesNotContain("s3cret");
    }

    @Test
    void missingDatabaseIsNamed() throws Exception {
        String url = db.jdbcUrl().replace("/" + db.name(), "/no_such_db_here");
        List<String> lines = failedStart("missing-db", TestServers.env(url, db.user(), db.password()));
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("Tollgate cannot start: ")
                .contains("DATABASE_URL", "database \"no_such_db_here\" does not exist");
    }

    @Test
    void wrongPasswordIsAnAuthenticationFailure() throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + passwordServer.getPort() + "/tollgate";
        List<String> lines = failedStart("wrong-password", TestServers.env(url, "tollgate_app", "not-the-password-7"));
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("Tollgate cannot start: ")
                .contains("DATABASE_URL", "password authentication failed for user \"tollgate_app\"")
                .doesNotContain("not-the-password-7");
    }

    @Test
    void rightPasswordOnTheSameServerStarts() throws Exception {
        // the control for the test above: the same server and user with the right password is healthy
        String url = "jdbc:postgresql://127.0.0.1:" + passwordServer.getPort() + "/tollgate";
        try (GatewayProcess gw = GatewayProcess.start(TestServers.env(url, "tollgate_app", "the-right-password-42"),
                                                      out("right-password"))) {
            assertThat(gw.awaitHealthy(EXIT_LIMIT)).isPositive();
        }
    }

    private static List<String> failedStart(String name, Map<String, String> env) throws InterruptedException {
        try (GatewayProcess gw = GatewayProcess.start(env, out(name))) {
            assertThat(gw.exitCode(EXIT_LIMIT)).as(gw.output()).isNotZero();
            assertThat(gw.output()).doesNotContain("\tat ", "\\tat ", "Exception");
            return gw.lines();
        }
    }

    private static Path out(String name) {
        return OUT.resolve(name + "-" + UUID.randomUUID() + ".log");
    }
}
