package io.tollgate.api.consoleui;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The decision ConsoleBrowserTest starts with: run against the system's chromium, or skip saying which executable
 * is missing and how to install it.
 */
class BrowserToolsTest {
    @TempDir
    Path dir;

    @Test
    void aMissingDriverSkipsNamingItAndHowToInstallIt() throws IOException {
        Path driver = dir.resolve("no-such-chromedriver");
        BrowserTools tools = new BrowserTools(driver, executable("chromium"));

        assertThat(tools.missing()).isPresent();
        assertThatThrownBy(tools::assumeAvailable)
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("SKIPPED")
                .hasMessageContaining("chromium-driver (" + driver + " is not an executable file)")
                .hasMessageContaining("apt-get install chromium chromium-driver")
                .hasMessageNotContaining("chromium (");
    }

    @Test
    void aDriverThatIsNotExecutableSkipsToo() throws IOException {
        Path driver = Files.writeString(dir.resolve("chromedriver"), "#!/bin/sh\n");
        Path browser = dir.resolve("no-chromium");
        BrowserTools tools = new BrowserTools(driver, browser);

        assertThatThrownBy(tools::assumeAvailable)
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining(driver + " is not an executable file")
                .hasMessageContaining("chromium (" + browser + " is not an executable file)")
                .hasMessageContaining("apt-get install chromium chromium-driver");
    }

    @Test
    void bothExecutablesPresentRunTheTests() throws IOException {
        BrowserTools tools = new BrowserTools(executable("chromedriver"), executable("chromium"));

        assertThat(tools.missing()).isEmpty();
        assertThatCode(tools::assumeAvailable).doesNotThrowAnyException();
    }

    @Test
    void theSystemsDebianPackagesUnlessAPropertyOrTheEnvironmentNamesOthers() {
        assertThat(BrowserTools.from(new Properties(), Map.of()))
                .isEqualTo(new BrowserTools(Path.of("/usr/bin/chromedriver"), Path.of("/usr/bin/chromium")));

        Map<String, String> env = Map.of("TOLLGATE_CHROMEDRIVER", "/opt/env/chromedriver",
                                         "TOLLGATE_CHROMIUM", "/opt/env/chromium");
        assertThat(BrowserTools.from(new Properties(), env))
                .isEqualTo(new BrowserTools(Path.of("/opt/env/chromedriver"), Path.of("/opt/env/chromium")));

        Properties properties = new Properties();
        properties.setProperty("tollgate.chromedriver", "/opt/prop/chromedriver");
        assertThat(BrowserTools.from(properties, env))
                .isEqualTo(new BrowserTools(Path.of("/opt/prop/chromedriver"), Path.of("/opt/env/chromium")));
    }

    private Path executable(String name) throws IOException {
        Path file = Files.writeString(dir.resolve(name), "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
