package io.tollgate.api.local;

import io.tollgate.api.Main;
import io.tollgate.api.TestServers;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The run command with nothing configured: embedded database, generated keys, all kept across restarts; and kept from
 * the machine's other users (the database asks for its generated password, the data directory is private, the
 * gateway listens on loopback).
 */
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
            try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", p.getProperty("DATABASE_PASSWORD"));
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
                                                            "postgres", load(secrets).getProperty("DATABASE_PASSWORD"));
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

    @Test
    void theEmbeddedDatabaseRefusesAConnectionWithoutItsGeneratedPassword() throws Exception {
        try (Main.Running running = Main.boot(env())) {
            String url = running.local().config().database().url().orElseThrow();
            String password = load(dir.resolve(LocalMode.SECRETS_FILE)).getProperty("DATABASE_PASSWORD");
            assertThat(password).as("generated and kept with the other local secrets").hasSizeGreaterThan(30);
            assertThat(running.local().config().database().password().reveal()).isEqualTo(password);

            for (String wrong : new String[] {"", "postgres", password + "x"}) {
                assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", wrong).close())
                        .as("password '%s'", wrong.isEmpty() ? "(none)" : "wrong").isInstanceOf(SQLException.class);
            }
            Properties none = new Properties();
            none.setProperty("user", "postgres");
            assertThatThrownBy(() -> DriverManager.getConnection(url, none).close()).isInstanceOf(SQLException.class);
            try (Connection c = DriverManager.getConnection(url, "postgres", password);
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid"
                                                        + " WHERE rolname = 'postgres'")) {
                rs.next();
                assertThat(rs.getBoolean(1)).isTrue();
            }
            // and the gateway itself works on it
            assertThat(TestServers.get(running.gateway(), "/observe/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aDataDirectoryMadeBeforePasswordsIsMigratedOnItsNextStart() throws Exception {
        // what an earlier Tollgate left: zonky's initdb -A trust, the superuser without a password
        Path data = dir.resolve("pg");
        try (EmbeddedPostgres old = EmbeddedPostgres.builder().setOverrideWorkingDirectory(
                        dir.resolve("pg-bin").toFile()).setDataDirectory(data).setCleanDataDirectory(false)
                .setRegisterShutdownHook(false).setPGStartupWait(java.time.Duration.ofSeconds(30)).start();
             Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + old.getPort() + "/postgres",
                                                        "postgres", "");
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE kept_from_before (x int)");
        }

        try (Main.Running running = Main.boot(env())) {
            String url = running.local().config().database().url().orElseThrow();
            assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", "").close())
                    .isInstanceOf(SQLException.class);
            String password = load(dir.resolve(LocalMode.SECRETS_FILE)).getProperty("DATABASE_PASSWORD");
            try (Connection c = DriverManager.getConnection(url, "postgres", password);
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_tables"
                                                        + " WHERE tablename = 'kept_from_before'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
            assertThat(Files.readString(data.resolve("pg_hba.conf"))).doesNotContain("trust");
        }
    }

    @Test
    void theDataDirectoryIsPrivateAndNothingUnderItWritableByOthers() throws Exception {
        try (Main.Running running = Main.boot(env())) {
            assertThat(TestServers.get(running.gateway(), "/observe/health").statusCode()).isEqualTo(200);
            Set<PosixFilePermission> owner = PosixFilePermissions.fromString("rwx------");
            assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(owner);
            assertThat(Files.getPosixFilePermissions(dir.resolve("pg"))).isEqualTo(owner);
            assertThat(Files.getPosixFilePermissions(dir.resolve("pg-bin"))).isEqualTo(owner);
            List<String> writable = new ArrayList<>();
            try (Stream<Path> all = Files.walk(dir)) {
                all.filter(f -> !Files.isSymbolicLink(f)).forEach(f -> {
                    try {
                        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS);
                        if (mode.contains(PosixFilePermission.OTHERS_WRITE)
                                || mode.contains(PosixFilePermission.GROUP_WRITE)) {
                            writable.add(dir.relativize(f) + " " + PosixFilePermissions.toString(mode));
                        }
                    } catch (java.nio.file.NoSuchFileException gone) {
                        // a temporary file of the running server
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            }
            assertThat(writable).isEmpty();
        }
    }

    @Test
    void localModeListensOnLoopbackOnlyUnlessTold() throws Exception {
        Map<String, String> env = Map.of("PORT", "0", "TOLLGATE_DATA_DIR", dir.toString()); // no TOLLGATE_HOST
        try (Main.Running running = Main.boot(env)) {
            int port = running.gateway().port();
            assertThat(running.local().config().server().host()).isEqualTo("127.0.0.1");
            try (Socket loopback = new Socket(InetAddress.getLoopbackAddress(), port)) {
                assertThat(loopback.isConnected()).isTrue();
            }
            List<InetAddress> others = NetworkInterface.networkInterfaces()
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress()).toList();
            Assumptions.assumeFalse(others.isEmpty(), "this machine has no address besides loopback");
            for (InetAddress other : others) {
                assertThatThrownBy(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(other, port), 2000);
                    }
                }).as("connecting through %s", other).isInstanceOf(java.io.IOException.class);
            }
        }
    }

    private Map<String, String> env() {
        return Map.of("PORT", "0", "TOLLGATE_HOST", "127.0.0.1", "TOLLGATE_DATA_DIR", dir.toString());
    }

    private static Properties load(Path file) throws Exception {
        Properties p = new Properties();
        try (var in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }
}
