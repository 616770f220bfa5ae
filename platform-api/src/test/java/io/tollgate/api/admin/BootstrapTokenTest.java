package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Disabling the bootstrap token ({@code TOLLGATE_ADMIN_TOKEN}) for the whole fleet, without ever leaving operators
 * with no way to manage tokens.
 */
class BootstrapTokenTest {
    private static final String ALL = "[\"read\", \"operate\", \"payloads\", \"tokens\"]";
    private TestDatabase db;
    private Map<String, String> env;
    private Tollgate server;
    private AdminClient admin;

    @BeforeEach
    void start() {
        db = TestDatabase.empty();
        env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
        server = Tollgate.start(AppConfig.load(env));
        admin = new AdminClient(server);
        admin.secret(TestServers.ADMIN_TOKEN);
    }

    @AfterEach
    void stop() {
        server.close();
        db.close();
    }

    @Test
    void disablingIsRefusedUntilALastingTokenManagerExists() {
        AdminClient.Answer alone = admin.post("/admin/tokens/bootstrap/disable", null);
        assertThat(alone.status()).isEqualTo(409);
        assertThat(alone.json().get("type").asText()).endsWith("/bootstrap-still-needed");

        // a manager that will expire, a lasting token that cannot manage tokens, or a lasting manager that could not
        // mint an operate or payloads token, is not enough
        create("expiring-manager", ALL, ", \"ttl_seconds\": 3600");
        create("lasting-operator", "[\"read\", \"operate\", \"payloads\"]", "");
        create("lasting-tokens-only", "[\"tokens\"]", "");
        assertThat(admin.post("/admin/tokens/bootstrap/disable", null).status()).isEqualTo(409);
        assertThat(admin.get("/admin/tokens/bootstrap").json().get("enabled").asBoolean()).isTrue();
        assertThat(admin.get("/admin/tenants").status()).isEqualTo(200);
    }

    @Test
    void disabledBootstrapIsRefusedOnEveryInstanceWhileTheManagerWorks() throws Exception {
        String manager = create("ops-lead", ALL, "");
        AdminClient.Answer off = admin.call("POST", "/admin/tokens/bootstrap/disable", manager, null);
        assertThat(off.status()).as(off.body()).isEqualTo(200);
        assertThat(off.json().get("enabled").asBoolean()).isFalse();
        assertThat(off.json().get("disabled_at").asText()).isNotEmpty();

        assertThat(admin.get("/admin/tenants").status()).isEqualTo(401);
        try (Tollgate other = Tollgate.start(AppConfig.load(env))) {
            AdminClient otherAdmin = new AdminClient(other, admin.secrets());
            assertThat(otherAdmin.get("/admin/tenants").status()).isEqualTo(401);
            assertThat(otherAdmin.call("GET", "/admin/tenants", manager, null).status()).isEqualTo(200);
        }
        JsonNode state = admin.call("GET", "/admin/tokens/bootstrap", manager, null).json();
        assertThat(state.get("enabled").asBoolean()).isFalse();
        // disabling again is harmless
        assertThat(admin.call("POST", "/admin/tokens/bootstrap/disable", manager, null).status()).isEqualTo(200);
        // audit rows are written just after the answer
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!auditActions().contains("token.bootstrap.disable success 200 ops-lead")
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(auditActions()).contains("token.bootstrap.disable success 200 ops-lead");
    }

    @Test
    void theLastTokenManagerCannotBeRevokedWhileBootstrapIsDisabled() {
        String first = create("first-manager", ALL, "");
        String firstId = idOf("first-manager");
        assertThat(admin.post("/admin/tokens/bootstrap/disable", null).status()).isEqualTo(200);

        AdminClient.Answer last = admin.call("DELETE", "/admin/tokens/" + firstId, first, null);
        assertThat(last.status()).isEqualTo(409);
        assertThat(last.json().get("type").asText()).endsWith("/last-token-manager");
        assertThat(admin.call("GET", "/admin/tokens", first, null).status()).isEqualTo(200);

        // with a second lasting manager, the first can go; then the second is the last one
        String second = createWith(first, "second-manager", ALL);
        String secondId = idOf("second-manager");
        assertThat(admin.call("DELETE", "/admin/tokens/" + firstId, second, null).status()).isEqualTo(204);
        assertThat(admin.call("GET", "/admin/tokens", first, null).status()).isEqualTo(401);
        assertThat(admin.call("DELETE", "/admin/tokens/" + secondId, second, null).status()).isEqualTo(409);
        assertThat(admin.call("GET", "/admin/tokens", second, null).status()).isEqualTo(200);
    }

    @Test
    void anExpiringTokenCannotMintOneThatOutlivesIt() {
        String robot = create("robot", ALL, ", \"ttl_seconds\": 3600");
        AdminClient.Answer lasting = admin.call("POST", "/admin/tokens", robot,
                                                "{\"name\": \"forever\", \"scopes\": [\"tokens\"]}");
        assertThat(lasting.status()).as(lasting.body()).isEqualTo(403);
        assertThat(lasting.json().get("type").asText()).endsWith("/token-outlives-creator");
        AdminClient.Answer longer = admin.call("POST", "/admin/tokens", robot,
                "{\"name\": \"longer\", \"scopes\": [\"read\"], \"ttl_seconds\": 7200}");
        assertThat(longer.status()).as(longer.body()).isEqualTo(403);
        AdminClient.Answer shorter = admin.call("POST", "/admin/tokens", robot,
                "{\"name\": \"shorter\", \"scopes\": [\"read\"], \"ttl_seconds\": 600}");
        assertThat(shorter.status()).as(shorter.body()).isEqualTo(201);
        // and so no token it made can disable the bootstrap token
        assertThat(admin.post("/admin/tokens/bootstrap/disable", null).status()).isEqualTo(409);
    }

    @Test
    void aNewBootstrapValueIsTheBreakGlassWayBackIn() {
        create("manager", ALL, "");
        assertThat(admin.post("/admin/tokens/bootstrap/disable", null).status()).isEqualTo(200);
        assertThat(admin.get("/admin/tenants").status()).isEqualTo(401);

        Map<String, String> rotated = new HashMap<>(env);
        String fresh = "a-new-bootstrap-token-0123456789abcdef";
        rotated.put("TOLLGATE_ADMIN_TOKEN", fresh);
        try (Tollgate other = Tollgate.start(AppConfig.load(rotated))) {
            AdminClient otherAdmin = new AdminClient(other, admin.secrets());
            assertThat(otherAdmin.call("GET", "/admin/tenants", fresh, null).status()).isEqualTo(200);
            assertThat(otherAdmin.call("GET", "/admin/tokens/bootstrap", fresh, null).json().get("enabled")
                               .asBoolean()).isTrue();
            // the disabled value stays disabled
            assertThat(otherAdmin.get("/admin/tenants").status()).isEqualTo(401);
        }
    }

    private String create(String name, String scopes, String extra) {
        return createWith(TestServers.ADMIN_TOKEN, name, scopes + extra);
    }

    private String createWith(String by, String name, String scopesAndMore) {
        AdminClient.Answer a = admin.call("POST", "/admin/tokens", by, "{\"name\": \"" + name + "\", \"scopes\": "
                + scopesAndMore + "}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        String token = a.json().get("token").asText();
        admin.secret(token);
        return token;
    }

    private String idOf(String name) {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT id FROM operator_tokens WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    private java.util.List<String> auditActions() throws Exception {
        java.util.List<String> rows = new java.util.ArrayList<>();
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT action, outcome, status, token_name FROM audit_log ORDER BY id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getInt(3) + " " + rs.getString(4));
            }
        }
        return rows;
    }
}
