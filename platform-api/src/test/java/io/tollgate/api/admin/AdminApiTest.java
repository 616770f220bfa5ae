package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.LogCapture;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.crypto.MasterKey;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.store.TenantStore;
import io.tollgate.tenant.testing.TenantGraph;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin API over HTTP on a server started as in production, against real PostgreSQL. */
class AdminApiTest {
    private static LogCapture logs;
    private static TestDatabase db;
    private static Map<String, String> env;
    private static Tollgate server;
    private static AdminClient admin;

    @BeforeAll
    static void start() {
        logs = LogCapture.start();
        db = TestDatabase.empty();
        env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
        env.put("CORS_ORIGINS", "https://ops.example.com");
        env.put("TOLLGATE_PUBLIC_URL", "https://hooks.example.com");
        server = Tollgate.start(AppConfig.load(env));
        admin = new AdminClient(server);
        admin.secret(TestServers.ADMIN_TOKEN);
        admin.secret(env.get("TOLLGATE_MASTER_KEY"));
    }

    @AfterAll
    static void stop() {
        server.close();
        db.close();
        String log = logs.all();
        logs.close();
        assertThat(logs.size()).as("log lines captured").isPositive();
        for (String s : admin.secrets()) {
            assertThat(log).as("the server log leaks a secret").doesNotContain(s);
        }
    }

    // --- authentication -----------------------------------------------------------------------------------

    @Test
    void adminRoutesNeedAValidToken() {
        assertThat(admin.call("GET", "/admin/tenants", null, null).status()).isEqualTo(401);
        AdminClient.Answer wrong = admin.call("GET", "/admin/tenants", "not-a-token", null);
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.header("content-type")).isEqualTo("application/problem+json");
        assertThat(wrong.header("www-authenticate")).startsWith("Bearer");
        assertThat(admin.call("GET", "/admin/tenants", null, null, "Authorization", "Basic YWRtaW46YWRtaW4=")
                           .status()).isEqualTo(401);
        assertThat(admin.get("/admin/tenants").status()).isEqualTo(200);
        // even a made-up admin path answers 401 first: nothing about the API leaks without a token
        assertThat(admin.call("GET", "/admin/nothing-here", null, null).status()).isEqualTo(401);
    }

    @Test
    void createdTokenWorksUntilRevokedOnEveryInstance() {
        AdminClient.Answer created = admin.post("/admin/tokens",
                                                    "{\"name\": \"ci-robot\", \"scopes\": [\"read\"]}");
        assertThat(created.status()).isEqualTo(201);
        String token = created.json().get("token").asText();
        String id = created.json().get("id").asText();
        admin.secret(token);
        assertThat(token).startsWith("tgo_");

        JsonNode listed = admin.get("/admin/tokens").json().get("items");
        assertThat(listed.findValuesAsText("name")).contains("ci-robot");
        assertThat(listed.toString()).doesNotContain("\"token\"");

        // a second instance over the same database
        try (Tollgate other = Tollgate.start(AppConfig.load(env))) {
            AdminClient otherAdmin = new AdminClient(other, admin.secrets());
            assertThat(admin.call("GET", "/admin/tenants", token, null).status()).isEqualTo(200);
            assertThat(otherAdmin.call("GET", "/admin/tenants", token, null).status()).isEqualTo(200);

            assertThat(admin.delete("/admin/tokens/" + id).status()).isEqualTo(204);

            assertThat(admin.call("GET", "/admin/tenants", token, null).status()).isEqualTo(401);
            assertThat(otherAdmin.call("GET", "/admin/tenants", token, null).status()).isEqualTo(401);
        }
        assertThat(admin.delete("/admin/tokens/" + id).status()).isEqualTo(404);
        JsonNode after = admin.get("/admin/tokens").json().get("items");
        assertThat(after.toString()).contains("\"revoked_at\"");
    }

    // --- onboarding and validation --------------------------------------------------------------------------

    @Test
    void createReturnsTheTenantRedactedWithWebhookUrlsAndTheSecretOnce() {
        AdminClient.Answer a = admin.createTenant("north-wind");
        JsonNode t = a.json();
        assertThat(a.header("location")).isEqualTo("/admin/tenants/north-wind");
        assertThat(t.get("slug").asText()).isEqualTo("north-wind");
        assertThat(t.get("status").asText()).isEqualTo("active");
        assertThat(t.at("/webhook_urls/gorgias").asText())
                .isEqualTo("https://hooks.example.com/webhooks/north-wind/gorgias");
        assertThat(t.at("/webhook_urls/shopify").asText())
                .isEqualTo("https://hooks.example.com/webhooks/north-wind/shopify");
        assertThat(t.at("/gorgias/api_key_hint").asText()).isEqualTo("****cdef");
        assertThat(t.at("/shopify/access_token_hint").asText()).isEqualTo("****6789");
        assertThat(t.at("/limits/rate_per_minute").asInt()).isEqualTo(600);
        String secret = t.get("gorgias_webhook_secret").asText();
        assertThat(secret).startsWith("tgws_").hasSizeGreaterThanOrEqualTo(43);

        JsonNode again = admin.get("/admin/tenants/north-wind").json();
        assertThat(again.has("gorgias_webhook_secret")).isFalse();
        assertThat(again.get("name").asText()).isEqualTo("Shop north-wind");
    }

    @Test
    void takenSlugIs409() {
        admin.createTenant("twice-made");
        AdminClient.Answer again = admin.post("/admin/tenants", AdminClient.tenantBody("twice-made"));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("type").asText()).endsWith("/slug-taken");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "slug pattern           | /slug                      | \"Bad_Slug\"",
            "slug too short         | /slug                      | \"ab\"",
            "slug reserved          | /slug                      | \"webhooks\"",
            "name empty             | /name                      | \"\"",
            "gorgias domain full    | /gorgias/domain            | \"acme.gorgias.com\"",
            "gorgias domain chars   | /gorgias/domain            | \"acme shop\"",
            "gorgias username       | /gorgias/username          | \"not-an-email\"",
            "gorgias api key type   | /gorgias/api_key           | 12345",
            "shop domain            | /shopify/shop_domain       | \"acme.com\"",
            "shopify secret short   | /shopify/webhook_secret    | \"short\"",
            "shopify api version    | /shopify/api_version       | \"2025-13\"",
            "payload over 10 MiB    | /limits/max_payload_bytes  | 10485761",
            "rate below 1/min       | /limits/rate_per_minute    | 0",
            "timeout below 100 ms   | /limits/timeout_ms         | 99",
            "timeout above 30 s     | /limits/timeout_ms         | 30001",
            "concurrency below 1    | /limits/max_concurrent     | 0",
            "retry budget below 1   | /limits/retry_attempts     | 0",
            "retry budget above 50  | /limits/retry_attempts     | 51",
            "drafts per day below 0 | /limits/llm_drafts_per_day | -1",
            "drafts per day 1.5     | /limits/llm_drafts_per_day | 1.5",
            "drafts per day string  | /limits/llm_drafts_per_day | \"10\"",
            "drafts per day too big | /limits/llm_drafts_per_day | 10000001",
            "gorgias override off   | /gorgias/base_url          | \"http://127.0.0.1:9999\"",
            "shopify override off   | /shopify/base_url          | \"http://127.0.0.1:9999\"",
            "unknown top field      | /surprise                  | true",
            "unknown nested field   | /shopify/surprise          | true",
    })
    void invalidInputNamesTheField(String rule, String pointer, String value) throws Exception {
        JsonNode body = AdminClient.JSON.readTree(AdminClient.tenantBody("valid-" + Math.abs(rule.hashCode())));
        String[] parts = pointer.substring(1).split("/");
        com.fasterxml.jackson.databind.node.ObjectNode parent = (com.fasterxml.jackson.databind.node.ObjectNode) body;
        for (int i = 0; i < parts.length - 1; i++) {
            parent = parent.has(parts[i]) ? (com.fasterxml.jackson.databind.node.ObjectNode) parent.get(parts[i])
                    : parent.putObject(parts[i]);
        }
        parent.set(parts[parts.length - 1], AdminClient.JSON.readTree(value));

        AdminClient.Answer a = admin.post("/admin/tenants", body.toString());

        assertThat(a.status()).as(a.body()).isEqualTo(400);
        assertThat(a.header("content-type")).isEqualTo("application/problem+json");
        String field = pointer.substring(1).replace('/', '.');
        assertThat(a.json().get("errors").findValuesAsText("field")).as(a.body()).containsExactly(field);
    }

    @Test
    void missingSectionsAndMalformedJsonAreReported() {
        AdminClient.Answer missing = admin.post("/admin/tenants", "{\"slug\": \"no-parts\"}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().get("errors").findValuesAsText("field")).containsExactlyInAnyOrder(
                "name", "gorgias", "shopify");
        AdminClient.Answer broken = admin.post("/admin/tenants", "{\"slug\": ");
        assertThat(broken.status()).isEqualTo(400);
        assertThat(broken.json().get("errors").findValuesAsText("field")).containsExactly("(body)");
        AdminClient.Answer array = admin.post("/admin/tenants", "[1,2]");
        assertThat(array.status()).isEqualTo(400);
    }

    @Test
    void aTenantsOwnDraftBudgetIsSetKeptAndPutBackToTheFleetDefaultWithNull() throws Exception {
        AdminClient.Answer created = admin.createTenant("draft-limits");
        assertThat(created.json().at("/limits").has("llm_drafts_per_day")).as(created.body()).isTrue();
        assertThat(created.json().at("/limits/llm_drafts_per_day").isNull()).as("the fleet's default").isTrue();

        AdminClient.Answer set = admin.patch("/admin/tenants/draft-limits",
                                             "{\"limits\": {\"llm_drafts_per_day\": 25}}");
        assertThat(set.status()).as(set.body()).isEqualTo(200);
        assertThat(set.json().at("/limits/llm_drafts_per_day").asInt()).isEqualTo(25);

        AdminClient.Answer other = admin.patch("/admin/tenants/draft-limits", "{\"limits\": {\"burst\": 7}}");
        assertThat(other.json().at("/limits/llm_drafts_per_day").asInt()).as("kept when not named").isEqualTo(25);
        assertThat(admin.get("/admin/tenants/draft-limits").json().at("/limits/llm_drafts_per_day").asInt())
                .isEqualTo(25);

        AdminClient.Answer zero = admin.patch("/admin/tenants/draft-limits",
                                             "{\"limits\": {\"llm_drafts_per_day\": 0}}");
        assertThat(zero.json().at("/limits/llm_drafts_per_day").asInt()).as("0: the template only").isZero();

        AdminClient.Answer bad = admin.patch("/admin/tenants/draft-limits",
                                             "{\"limits\": {\"llm_drafts_per_day\": -3}}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("errors").findValuesAsText("field")).containsExactly("limits.llm_drafts_per_day");

        AdminClient.Answer back = admin.patch("/admin/tenants/draft-limits",
                                              "{\"limits\": {\"llm_drafts_per_day\": null}}");
        assertThat(back.status()).as(back.body()).isEqualTo(200);
        assertThat(back.json().at("/limits/llm_drafts_per_day").isNull()).isTrue();
        JsonNode read = admin.get("/admin/tenants/draft-limits").json();
        assertThat(read.at("/limits/llm_drafts_per_day").isNull()).as("stored as the fleet's default").isTrue();
        assertThat(read.at("/limits/burst").asInt()).isEqualTo(7);

        ObjectNode body = (ObjectNode) AdminClient.JSON.readTree(AdminClient.tenantBody("draft-limits-own"));
        body.putObject("limits").put("llm_drafts_per_day", 3);
        AdminClient.Answer own = admin.post("/admin/tenants", body.toString());
        assertThat(own.status()).as(own.body()).isEqualTo(201);
        assertThat(own.json().at("/limits/llm_drafts_per_day").asInt()).isEqualTo(3);
    }

    @Test
    void patchChangesOnlyWhatItNames() {
        admin.createTenant("patch-me");
        admin.secret("gk-new-key-for-patch-me-000");
        AdminClient.Answer a = admin.patch("/admin/tenants/patch-me", """
                {"name": "Renamed", "limits": {"rate_per_minute": 30, "timeout_ms": 1500},
                 "gorgias": {"api_key": "gk-new-key-for-patch-me-000"}}""");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode t = a.json();
        assertThat(t.get("name").asText()).isEqualTo("Renamed");
        assertThat(t.at("/limits/rate_per_minute").asInt()).isEqualTo(30);
        assertThat(t.at("/limits/timeout_ms").asInt()).isEqualTo(1500);
        assertThat(t.at("/limits/burst").asInt()).isEqualTo(100);
        assertThat(t.at("/gorgias/api_key_hint").asText()).isEqualTo("****-000");
        assertThat(t.at("/gorgias/username").asText()).isEqualTo("agent@patch-me.example");
        assertThat(t.at("/shopify/access_token_hint").asText()).isEqualTo("****6789");

        ResolvedTenant stored = store().findBySlugUnscoped("patch-me").orElseThrow();
        assertThat(stored.gorgias().apiKey().reveal()).isEqualTo("gk-new-key-for-patch-me-000");

        AdminClient.Answer secret = admin.patch("/admin/tenants/patch-me",
                                                "{\"shopify\": {\"webhook_secret\": \"shpss_sneaky_0123456789\"}}");
        assertThat(secret.status()).isEqualTo(400);
        assertThat(secret.json().get("errors").findValuesAsText("field")).containsExactly("shopify.webhook_secret");
        assertThat(admin.patch("/admin/tenants/no-such-tenant", "{\"name\": \"x\"}").status()).isEqualTo(404);
    }

    // --- lifecycle ------------------------------------------------------------------------------------------

    @Test
    void suspendAndResume() {
        admin.createTenant("sleepy-shop");
        assertThat(admin.post("/admin/tenants/sleepy-shop/suspend", null).json().get("status").asText())
                .isEqualTo("suspended");
        assertThat(store().findBySlugUnscoped("sleepy-shop").orElseThrow().tenant().active()).isFalse();
        assertThat(admin.post("/admin/tenants/sleepy-shop/resume", null).json().get("status").asText())
                .isEqualTo("active");
        assertThat(admin.post("/admin/tenants/never-was/suspend", null).status()).isEqualTo(404);
    }

    @Test
    void rotationKeepsTheOldSecretForTheGracePeriodThenDropsIt() throws Exception {
        String old = admin.createTenant("rotate-shop").json().get("gorgias_webhook_secret").asText();
        AdminClient.Answer r = admin.post("/admin/tenants/rotate-shop/secrets/rotate",
                                          "{\"provider\": \"gorgias\", \"grace_seconds\": 2}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        String fresh = r.json().get("gorgias_webhook_secret").asText();
        admin.secret(fresh);
        assertThat(fresh).isNotEqualTo(old).startsWith("tgws_");
        assertThat(r.json().get("grace_seconds").asInt()).isEqualTo(2);

        ResolvedTenant during = store().findBySlugUnscoped("rotate-shop").orElseThrow();
        assertThat(during.verifyingSecrets(Provider.GORGIAS, Instant.now()))
                .containsExactly(Secret.of(fresh), Secret.of(old));
        Thread.sleep(2_300);
        ResolvedTenant after = store().findBySlugUnscoped("rotate-shop").orElseThrow();
        assertThat(after.verifyingSecrets(Provider.GORGIAS, Instant.now())).containsExactly(Secret.of(fresh));

        admin.secret("shpss_rotated_shopify_000000");
        AdminClient.Answer s = admin.post("/admin/tenants/rotate-shop/secrets/rotate",
                                          "{\"provider\": \"shopify\", \"grace_seconds\": 60,"
                                                  + " \"webhook_secret\": \"shpss_rotated_shopify_000000\"}");
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.json().has("gorgias_webhook_secret")).isFalse();
        assertThat(s.json().get("webhook_secret_hint").asText()).isEqualTo("****0000");
        assertThat(store().findBySlugUnscoped("rotate-shop").orElseThrow()
                           .verifyingSecrets(Provider.SHOPIFY, Instant.now())).hasSize(2);

        AdminClient.Answer noSecret = admin.post("/admin/tenants/rotate-shop/secrets/rotate",
                                                 "{\"provider\": \"shopify\"}");
        assertThat(noSecret.json().get("errors").findValuesAsText("field")).containsExactly("webhook_secret");
        AdminClient.Answer badProvider = admin.post("/admin/tenants/rotate-shop/secrets/rotate",
                                                    "{\"provider\": \"zendesk\"}");
        assertThat(badProvider.json().get("errors").findValuesAsText("field")).containsExactly("provider");
    }

    @Test
    void deleteRemovesEveryRowOfTheTenantAndNothingElse() throws Exception {
        admin.createTenant("doomed-shop");
        admin.createTenant("lucky-shop");
        UUID doomed = tenantId("doomed-shop");
        UUID lucky = tenantId("lucky-shop");
        Map<String, Long> luckyBefore;
        try (Connection c = db.connect()) {
            TenantGraph.seed(c, doomed);
            TenantGraph.seed(c, lucky);
            luckyBefore = TenantGraph.count(c, lucky);
        }

        assertThat(admin.delete("/admin/tenants/doomed-shop").status()).isEqualTo(204);

        try (Connection c = db.connect()) {
            assertThat(TenantGraph.count(c, doomed)).allSatisfy((table, n) -> assertThat(n).as(table).isZero());
            assertThat(TenantGraph.count(c, lucky)).isEqualTo(luckyBefore);
        }
        assertThat(admin.get("/admin/tenants/doomed-shop").status()).isEqualTo(404);
        assertThat(admin.delete("/admin/tenants/doomed-shop").status()).isEqualTo(404);
    }

    // --- two tenants: nothing of one reaches the other ------------------------------------------------------

    @Test
    void oneTenantsEventsNeverReachTheOther() throws Exception {
        admin.createTenant("tenant-aa");
        admin.createTenant("tenant-bb");
        UUID a = tenantId("tenant-aa");
        try (Connection c = db.connect()) {
            TenantGraph.seed(c, a);
        }
        UUID eventOfA = firstEvent(a);

        JsonNode listA = admin.get("/admin/tenants/tenant-aa/events").json();
        assertThat(listA.get("items").findValuesAsText("id")).containsExactly(eventOfA.toString());
        assertThat(listA.toString()).doesNotContain("\"body\"");
        assertThat(admin.get("/admin/tenants/tenant-bb/events").json().get("items")).isEmpty();

        assertThat(admin.get("/admin/tenants/tenant-aa/events/" + eventOfA).status()).isEqualTo(200);
        assertThat(admin.get("/admin/tenants/tenant-bb/events/" + eventOfA).status()).isEqualTo(404);
        assertThat(admin.post("/admin/tenants/tenant-bb/events/" + eventOfA + "/replay", null).status())
                .isEqualTo(404);
        assertThat(admin.get("/admin/tenants/tenant-bb/events/not-a-uuid").status()).isEqualTo(404);
    }

    @Test
    void eventsListByStatusWithCursorsAndReplay() throws Exception {
        admin.createTenant("busy-shop");
        UUID t = tenantId("busy-shop");
        List<UUID> ids = new ArrayList<>();
        try (Connection c = db.connect()) {
            for (int i = 0; i < 5; i++) {
                ids.add(insertEvent(c, t, i < 3 ? "dead" : "processed", "{\"n\": " + i + "}", i));
            }
            ids.add(insertEvent(c, t, "rejected", "not json {", 10));
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = admin.get("/admin/tenants/busy-shop/events?status=dead&limit=2"
                                              + (cursor == null ? "" : "&cursor=" + cursor)).json();
            page.get("items").forEach(e -> {
                assertThat(e.get("status").asText()).isEqualTo("dead");
                seen.add(e.get("id").asText());
            });
            cursor = page.hasNonNull("next_cursor") ? page.get("next_cursor").asText() : null;
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(pages).isEqualTo(2);
        assertThat(seen).containsExactlyInAnyOrderElementsOf(ids.subList(0, 3).stream().map(UUID::toString).toList());
        assertThat(admin.get("/admin/tenants/busy-shop/events?status=weird").status()).isEqualTo(400);
        assertThat(admin.get("/admin/tenants/busy-shop/events?cursor=garbage").status()).isEqualTo(400);
        assertThat(admin.get("/admin/tenants/busy-shop/events?limit=0").status()).isEqualTo(400);

        JsonNode detail = admin.get("/admin/tenants/busy-shop/events/" + ids.get(0)).json();
        assertThat(detail.get("body").asText()).isEqualTo("{\"n\": 0}");
        assertThat(detail.at("/headers/x-shopify-topic").asText()).isEqualTo("orders/create");
        assertThat(detail.at("/headers/x-tollgate-token").asText()).isEqualTo("****");

        AdminClient.Answer replay = admin.post("/admin/tenants/busy-shop/events/" + ids.get(0) + "/replay", null);
        assertThat(replay.status()).isEqualTo(202);
        assertThat(replay.json().get("status").asText()).isEqualTo("queued");
        JsonNode replayed = admin.get("/admin/tenants/busy-shop/events/" + ids.get(0)).json();
        assertThat(replayed.at("/event/status").asText()).isEqualTo("accepted");
        assertThat(replayed.at("/job/status").asText()).isEqualTo("queued");
        assertThat(replayed.at("/job/attempts").asInt()).isZero();

        AdminClient.Answer rejected = admin.post("/admin/tenants/busy-shop/events/" + ids.get(5) + "/replay", null);
        assertThat(rejected.status()).isEqualTo(409);
    }

    @Test
    void tenantListPagesWithAnOpaqueCursor() {
        for (String s : List.of("page-aa", "page-bb", "page-cc", "page-dd", "page-ee")) {
            admin.createTenant(s);
        }
        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            AdminClient.Answer a = admin.get("/admin/tenants?limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(a.status()).isEqualTo(200);
            JsonNode page = a.json();
            assertThat(page.get("items").size()).isLessThanOrEqualTo(2);
            page.get("items").forEach(t -> assertThat(seen.add(t.get("slug").asText())).isTrue());
            cursor = page.hasNonNull("next_cursor") ? page.get("next_cursor").asText() : null;
            pages++;
        } while (cursor != null && pages < 50);
        assertThat(seen).contains("page-aa", "page-bb", "page-cc", "page-dd", "page-ee");
        assertThat(admin.get("/admin/tenants?cursor=not-a-cursor").status()).isEqualTo(400);
    }

    // --- audit, CORS, OpenAPI ---------------------------------------------------------------------------------

    @Test
    void everyMutationIsAudited() throws Exception {
        admin.createTenant("audited-shop");
        admin.patch("/admin/tenants/audited-shop", "{\"name\": \"Audited\"}");
        admin.post("/admin/tenants/audited-shop/suspend", null);
        admin.post("/admin/tenants/audited-shop/resume", null);
        admin.post("/admin/tenants/audited-shop/secrets/rotate", "{\"provider\": \"gorgias\", \"grace_seconds\": 5}")
                .json().path("gorgias_webhook_secret").asText();
        admin.patch("/admin/tenants/audited-shop", "{\"limits\": {\"timeout_ms\": 1}}");
        admin.delete("/admin/tenants/audited-shop");

        List<String> rows = new ArrayList<>();
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT action, outcome, status, token_name, detail::text FROM audit_log"
                             + " WHERE tenant_slug = 'audited-shop' ORDER BY id")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getInt(3) + " " + rs.getString(4));
                }
            }
        }
        assertThat(rows).containsExactly(
                "tenant.create success 201 bootstrap",
                "tenant.update success 200 bootstrap",
                "tenant.suspend success 200 bootstrap",
                "tenant.resume success 200 bootstrap",
                "tenant.secret.rotate success 200 bootstrap",
                "tenant.update failure 400 bootstrap",
                "tenant.delete success 204 bootstrap");

        JsonNode viaApi = admin.get("/admin/audit?tenant=audited-shop&limit=3").json();
        assertThat(viaApi.get("items").findValuesAsText("action"))
                .containsExactly("tenant.delete", "tenant.update", "tenant.secret.rotate");
        assertThat(viaApi.get("next_cursor").asText()).isNotEmpty();
    }

    @Test
    void corsAllowsOnlyConfiguredOriginsOnAdmin() {
        AdminClient.Answer ok = admin.call("OPTIONS", "/admin/tenants", null, null,
                                           "Origin", "https://ops.example.com",
                                           "Access-Control-Request-Method", "POST");
        assertThat(ok.status()).isEqualTo(204);
        assertThat(ok.header("access-control-allow-origin")).isEqualTo("https://ops.example.com");
        assertThat(ok.header("access-control-allow-headers")).contains("Authorization");
        assertThat(ok.header("access-control-allow-credentials")).isNull();

        AdminClient.Answer evil = admin.call("OPTIONS", "/admin/tenants", null, null,
                                             "Origin", "https://evil.example.com",
                                             "Access-Control-Request-Method", "POST");
        assertThat(evil.status()).isEqualTo(403);
        assertThat(evil.header("access-control-allow-origin")).isNull();

        AdminClient.Answer real = admin.call("GET", "/admin/tenants", TestServers.ADMIN_TOKEN, null,
                                             "Origin", "https://ops.example.com");
        assertThat(real.header("access-control-allow-origin")).isEqualTo("https://ops.example.com");
        AdminClient.Answer realEvil = admin.call("GET", "/admin/tenants", TestServers.ADMIN_TOKEN, null,
                                                 "Origin", "https://evil.example.com");
        assertThat(realEvil.header("access-control-allow-origin")).isNull();

        AdminClient.Answer notAdmin = admin.call("GET", "/observe/health", null, null,
                                                 "Origin", "https://ops.example.com");
        assertThat(notAdmin.header("access-control-allow-origin")).isNull();
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyRegisteredAdminRouteIsInTheOpenApiDocument() {
        AdminClient.Answer doc = admin.call("GET", "/openapi", null, null);
        assertThat(doc.status()).isEqualTo(200);
        Map<String, Object> yaml = new org.yaml.snakeyaml.Yaml().load(doc.body());
        assertThat(yaml.get("openapi")).isEqualTo("3.1.0");
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) yaml.get("paths");
        assertThat(server.routes()).isNotEmpty();
        assertThat(server.routes()).filteredOn(r -> r.path().startsWith("/admin")).hasSizeGreaterThan(10);
        for (var route : server.routes()) {
            assertThat(paths).as("OpenAPI paths").containsKey(route.path());
            assertThat(paths.get(route.path())).as(route.method() + " " + route.path())
                    .containsKey(route.method().toLowerCase(java.util.Locale.ROOT));
        }
    }

    // --- helpers ----------------------------------------------------------------------------------------------

    private static TenantStore store() {
        Database pool = Database.open(db.settings());
        STORES.add(pool);
        return new TenantStore(pool, new CredentialCipher(MasterKey.fromBase64(env.get("TOLLGATE_MASTER_KEY"))));
    }

    private static final List<Database> STORES = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterAll
    static void closeStores() {
        STORES.forEach(Database::close);
    }

    private static UUID tenantId(String slug) throws Exception {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT id FROM tenants WHERE slug = ?")) {
            ps.setString(1, slug);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getObject(1, UUID.class);
            }
        }
    }

    private static UUID firstEvent(UUID tenant) throws Exception {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT id FROM webhook_events WHERE tenant_id = ?")) {
            ps.setObject(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getObject(1, UUID.class);
            }
        }
    }

    private static UUID insertEvent(Connection c, UUID tenant, String status, String body, int minutesAgo)
            throws Exception {
        UUID id = UUID.randomUUID();
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, headers,
                                            status, received_at)
                VALUES (?, ?, 'shopify', 'orders/create', ?, sha256(?::bytea), ?::bytea, ?::jsonb, ?,
                        now() - make_interval(mins => ?))""")) {
            ps.setObject(1, id);
            ps.setObject(2, tenant);
            ps.setString(3, "orders/create:" + id);
            ps.setBytes(4, body.getBytes());
            ps.setBytes(5, body.getBytes());
            ps.setString(6, "{\"x-shopify-topic\": \"orders/create\", \"x-tollgate-token\": \"leak-me-not\"}");
            ps.setString(7, status);
            ps.setInt(8, minutesAgo);
            ps.executeUpdate();
        }
        return id;
    }
}
