package io.tollgate.api.local;

import io.tollgate.api.Main;
import io.tollgate.api.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The run command with nothing configured: embedded database, generated keys, all kept across restarts. */
class LocalModeTest {
    @TempDir
    Path dir;

    @Test
    void bootsWithNothingConfiguredAndKeepsDataAndKeysAcrossRestarts() throws Exception {
        Map<String, String> env = Map.of("PORT", "0", "TOLLGATE_HOST", "127.0.0.1",
                                         "TOLLGATE_DATA_DIR", dir.toString());
        Path secrets = dir.resolve(LocalMode.SECRETS_FILE);
        String firstKey;
        String jdbcUrl;
        try (Main.Running first = Main.boot(env)) {
            assertThat(TestServers.get(first.gateway(), "/observe/health").statusCode()).isEqualTo(200);
            assertThat(Files.getPosixFilePermissions(secrets))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            Properties p = load(secrets);
            firstKey = p.getProperty("TOLLGATE_MASTER_KEY");
            assertThat(firstKey).isNotBlank();
            assertThat(p.getProperty("TOLLGATE_ADMIN_TOKEN")).startsWith("tg_").hasSizeGreaterThan(30);
            jdbcUrl = first.local().config().database().url().orElseThrow();
            try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                 Statement st = c.createStatement()) {
                st.execute("CREATE TABLE survives_restart (x int)");
            }
        }
        // stopped: the embedded server no longer listens
        int port = Integer.parseInt(jdbcUrl.replaceAll(".*:(\\d+)/.*", "$1"));
        assertThatThrownBy(() -> new Socket("localhost", port).close()).isInstanceOf(ConnectException.class);

        try (Main.Running second = Main.boot(env)) {
            assertThat(TestServers.get(second.gateway(), "/observe/health").statusCode()).isEqualTo(200);
            assertThat(load(secrets).getProperty("TOLLGATE_MASTER_KEY")).isEqualTo(firstKey);
            try (Connection c = DriverManager.getConnection(second.local().config().database().url().orElseThrow(),
                                                            "postgres", "");
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_tables WHERE tablename = 'survives_restart'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void stalePidFileNamingAnUnrelatedProcessIsClearedAndThatProcessLeftAlone() throws Exception {
        Map<String, String> env = Map.of("PORT", "0", "TOLLGATE_HOST", "127.0.0.1",
                                         "TOLLGATE_DATA_DIR", dir.toString());
        try (Main.Running first = Main.boot(env)) {
            assertThat(TestServers.get(first.gateway(), "/observe/health").statusCode()).isEqualTo(200);
        }
        // after a reboot the pid in postmaster.pid may belong to anything: it must not block the start, nor be killed
        Process unrelated = new ProcessBuilder("sleep", "300").start();
        try {
            Path pidFile = dir.resolve("pg").resolve("postmaster.pid");
            Files.writeString(pidFile, unrelated.pid() + "\n" + dir.resolve("pg") + "\n1700000000\n5432\n");
            try (Main.Running second = Main.boot(env)) {
                assertThat(TestServers.get(second.gateway(), "/observe/health").statusCode()).isEqualTo(200);
            }
            assertThat(unrelated.isAlive()).isTrue();
        } finally {
            unrelated.destroyForcibly();
        }
    }

    private static Properties load(Path file) throws Exception {
        Properties p = new Properties();
        try (var in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }
}
