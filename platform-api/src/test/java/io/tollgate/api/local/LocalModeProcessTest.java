package io.tollgate.api.local;

import io.tollgate.api.GatewayProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Local mode run as the README runs it (a real JVM per gateway, embedded PostgreSQL under TOLLGATE_DATA_DIR):
 * a second instance on the same directory is refused, SIGTERM stops everything and says so, and a start after
 * {@code kill -9} recovers the PostgreSQL the killed gateway left running.
 */
class LocalModeProcessTest {
    /** Generous: the machine is shared, and the first start unpacks the PostgreSQL binaries. */
    private static final Duration LIMIT = Duration.ofSeconds(120);

    private Path dir;

    @BeforeEach
    void newDataDir() throws IOException {
        dir = Path.of("target", "local-process", UUID.randomUUID().toString()).toAbsolutePath();
        Files.createDirectories(dir);
    }

    @AfterEach
    void stopEverythingLeftInTheDataDir() throws Exception {
        GatewayProcess.stopPostgresOf(dir);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void secondInstanceOnTheSameDataDirIsRefused() throws Exception {
        try (GatewayProcess first = start("first")) {
            int port = first.awaitHealthy(LIMIT);
            long postgres = GatewayProcess.postmasterPid(dir.resolve("pg")).orElseThrow();

            try (GatewayProcess second = start("second")) {
                assertThat(second.exitCode(LIMIT)).as(second.output()).isNotZero();
                assertThat(second.output()).doesNotContain("\tat ", "\\tat ", "Exception");
                assertThat(second.lines()).as(second.output()).singleElement().asString()
                        .startsWith("Tollgate cannot start: ")
                        .contains("already running (pid " + first.pid() + ")");
            }
            // the refused start left the running one alone
            assertThat(first.awaitHealthy(LIMIT)).isEqualTo(port);
            assertThat(ProcessHandle.of(postgres).map(ProcessHandle::isAlive)).contains(true);
        }
    }

    @Test
    void sigtermStopsTheGatewayAndItsPostgresAndSaysSo() throws Exception {
        try (GatewayProcess first = start("sigterm")) {
            first.awaitHealthy(LIMIT);
            long postgres = GatewayProcess.postmasterPid(dir.resolve("pg")).orElseThrow();

            first.terminate();
            first.exitCode(LIMIT);
            assertThat(first.output()).contains("Tollgate stopping", "Tollgate stopped", "embedded PostgreSQL stopped");
            // pg_ctl stop returns once the server removed its pid file; the process itself ends just after
            assertThat(exits(postgres)).as("the embedded PostgreSQL ends with the gateway").isTrue();
        }
    }

    @Test
    void startAfterKill9StopsTheOrphanedPostgresAndComesUp() throws Exception {
        long orphan;
        try (GatewayProcess killed = start("killed")) {
            killed.awaitHealthy(LIMIT);
            orphan = GatewayProcess.postmasterPid(dir.resolve("pg")).orElseThrow();
            killed.kill();
        }
        // what kill -9 leaves behind: the embedded server still runs, holding the data directory
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive)).contains(true);

        try (GatewayProcess next = start("next")) {
            next.awaitHealthy(LIMIT);
            assertThat(next.output()).doesNotContain("\tat ", "\\tat ");
            assertThat(next.lines()).as(next.output())
                    .anySatisfy(l -> assertThat(l).contains("(pid " + orphan + ")", "left running"));
            assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(GatewayProcess.postmasterPid(dir.resolve("pg"))).isPresent().get().isNotEqualTo(orphan);

            next.terminate();
            next.exitCode(LIMIT);
            assertThat(next.output()).contains("Tollgate stopped", "embedded PostgreSQL stopped");
        }
    }

    private static boolean exits(long pid) {
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty()) {
            return true;
        }
        try {
            p.get().onExit().get(LIMIT.toSeconds(), TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return !p.get().isAlive();
        }
    }

    private GatewayProcess start(String name) {
        return GatewayProcess.start(Map.of("PORT", "0", "TOLLGATE_HOST", "127.0.0.1",
                                           "TOLLGATE_DATA_DIR", dir.toString(),
                                           "TOLLGATE_SHUTDOWN_GRACE_SECONDS", "2"),
                                    dir.resolveSibling(dir.getFileName() + "-" + name + ".log"));
    }
}
