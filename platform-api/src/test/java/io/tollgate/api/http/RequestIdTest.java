package io.tollgate.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.LogCapture;
import io.tollgate.api.RawHttp;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.Webhooks.TestTenant;
import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import static io.tollgate.api.Webhooks.json;
import static io.tollgate.api.Webhooks.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request ids over HTTP, against a real server and PostgreSQL: accepted from a sane {@code X-Request-Id} or made,
 * echoed in the header of every answer and in every problem document, and carried by the request's log lines
 * together with the tenant and the event, as the production JSON formatter writes them. No secret in any line.
 */
class RequestIdTest {
    private static final Pattern UUID_FORM = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final String SHOPIFY_SECRET = "shpss_request_id_secret_0123";

    private static TestDatabase db;
    private static Map<String, String> env;
    private static Tollgate server;
    private static TestTenant shop;

    @BeforeAll
    static void start() {
        db = TestDatabase.empty();
        env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
        server = Tollgate.start(AppConfig.load(env));
        shop = Webhooks.create(server, "rid-shop", SHOPIFY_SECRET, null);
    }

    @AfterAll
    static void stop() {
        server.close();
        db.close();
    }

    private static HttpResponse<String> send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(TestServers.uri(server, path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return TestServers.send(b.build());
    }

    private static String header(HttpResponse<String> res) {
        List<String> all = res.headers().allValues("X-Request-Id");
        assertThat(all).as("exactly one X-Request-Id in " + res.headers().map()).hasSize(1);
        return all.getFirst();
    }

    private static HttpResponse<String> gorgias(TestTenant t, String body, String... headers) {
        String[] all = new String[headers.length + 4];
        all[0] = "X-Tollgate-Token";
        all[1] = t.gorgiasSecret();
        all[2] = "Content-Type";
        all[3] = "application/json";
        System.arraycopy(headers, 0, all, 4, headers.length);
        return send("POST", "/webhooks/" + t.slug() + "/gorgias", body, all);
    }

    @Test
    void aSaneIdIsKeptInTheHeaderAndInTheProblemOfAnUnknownTenantsWebhook() {
        String id = "shopify-req:0f2c_9.A-b";
        HttpResponse<String> res = send("POST", "/webhooks/no-such-shop/shopify", "{}",
                                        "X-Request-Id", id, "Content-Type", "application/json");
        assertThat(res.statusCode()).isEqualTo(404);
        assertThat(header(res)).isEqualTo(id);
        JsonNode problem = json(res.body());
        assertThat(problem.get("type").asText()).endsWith("/unknown-tenant");
        assertThat(problem.get("request_id").asText()).isEqualTo(id);
    }

    @Test
    void anAdminCallWithoutATokenIsA401WhoseProblemCarriesTheGeneratedId() {
        HttpResponse<String> res = send("GET", "/admin/tenants", null);
        assertThat(res.statusCode()).isEqualTo(401);
        String id = header(res);
        assertThat(id).matches(UUID_FORM);
        assertThat(json(res.body()).get("request_id").asText()).isEqualTo(id);

        HttpResponse<String> again = send("GET", "/admin/tenants", null, "X-Request-Id", "ops-call-7");
        assertThat(again.statusCode()).isEqualTo(401);
        assertThat(header(again)).isEqualTo("ops-call-7");
        assertThat(json(again.body()).get("request_id").asText()).isEqualTo("ops-call-7");
    }

    @Test
    void anInsaneIdIsReplacedByANewOne() {
        String longest = "a".repeat(128);
        assertThat(header(send("GET", "/observe/health", null, "X-Request-Id", longest))).isEqualTo(longest);
        for (String insane : List.of("a".repeat(129), "two words", "semi;colon", "quote\"d", "x/y", "")) {
            HttpResponse<String> res = send("POST", "/webhooks/no-such-shop/gorgias", "{}",
                                            "X-Request-Id", insane, "Content-Type", "application/json");
            assertThat(res.statusCode()).isEqualTo(404);
            String id = header(res);
            assertThat(id).as("for " + insane).matches(UUID_FORM);
            assertThat(json(res.body()).get("request_id").asText()).isEqualTo(id);
        }
        // control characters the HTTP client refuses to send: a tab inside the value, and a bare control byte
        for (String raw : List.of("abc\tdef", "abc\u0001def")) {
            RawHttp.Answer a = RawHttp.exchange(server.port(), ("GET /webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "X-Request-Id: " + raw + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                                                false, Duration.ofSeconds(10));
            assertThat(a.status()).as(a.raw()).isBetween(400, 499);
            String id = a.header("X-Request-Id");
            assertThat(id).as(a.raw()).matches(UUID_FORM);
            assertThat(json(a.body()).get("request_id").asText()).isEqualTo(id);
        }
    }

    @Test
    void everyAnswerHasAnIdAndEachRequestItsOwn() {
        List<HttpResponse<String>> answers = List.of(
                send("GET", "/observe/health", null),
                send("GET", "/observe/metrics", null),
                send("GET", "/openapi", null),
                send("GET", "/no/such/route", null),
                send("GET", "/admin/tenants", null, "Authorization", "Bearer " + TestServers.ADMIN_TOKEN),
                gorgias(shop, "{\"ticket\": {\"id\": 1}}"));
        assertThat(answers).extracting(HttpResponse::statusCode).containsExactly(200, 200, 200, 404, 200, 202);
        List<String> ids = answers.stream().map(RequestIdTest::header).toList();
        assertThat(ids).allSatisfy(id -> assertThat(id).matches(UUID_FORM)).doesNotHaveDuplicates();
        assertThat(json(answers.get(3).body()).get("request_id").asText()).isEqualTo(ids.get(3));
    }

    @Test
    void requestsTheServerCannotParseGetAnIdInTheHeaderAndTheProblem() {
        for (String request : List.of("GARBAGE\r\n\r\n",
                                      "POST /webhooks/rid-shop/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              + "X-Request-Id: sender-9\r\nContent-Length: 5\r\n"
                                              + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")) {
            RawHttp.Answer a = RawHttp.exchange(server.port(), request.getBytes(StandardCharsets.ISO_8859_1), true,
                                                Duration.ofSeconds(10));
            assertThat(a.status()).as(a.raw()).isEqualTo(400);
            String id = a.header("X-Request-Id");
            assertThat(id).as(a.raw()).isNotBlank();
            assertThat(RequestId.sane(id)).isTrue();
            assertThat(json(a.body()).get("request_id").asText()).isEqualTo(id);
        }
    }

    @Test
    void aDeliverysLogLinesCarryItsTenantRequestIdAndEvent() {
        try (LogCapture logs = LogCapture.start()) {
            HttpResponse<String> res = gorgias(shop, "{\"ticket\": {\"id\": 2}}", "X-Request-Id", "gorgias-dlv-1");
            assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
            assertThat(header(res)).isEqualTo("gorgias-dlv-1");
            String event = json(res.body()).get("event_id").asText();

            JsonNode answered = logs.await("gorgias-dlv-1", "delivery gorgias accepted");
            assertThat(answered.get("level").asText()).isEqualTo("DEBUG");
            assertThat(answered.get("logger").asText()).isEqualTo("io.tollgate.api.ingest.IngestService");
            assertThat(answered.get("tenant").asText()).isEqualTo(shop.slug());
            assertThat(answered.get("event_id").asText()).isEqualTo(event);
            assertThat(answered.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

            // a stranger's slug never becomes a tenant in the log
            HttpResponse<String> unknown = send("POST", "/webhooks/not-a-tenant/gorgias", "{}",
                                                "X-Request-Id", "stranger-1", "Content-Type", "application/json");
            assertThat(unknown.statusCode()).isEqualTo(404);
            logs.await("stranger-1", "delivery gorgias unknown_tenant");
            assertThat(logs.ofRequest("stranger-1")).isNotEmpty()
                    .noneSatisfy(r -> assertThat(r.has("tenant")).isTrue());
        }
    }

    @Test
    void aDeliveryCutShortIsOneRefusedLineWithItsTenantAndRequestId() {
        try (LogCapture logs = LogCapture.start()) {
            String request = "POST /webhooks/" + shop.slug() + "/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "X-Request-Id: cut-short-1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                    + "{\"id\": 1, \"em";
            RawHttp.Answer a = RawHttp.exchange(server.port(), request.getBytes(StandardCharsets.ISO_8859_1), true,
                                                Duration.ofSeconds(10));
            assertThat(a.status()).as(a.raw()).isEqualTo(400);
            assertThat(a.header("X-Request-Id")).isEqualTo("cut-short-1");
            assertThat(json(a.body()).get("request_id").asText()).isEqualTo("cut-short-1");

            logs.await("cut-short-1", "refused POST");
            List<JsonNode> refused = logs.ofRequest("cut-short-1").stream()
                    .filter(r -> r.get("message").asText().startsWith("refused POST")).toList();
            assertThat(refused).as(logs.lines().toString()).singleElement().satisfies(r -> {
                assertThat(r.get("level").asText()).isEqualTo("INFO");
                assertThat(r.get("tenant").asText()).isEqualTo(shop.slug());
                assertThat(r.get("message").asText()).contains("400 malformed-request");
                assertThat(r.has("error")).isFalse();
            });
        }
    }

    @Test
    void noSecretIsInAnyLogLine() {
        try (LogCapture logs = LogCapture.start()) {
            TestTenant other = Webhooks.create(server, "rid-secrets", "shpss_another_secret_98765", null);
            assertThat(gorgias(other, "{\"ticket\": {\"id\": 3}}").statusCode()).isEqualTo(202);
            byte[] order = utf8("{\"id\": 820982911946154508}");
            assertThat(Webhooks.shopify(server, other, order, "orders/create", "evt-secret-1").statusCode())
                    .isEqualTo(202);
            // forged deliveries and a wrong operator token are logged about, never with what was sent
            String forgedToken = "forged-token-" + UUID.randomUUID();
            assertThat(send("POST", "/webhooks/" + other.slug() + "/gorgias", "{}", "X-Tollgate-Token",
                            forgedToken, "Content-Type", "application/json").statusCode()).isEqualTo(401);
            String wrongBearer = "wrong-operator-token-" + UUID.randomUUID();
            assertThat(send("GET", "/admin/tenants", null, "Authorization", "Bearer " + wrongBearer)
                               .statusCode()).isEqualTo(401);
            assertThat(Webhooks.admin(server, "GET", "/admin/tenants/" + other.slug(), null).statusCode())
                    .isEqualTo(200);

            List<String> lines = logs.lines();
            assertThat(lines).as("the capture saw the requests").isNotEmpty();
            logs.records(); // every line is one JSON object
            for (String secret : List.of(TestServers.ADMIN_TOKEN, env.get("TOLLGATE_MASTER_KEY"), other.gorgiasSecret(),
                                         other.shopifySecret(), "gk-rid-secrets-0123456789",
                                         "shpat_rid-secrets_0123456789", forgedToken, wrongBearer)) {
                assertThat(lines).as("a line with a secret").noneMatch(l -> l.contains(secret));
            }
        }
    }
}
