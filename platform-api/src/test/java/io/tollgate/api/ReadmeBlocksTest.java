package io.tollgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.http.Json;
import io.tollgate.api.standin.StandIn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's runnable blocks (a {@code ```sh} or {@code ```bash} block right after a {@code <!-- readme-test -->}
 * line) run in order, as a reader pastes them into one shell, against a gateway this class started (worker on,
 * {@code base_url} overrides allowed) and the local stand-in for Gorgias and Shopify. Only the ports are changed (the
 * README's {@code localhost:8080} and {@code 127.0.0.1:8090} to the ones these servers got). Every command must
 * succeed ({@code set -e -o pipefail}), no answer may be an HTTP error, and the note the README's delivery asks for
 * must reach the stand-in's ticket with the order's facts, so the README cannot drift from what the gateway does.
 */
class ReadmeBlocksTest {
    static final String MARKER = "<!-- readme-test -->";
    private static final Pattern HTTP_ERROR = Pattern.compile("\"status\"\\s*:\\s*[45][0-9][0-9]\\b");
    private static final Pattern BLOCK_START = Pattern.compile("@@block ([0-9]+)");

    @RegisterExtension
    static final TestGateway GATEWAY = TestGateway.withSettings("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE", "true",
                                                                "TOLLGATE_WORKER_ENABLED", "true");
    private static StandIn standIn;

    @TempDir
    Path home;

    @BeforeAll
    static void startStandIn() {
        standIn = StandIn.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stopStandIn() {
        if (standIn != null) {
            standIn.close();
        }
    }

    @Test
    void theReadmesRunnableBlocksDoWhatItSays() throws Exception {
        Path root = repositoryRoot();
        List<String> blocks = runnableBlocks(Files.readString(root.resolve("README.md")));
        assertThat(blocks).as("runnable README blocks").hasSizeGreaterThanOrEqualTo(7);
        assertThat(blocks).as("the stand-in onboarding is among them")
                .anySatisfy(b -> assertThat(b).contains("\"base_url\": \"http://127.0.0.1:8090\""));

        // the reader's folder: the repository (for the files the blocks read) and local mode's secrets file
        Files.createSymbolicLink(home.resolve("platform-api"), root.resolve("platform-api"));
        Path data = Files.createDirectory(home.resolve(".tollgate"),
                                          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                                                  "rwx------")));
        Files.writeString(data.resolve("local-secrets.properties"),
                          "TOLLGATE_ADMIN_TOKEN=" + TestServers.ADMIN_TOKEN + "\n");

        StringBuilder script = new StringBuilder("set -e -o pipefail\n");
        for (int i = 0; i < blocks.size(); i++) {
            String block = blocks.get(i)
                    .replace("localhost:8080", "localhost:" + GATEWAY.server().port())
                    .replace("127.0.0.1:8090", "127.0.0.1:" + standIn.port());
            script.append("echo '@@block ").append(i + 1).append("'\n").append(block).append('\n');
        }
        script.append("echo '@@end'\n");
        Path file = home.resolve("readme-blocks.sh");
        Files.writeString(file, script);

        Run run = bash(file);
        System.out.println(run.output()); // what a reader would have seen, in the test's report
        String where = "README block " + lastBlock(run.output()) + " of " + blocks.size() + ", output:\n"
                + run.output();
        assertThat(run.exit()).as("exit status; failed in " + where).isZero();
        assertThat(run.output()).as(where).contains("@@end");
        assertThat(HTTP_ERROR.matcher(run.output()).find()).as("an HTTP error answer in " + where).isFalse();

        // the Shopify order and the customer's message became a note on the stand-in's ticket, with the order's facts
        List<JsonNode> notes = standIn.messages().stream()
                .filter(m -> "internal-note".equals(m.path("channel").asText())).toList();
        assertThat(notes).as("notes on ticket " + StandIn.TICKET_ID + "; " + where).hasSize(1);
        JsonNode note = notes.getFirst();
        assertThat(note.path("external_id").asText()).startsWith("tollgate:");
        assertThat(note.path("body_text").asText()).contains("#1001").contains("Suggested reply (Tollgate)");
        // ... which the README's reader saw through the admin API (the event's detail) and the stand-in
        assertThat(run.output()).contains("\"state\":\"posted\"").contains("\"status\":\"processed\"")
                .contains(note.path("body_text").asText().lines().findFirst().orElseThrow());
        // the Shopify order was taken into the order cache (the README says the event becomes processed)
        assertThat(shopifyEventStatus()).isEqualTo("processed");
        // the one-time Gorgias secret was kept for the reader alone
        assertThat(Files.getPosixFilePermissions(data.resolve("tenant.json")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    /** The status of the tenant's Shopify event once the worker is done with it (or still running after 60 s). */
    private static String shopifyEventStatus() throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String status;
        do {
            HttpResponse<String> r = TestServers.send(HttpRequest.newBuilder(
                            TestServers.uri(GATEWAY.server(), "/admin/tenants/acme-boots/events?limit=100"))
                    .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN).GET().build());
            assertThat(r.statusCode()).isEqualTo(200);
            status = "missing";
            for (JsonNode e : Json.MAPPER.readTree(r.body()).path("items")) {
                if ("shopify".equals(e.path("provider").asText())) {
                    status = e.path("status").asText();
                }
            }
            if (!status.equals("accepted") && !status.equals("processing")) {
                return status;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < until);
        return status;
    }

    /** The blocks right after a {@link #MARKER} line, in order; a marker before anything else is an error. */
    static List<String> runnableBlocks(String readme) {
        List<String> lines = readme.lines().toList();
        List<String> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().equals(MARKER)) {
                continue;
            }
            String fence = i + 1 < lines.size() ? lines.get(i + 1).strip() : "";
            assertThat(fence).as("the line after the marker on line " + (i + 1)).isIn("```sh", "```bash");
            StringBuilder block = new StringBuilder();
            int j = i + 2;
            while (j < lines.size() && !lines.get(j).strip().equals("```")) {
                block.append(lines.get(j)).append('\n');
                j++;
            }
            assertThat(j).as("the block after line " + (i + 1) + " is closed").isLessThan(lines.size());
            blocks.add(block.toString());
            i = j;
        }
        return blocks;
    }

    private record Run(int exit, String output) {
    }

    private Run bash(Path script) throws IOException, InterruptedException {
        Path output = home.resolve("readme-blocks.out");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = pb.environment();
        Map<String, String> keep = new HashMap<>();
        for (String name : List.of("PATH", "JAVA_HOME", "LANG")) {
            if (System.getenv(name) != null) {
                keep.put(name, System.getenv(name));
            }
        }
        env.clear();
        env.putAll(keep);
        env.put("HOME", home.toString());
        Process p = pb.start();
        // a guard against a hung block, not a timing target: the blocks' own waits are far shorter
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
        }
        return new Run(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    private static String lastBlock(String output) {
        Matcher m = BLOCK_START.matcher(output);
        String last = "?";
        while (m.find()) {
            last = m.group(1);
        }
        return last;
    }

    static Path repositoryRoot() {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("README.md"))
                || root != null && !Files.isDirectory(root.resolve("platform-api/src/main/java"))) {
            root = root.getParent();
        }
        assertThat(root).as("the repository above " + System.getProperty("user.dir")).isNotNull();
        return root;
    }
}
