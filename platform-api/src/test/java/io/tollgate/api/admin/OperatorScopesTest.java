package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What each operator token scope allows, route by route, over HTTP against real PostgreSQL: the table below is the
 * contract, and a route registered without a row in it fails {@link #everyAdminRouteIsInTheTable}.
 */
class OperatorScopesTest {
    /** Every admin route and the one scope it needs. */
    private static final Map<String, String> NEEDS = new LinkedHashMap<>();

    static {
        NEEDS.put("POST /admin/tenants", "operate");
        NEEDS.put("GET /admin/tenants", "read");
        NEEDS.put("GET /admin/tenants/{slug}", "read");
        NEEDS.put("PATCH /admin/tenants/{slug}", "operate");
        NEEDS.put("DELETE /admin/tenants/{slug}", "operate");
        NEEDS.put("POST /admin/tenants/{slug}/suspend", "operate");
        NEEDS.put("POST /admin/tenants/{slug}/resume", "operate");
        NEEDS.put("POST /admin/tenants/{slug}/connect", "operate");
        NEEDS.put("POST /admin/tenants/{slug}/secrets/rotate", "operate");
        NEEDS.put("GET /admin/tenants/{slug}/events", "read");
        NEEDS.put("GET /admin/tenants/{slug}/events/{event_id}", "read");
        NEEDS.put("POST /admin/tenants/{slug}/events/{event_id}/replay", "operate");
        NEEDS.put("GET /admin/tenants/{slug}/data-requests", "read");
        NEEDS.put("GET /admin/tenants/{slug}/data-requests/{id}", "read");
        NEEDS.put("POST /admin/tenants/{slug}/data-requests/{id}/delivered", "operate");
        NEEDS.put("GET /admin/tenants/{slug}/privacy", "read");
        NEEDS.put("POST /admin/tenants/{slug}/events/{event_id}/discard", "operate");
        NEEDS.put("GET /admin/tenants/{slug}/events/count", "read");
        NEEDS.put("POST /admin/tenants/{slug}/events/discard", "operate");
        NEEDS.put("POST /admin/tenants/{slug}/events/replay", "operate");
        NEEDS.put("GET /admin/tenants/{slug}/events/replays/{batch}", "read");
        NEEDS.put("POST /admin/tokens", "tokens");
        NEEDS.put("GET /admin/tokens", "tokens");
        NEEDS.put("DELETE /admin/tokens/{id}", "tokens");
        NEEDS.put("GET /admin/tokens/bootstrap", "tokens");
        NEEDS.put("POST /admin/tokens/bootstrap/disable", "tokens");
        NEEDS.put("GET /admin/audit", "read");
        NEEDS.put("GET /admin/keys", "read");
        NEEDS.put("POST /admin/keys/reencrypt", "operate");
        NEEDS.put("GET /admin/attention", "read");
        NEEDS.put("GET /admin/tenant-summaries", "read");
        NEEDS.put("GET /admin/tenants/{slug}/stats", "read");
    }

    /** What each kind of token holds once implications are added (operate and payloads imply read). */
    private static final Map<String, Set<String>> HOLDS = Map.of(
            "read", Set.of("read"),
            "operate", Set.of("operate", "read"),
            "payloads", Set.of("payloads", "read"),
            "tokens", Set.of("tokens"));

    private static TestDatabase db;
    private static Tollgate server;
    private static AdminClient admin;
    /** A token per scope, each holding only that scope; they expire, so none can stand in for bootstrap. */
    private static final Map<String, String> TOKENS = new LinkedHashMap<>();
    private static UUID event;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.empty();
        server = TestServers.start(db);
        admin = new AdminClient(server);
        admin.secret(TestServers.ADMIN_TOKEN);
        admin.createTenant("scoped-shop");
        admin.createTenant("scoped-other");
        for (String scope : HOLDS.keySet()) {
            TOKENS.put(scope, token("only-" + scope, "[\"" + scope + "\"]", 3_600));
        }
        try (Connection c = db.connect()) {
            event = insertEvent(c, tenantId(c, "scoped-shop"), "{\"customer\": {\"email\": \"jane@example.com\"}}");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
        db.close();
    }

    @Test
    void everyAdminRouteIsInTheTable() {
        List<String> registered = server.routes().stream().filter(r -> r.path().startsWith("/admin"))
                .map(r -> r.method() + " " + r.path()).toList();
        assertThat(NEEDS.keySet()).containsExactlyInAnyOrderElementsOf(registered);
    }

    /** The OpenAPI document names, for every admin operation, the scope this table says it needs. */
    @Test
    @SuppressWarnings("unchecked")
    void theOpenApiDocumentNamesEachOperationsScope() {
        AdminClient.Answer doc = admin.call("GET", "/openapi", null, null);
        assertThat(doc.status()).isEqualTo(200);
        Map<String, Object> yaml = new org.yaml.snakeyaml.Yaml().load(doc.body());
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) yaml.get("paths");
        for (var route : NEEDS.entrySet()) {
            String method = route.getKey().substring(0, route.getKey().indexOf(' '));
            String path = route.getKey().substring(route.getKey().indexOf(' ') + 1);
            Map<String, Object> op = (Map<String, Object>) paths.get(path)
                    .get(method.toLowerCase(java.util.Locale.ROOT));
            assertThat(op).as(route.getKey()).isNotNull();
            assertThat(String.valueOf(op.get("security"))).as(route.getKey())
                    .isEqualTo("[{operatorToken=[" + route.getValue() + "]}]");
        }
    }

    /**
     * Every route with every single-scope token. Targets do not exist (an unknown slug, event or token id) or bodies
     * are empty, so an allowed call changes nothing and answers 200, 400, 404 or 409; a refused one is 403
     * missing-scope, decided before anything is looked up (a refused caller cannot even tell whether a tenant exists).
     */
    @Test
    void eachScopeAllowsItsRoutesAndRefusesTheRest() {
        List<String> wrong = new ArrayList<>();
        int allowed = 0;
        int refused = 0;
        for (var route : NEEDS.entrySet()) {
            String method = route.getKey().substring(0, route.getKey().indexOf(' '));
            String path = route.getKey().substring(route.getKey().indexOf(' ') + 1)
                    .replace("{slug}", "no-such-shop").replace("{event_id}", UUID.randomUUID().toString())
                    .replace("{id}", UUID.randomUUID().toString())
                    .replace("{batch}", UUID.randomUUID().toString());
            String body = method.equals("POST") || method.equals("PATCH") ? "{}" : null;
            for (var token : TOKENS.entrySet()) {
                AdminClient.Answer a = admin.call(method, path, token.getValue(), body);
                boolean mayCall = HOLDS.get(token.getKey()).contains(route.getValue());
                String what = token.getKey() + " token: " + method + " " + path + " -> " + a.status() + " " + a.body();
                if (mayCall) {
                    allowed++;
                    if (!Set.of(200, 400, 404, 409).contains(a.status())) {
                        wrong.add("allowed, but " + what);
                    }
                } else {
                    refused++;
                    JsonNode p = a.status() == 403 ? a.json() : null;
                    if (p == null || !p.path("type").asText().endsWith("/missing-scope")
                            || !p.path("detail").asText().contains("'" + route.getValue() + "'")
                            || !"application/problem+json".equals(a.header("content-type"))) {
                        wrong.add("should be 403 naming '" + route.getValue() + "', " + what);
                    }
                }
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(allowed).isPositive();
        assertThat(refused).isPositive();
        // the bootstrap token holds every scope
        assertThat(admin.get("/admin/tokens").status()).isEqualTo(200);
        assertThat(admin.get("/admin/tenants/scoped-shop").status()).isEqualTo(200);
    }

    @Test
    void operateImpliesReadAndChangesTenants() {
        String operate = TOKENS.get("operate");
        assertThat(admin.call("GET", "/admin/tenants/scoped-other", operate, null).status()).isEqualTo(200);
        assertThat(admin.call("POST", "/admin/tenants/scoped-other/suspend", operate, null).status()).isEqualTo(200);
        assertThat(admin.call("GET", "/admin/tenants/scoped-other", TOKENS.get("read"), null).json()
                           .get("status").asText()).isEqualTo("suspended");
        assertThat(admin.call("POST", "/admin/tenants/scoped-other/resume", TOKENS.get("read"), null).status())
                .isEqualTo(403);
        assertThat(admin.call("POST", "/admin/tenants/scoped-other/resume", operate, null).status()).isEqualTo(200);
    }

    @Test
    void theStoredBodyNeedsThePayloadsScope() {
        String path = "/admin/tenants/scoped-shop/events/" + event;
        for (String scope : List.of("read", "operate")) {
            AdminClient.Answer a = admin.call("GET", path, TOKENS.get(scope), null);
            assertThat(a.status()).isEqualTo(200);
            JsonNode e = a.json();
            assertThat(e.at("/event/id").asText()).isEqualTo(event.toString());
            assertThat(e.has("body")).isFalse();
            assertThat(e.has("body_base64")).isFalse();
            assertThat(e.get("body_withheld").asBoolean()).isTrue();
            assertThat(a.body()).doesNotContain("jane@example.com");
        }
        // the list never carried bodies
        assertThat(admin.call("GET", "/admin/tenants/scoped-shop/events", TOKENS.get("read"), null).body())
                .doesNotContain("jane@example.com");

        for (String token : List.of(TOKENS.get("payloads"), TestServers.ADMIN_TOKEN)) {
            JsonNode e = admin.call("GET", path, token, null).json();
            assertThat(e.get("body").asText()).isEqualTo("{\"customer\": {\"email\": \"jane@example.com\"}}");
            assertThat(e.has("body_withheld")).isFalse();
        }
        // the other tenant's path does not reach the event, whatever the scope
        assertThat(admin.call("GET", "/admin/tenants/scoped-other/events/" + event, TOKENS.get("payloads"), null)
                           .status()).isEqualTo(404);
    }

    /** A text search tells what bodies contain: without the payloads scope it is refused, list, count and bulk alike. */
    @Test
    void aTextSearchOfBodiesNeedsThePayloadsScope() {
        String list = "/admin/tenants/scoped-shop/events?q=jane%40example";
        String count = "/admin/tenants/scoped-shop/events/count?q=jane%40example";
        for (String scope : List.of("read", "operate")) {
            AdminClient.Answer refused = admin.call("GET", list, TOKENS.get(scope), null);
            assertThat(refused.status()).as(scope).isEqualTo(403);
            assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(refused.json().get("type").asText()).endsWith("/missing-scope");
            assertThat(refused.json().get("detail").asText()).contains("'payloads'");
            assertThat(admin.call("GET", count, TOKENS.get(scope), null).status()).as(scope).isEqualTo(403);
        }
        AdminClient.Answer bulk = admin.call("POST", "/admin/tenants/scoped-shop/events/discard", TOKENS.get("operate"),
                                             "{\"q\": \"jane\", \"as_of\": \"2026-01-01T00:00:00Z\","
                                                     + " \"expected_count\": 0}");
        assertThat(bulk.status()).as("operate alone cannot search bodies in bulk").isEqualTo(403);
        // without q, read is enough, as before
        assertThat(admin.call("GET", "/admin/tenants/scoped-shop/events?provider=shopify", TOKENS.get("read"), null)
                           .status()).isEqualTo(200);
        for (String token : List.of(TOKENS.get("payloads"), TestServers.ADMIN_TOKEN)) {
            AdminClient.Answer found = admin.call("GET", list, token, null);
            assertThat(found.status()).isEqualTo(200);
            assertThat(found.json().get("items").findValuesAsText("id")).containsExactly(event.toString());
            assertThat(found.json().get("scan_limited").asBoolean()).isFalse();
            assertThat(admin.call("GET", count, token, null).status()).isEqualTo(200);
        }
    }

    @Test
    void tokensAreCreatedWithScopesAndCanOnlyGrantWhatTheirCreatorHolds() throws Exception {
        AdminClient.Answer created = admin.post("/admin/tokens", "{\"name\": \"reader\", \"scopes\": [\"read\"]}");
        assertThat(created.status()).isEqualTo(201);
        admin.secret(created.json().get("token").asText());
        assertThat(created.json().get("scopes").toString()).isEqualTo("[\"read\"]");
        assertThat(created.json().has("expires_at")).isFalse();

        // the tokens scope alone cannot mint a token with more than it holds
        AdminClient.Answer escalate = admin.call("POST", "/admin/tokens", TOKENS.get("tokens"),
                                                 "{\"name\": \"sneaky\", \"scopes\": [\"operate\"]}");
        assertThat(escalate.status()).isEqualTo(403);
        assertThat(escalate.json().get("detail").asText()).contains("'operate'");
        AdminClient.Answer same = admin.call("POST", "/admin/tokens", TOKENS.get("tokens"),
                                             "{\"name\": \"helper\", \"scopes\": [\"tokens\"], \"ttl_seconds\": 600}");
        assertThat(same.status()).isEqualTo(201);
        admin.secret(same.json().get("token").asText());

        JsonNode listed = admin.get("/admin/tokens").json().get("items");
        assertThat(listed.findValuesAsText("name")).contains("reader", "helper", "only-read");
        for (JsonNode t : listed) {
            assertThat(t.has("scopes")).as(t.toString()).isTrue();
            assertThat(t.has("token")).isFalse();
        }

        // creation is audited with the scopes granted; never the token (the row is written just after the answer)
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<String> targets = admin.get("/admin/audit?limit=200").json().get("items").findValuesAsText("target");
        while (targets.stream().noneMatch(t -> t.contains("reader; read")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            targets = admin.get("/admin/audit?limit=200").json().get("items").findValuesAsText("target");
        }
        assertThat(targets).anySatisfy(t -> assertThat(t).contains("reader; read"));

        // scopes must be given, known and not repeated
        for (String bad : List.of("{\"name\": \"x\"}", "{\"name\": \"x\", \"scopes\": []}",
                                  "{\"name\": \"x\", \"scopes\": \"read\"}",
                                  "{\"name\": \"x\", \"scopes\": [\"root\"]}",
                                  "{\"name\": \"x\", \"scopes\": [\"read\", \"read\"]}")) {
            AdminClient.Answer a = admin.post("/admin/tokens", bad);
            assertThat(a.status()).as(bad).isEqualTo(400);
            assertThat(a.json().get("errors").findValuesAsText("field")).as(bad)
                    .anySatisfy(f -> assertThat(f).startsWith("scopes"));
        }
    }

    @Test
    void anExpiredTokenIs401() throws Exception {
        String token = token("short-lived", "[\"read\"]", 60);
        assertThat(admin.call("GET", "/admin/tenants", token, null).status()).isEqualTo(200);
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE operator_tokens SET expires_at = now() - interval '1 second'"
                             + " WHERE name = 'short-lived'")) {
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        AdminClient.Answer expired = admin.call("GET", "/admin/tenants", token, null);
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.header("content-type")).isEqualTo("application/problem+json");

        String at = Instant.now().plus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
        AdminClient.Answer dated = admin.post("/admin/tokens", "{\"name\": \"dated\", \"scopes\": [\"read\"],"
                + " \"expires_at\": \"" + at + "\"}");
        assertThat(dated.status()).as(dated.body()).isEqualTo(201);
        admin.secret(dated.json().get("token").asText());
        assertThat(Instant.parse(dated.json().get("expires_at").asText())).isEqualTo(Instant.parse(at));

        for (String bad : List.of("\"expires_at\": \"2001-01-01T00:00:00Z\"", "\"expires_at\": \"tomorrow\"",
                                  "\"ttl_seconds\": 5", "\"ttl_seconds\": 600, \"expires_at\": \"" + at + "\"")) {
            AdminClient.Answer a = admin.post("/admin/tokens", "{\"name\": \"bad\", \"scopes\": [\"read\"], " + bad
                    + "}");
            assertThat(a.status()).as(bad).isEqualTo(400);
        }
    }

    // --- helpers ----------------------------------------------------------------------------------------------

    private static String token(String name, String scopes, int ttlSeconds) {
        AdminClient.Answer a = admin.post("/admin/tokens", "{\"name\": \"" + name + "\", \"scopes\": " + scopes
                + ", \"ttl_seconds\": " + ttlSeconds + "}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        String token = a.json().get("token").asText();
        admin.secret(token);
        return token;
    }

    private static UUID tenantId(Connection c, String slug) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM tenants WHERE slug = ?")) {
            ps.setString(1, slug);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getObject(1, UUID.class);
            }
        }
    }

    private static UUID insertEvent(Connection c, UUID tenant, String body) throws Exception {
        UUID id = UUID.randomUUID();
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, headers,
                                            status)
                VALUES (?, ?, 'shopify', 'orders/create', ?, sha256(?::bytea), ?::bytea, '{}'::jsonb,
                        'processed')""")) {
            ps.setObject(1, id);
            ps.setObject(2, tenant);
            ps.setString(3, "orders/create:" + id);
            ps.setBytes(4, body.getBytes());
            ps.setBytes(5, body.getBytes());
            ps.executeUpdate();
        }
        return id;
    }
}
