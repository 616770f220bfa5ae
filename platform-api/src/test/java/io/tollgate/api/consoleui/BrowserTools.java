package io.tollgate.api.consoleui;

import org.opentest4j.TestAbortedException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The browser the console's browser tests drive: Debian's {@code chromium} and its {@code chromedriver} (never a
 * driver Selenium Manager would download). The paths are {@code /usr/bin/chromedriver} and {@code /usr/bin/chromium}
 * unless the system property {@code tollgate.chromedriver} / {@code tollgate.chromium} or the environment variable
 * {@code TOLLGATE_CHROMEDRIVER} / {@code TOLLGATE_CHROMIUM} names others (the property first).
 *
 * @param driver  the chromedriver executable
 * @param browser the chromium executable
 */
record BrowserTools(Path driver, Path browser) {
    static final Path DEFAULT_DRIVER = Path.of("/usr/bin/chromedriver");
    static final Path DEFAULT_BROWSER = Path.of("/usr/bin/chromium");
    static final String INSTALL = "apt-get install chromium chromium-driver";

    /** This machine's: the system properties and the environment over the defaults. */
    static BrowserTools fromEnvironment() {
        return from(System.getProperties(), System.getenv());
    }

    static BrowserTools from(Properties properties, Map<String, String> env) {
        return new BrowserTools(
                choose(properties.getProperty("tollgate.chromedriver"), env.get("TOLLGATE_CHROMEDRIVER"), DEFAULT_DRIVER),
                choose(properties.getProperty("tollgate.chromium"), env.get("TOLLGATE_CHROMIUM"), DEFAULT_BROWSER));
    }

    private static Path choose(String property, String env, Path fallback) {
        if (property != null && !property.isBlank()) {
            return Path.of(property.strip());
        }
        if (env != null && !env.isBlank()) {
            return Path.of(env.strip());
        }
        return fallback;
    }

    /** Why the browser tests cannot run here (which executable is missing, and how to install it), or empty. */
    Optional<String> missing() {
        List<String> absent = new ArrayList<>();
        if (!Files.isExecutable(driver)) {
            absent.add("chromium-driver (" + driver + " is not an executable file)");
        }
        if (!Files.isExecutable(browser)) {
            absent.add("chromium (" + browser + " is not an executable file)");
        }
        if (absent.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("SKIPPED: the console's browser tests did not run: they need Debian's chromium and "
                + "chromium-driver, and " + String.join(" and ", absent) + " is missing. Install them with `" + INSTALL
                + "` (.ci/run installs them), or name other executables with -Dtollgate.chromedriver= and "
                + "-Dtollgate.chromium=.");
    }

    /**
     * Skips the calling test with the reason when the browser is missing (call it before each test: surefire counts
     * a test skipped so, with its reason in the report, where an abort in {@code @BeforeAll} shows as no test at all).
     *
     * @throws TestAbortedException JUnit's skip, with {@link #missing()}'s reason
     */
    void assumeAvailable() {
        Optional<String> reason = missing();
        assumeTrue(reason.isEmpty(), () -> reason.orElseThrow());
    }
}
