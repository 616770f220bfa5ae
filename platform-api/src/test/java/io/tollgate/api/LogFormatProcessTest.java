package io.tollgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console log of a real gateway process ({@code java ... Main}, production {@code logging.properties}), as an
 * operator's log collector reads its standard output: JSON lines by default, readable text with
 * {@code TOLLGATE_LOG_FORMAT=text}, and a misspelt format refused at start in one line.
 */
class LogFormatProcessTest {
    private static final Duration LIMIT = Duration.ofSeconds(90);
    private static final Path OUT = Path.of("target", "log-format");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static TestDatabase db;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.empty();
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    private static Map<String, String> env(String format) {
        Map<String, String> env = new HashMap<>(TestServers.env(db.jdbcUrl(), db.user(), db.password()));
        if (format != null) {
            env.put("TOLLGATE_LOG_FORMAT", format);
        }
        return env;
    }

    /** A wrong operator token (logged about at INFO) and an unknown tenant's webhook, with a request id each. */
    private static void traffic(int port, String requestId) throws Exception {
        HttpResponse<String> admin = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/admin/tenants")).header("Authorization", "Bearer not-the-token-" + requestId)
                .header("X-Request-Id", requestId).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(admin.statusCode()).isEqualTo(401);
        assertThat(admin.headers().firstValue("X-Request-Id")).contains(requestId);
        HttpResponse<String> hook = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/webhooks/nobody-here/shopify")).header("X-Request-Id", requestId + "-hook")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(hook.statusCode()).isEqualTo(404);
        assertThat(Webhooks.json(hook.body()).get("request_id").asText()).isEqualTo(requestId + "-hook");
    }

    @Test
    void byDefaultEveryLineOnStandardOutputIsOneJsonObject() throws Exception {
        Map<String, String> env = env(null);
        String output;
        try (GatewayProcess gw = GatewayProcess.start(env, OUT.resolve("json-" + UUID.randomUUID() + ".log"))) {
            traffic(gw.awaitHealthy(LIMIT), "proc-json-1");
            gw.terminate();
            gw.exitCode(LIMIT); // 143: ended by SIGTERM
            output = gw.output();
        }
        List<JsonNode> records = output.lines().filter(l -> !l.isBlank())
                .map(l -> LogCapture.parse(l + "\n")).toList();
        assertThat(records).as(output).isNotEmpty().allSatisfy(r -> {
            assertThat(r.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
            assertThat(r.get("level").asText()).isIn("ERROR", "WARNING", "INFO", "DEBUG", "TRACE");
            assertThat(r.get("logger").asText()).isNotBlank();
            assertThat(r.has("message")).isTrue();
        });
        assertThat(records).extracting(r -> r.get("message").asText())
                .anyMatch(m -> m.startsWith("Tollgate listening on http://127.0.0.1:"))
                .contains("Tollgate stopping", "Tollgate stopped");
        assertThat(records).filteredOn(r -> r.get("message").asText().startsWith("admin authentication failed"))
                .singleElement().satisfies(r -> {
                    assertThat(r.get("request_id").asText()).isEqualTo("proc-json-1");
                    assertThat(r.get("logger").asText()).isEqualTo("io.tollgate.api.admin.AdminFilter");
                    assertThat(r.get("level").asText()).isEqualTo("INFO");
                });
        assertThat(output).doesNotContain(TestServers.ADMIN_TOKEN, env.get("TOLLGATE_MASTER_KEY"),
                                          "not-the-token-proc-json-1", "\tat ", "\\tat ");
    }

    @Test
    void withTextTheLinesAreReadableAndNameTheRequest() throws Exception {
        String output;
        try (GatewayProcess gw = GatewayProcess.start(env("text"), OUT.resolve("text-" + UUID.randomUUID() + ".log"))) {
            traffic(gw.awaitHealthy(LIMIT), "proc-text-1");
            gw.terminate();
            gw.exitCode(LIMIT); // 143: ended by SIGTERM
            output = gw.output();
        }
        List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(output).isNotEmpty().noneMatch(l -> l.startsWith("{"));
        assertThat(lines).anyMatch(l -> l.contains(" INFO io.tollgate.api.Tollgate - Tollgate listening on http://"));
        assertThat(lines).filteredOn(l -> l.contains("admin authentication failed")).singleElement().asString()
                .endsWith("[request_id=proc-text-1]");
        assertThat(output).doesNotContain(TestServers.ADMIN_TOKEN, "not-the-token-proc-text-1");
    }

    @Test
    void aMisspeltFormatStopsTheStartInOneLineNamingTheSetting() throws Exception {
        try (GatewayProcess gw = GatewayProcess.start(env("yaml"), OUT.resolve("bad-" + UUID.randomUUID() + ".log"))) {
            assertThat(gw.exitCode(LIMIT)).as(gw.output()).isEqualTo(2);
            assertThat(gw.lines()).as(gw.output()).containsExactly(
                    "Tollgate cannot start: configuration error in TOLLGATE_LOG_FORMAT: must be json or text");
        }
    }
}
