package io.tollgate.api.deploy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The alert rules (deploy/prometheus/rules) pass {@code promtool check rules}, and every unit test of them in
 * deploy/prometheus/tests passes {@code promtool test rules} (deploy/check.sh runs the same outside Maven). promtool
 * comes from Debian's {@code prometheus} package; without it these tests are skipped, unless
 * {@code TOLLGATE_REQUIRE_PROMTOOL=true} (CI sets it once it has installed the package), when they fail.
 */
class AlertRuleTestsTest {
    private static final Path PROMETHEUS = repoRoot().resolve("deploy/prometheus");
    private static final Path RULES = PROMETHEUS.resolve("rules/tollgate-alerts.yml");
    private static Path promtool;

    @BeforeAll
    static void findPromtool() {
        promtool = onPath("promtool");
        if (promtool == null && "true".equals(System.getenv("TOLLGATE_REQUIRE_PROMTOOL"))) {
            fail("TOLLGATE_REQUIRE_PROMTOOL=true but promtool is not on PATH (apt-get install -y prometheus)");
        }
        Assumptions.assumeTrue(promtool != null, "promtool is not installed (apt-get install -y prometheus): the "
                + "alert rules' unit tests are skipped; deploy/check.sh runs them as well");
    }

    @Test
    void theRulesFileChecksCleanWithEveryAlertFound() throws Exception {
        long alerts;
        try (Stream<String> lines = Files.lines(RULES)) {
            alerts = lines.filter(l -> l.stripLeading().startsWith("- alert: ")).count();
        }
        assertThat(alerts).isGreaterThanOrEqualTo(10);

        Run run = promtool("check", "rules", RULES.toString());
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).as(run.output()).contains("SUCCESS: " + alerts + " rules found")
                .doesNotContain("FAILED");
    }

    @Test
    void everyUnitTestOfTheRulesPasses() throws Exception {
        List<Path> tests;
        try (Stream<Path> files = Files.list(PROMETHEUS.resolve("tests"))) {
            tests = files.filter(f -> f.toString().endsWith(".yml")).sorted().toList();
        }
        // the first dead job of a tenant whose series starts absent, then 0, then 1 fires TollgateDeadJobs
        assertThat(tests).extracting(f -> f.getFileName().toString()).contains("dead-jobs.yml", "dead-jobs-first.yml");
        for (Path test : tests) {
            // one run per file: promtool's report of a failure then names the test it comes from
            Run run = promtool("test", "rules", test.toString());
            assertThat(run.exit()).as(test + ":\n" + run.output()).isZero();
            assertThat(run.output()).as(test + ":\n" + run.output())
                    .contains("Unit Testing:  " + test)
                    .contains("SUCCESS")
                    .doesNotContain("FAILED");
        }
    }

    private record Run(int exit, String output) {
    }

    private static Run promtool(String... args) throws IOException, InterruptedException {
        List<String> command = Stream.concat(Stream.of(promtool.toString()), Stream.of(args)).toList();
        Process p = new ProcessBuilder(command).directory(PROMETHEUS.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("promtool " + String.join(" ", args) + " did not end: " + out);
        }
        return new Run(p.exitValue(), out);
    }

    private static Path onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, command);
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static Path repoRoot() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("deploy/prometheus"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no deploy/prometheus above " + System.getProperty("user.dir"));
        }
        return p;
    }
}
