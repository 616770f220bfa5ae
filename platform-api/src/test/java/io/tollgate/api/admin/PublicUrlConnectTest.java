package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.HashMap;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Connect registers webhook URLs upstream (with the tenant's Gorgias token in the integration). Outside local and test
 * mode it must never build them from the admin request's Host header: without an https TOLLGATE_PUBLIC_URL the connect
 * route answers 409 public-url-required, and a creation with {"connect": true} creates the tenant and reports the
 * connect as failed, both before any upstream is called. Test mode (TOLLGATE_ALLOW_UPSTREAM_OVERRIDE=true) still
 * connects, on the Host header, as before.
 */
class PublicUrlConnectTest {
    private static TestDatabase db;
    private static WireMockServer upstream;
    private static Tollgate production;
    private static Tollgate testMode;

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated();
        upstream = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        upstream.start();
        upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(404)));
        Map<String, String> env = new HashMap<>(TestServers.env(db.jdbcUrl(), db.user(), db.password()));
        // were it to call upstreams anyway, let a refused connection or an unknown host answer fast
        env.put("TOLLGATE_UPSTREAM_CONNECT_TIMEOUT_MS", "500");
        env.put("TOLLGATE_UPSTREAM_READ_TIMEOUT_MS", "500");
        production = Tollgate.start(AppConfig.load(env));
        Map<String, String> test = new HashMap<>(env);
        test.put("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE", "true");
        testMode = Tollgate.start(AppConfig.load(test));
    }

    @AfterAll
    static void stop() {
        testMode.close();
        production.close();
        upstream.stop();
        db.close();
    }

    @Test
    void connectIsRefusedWithoutAnHttpsPublicUrl() {
        HttpResponse<String> created = Webhooks.admin(production, "POST", "/admin/tenants", body("nourl-shop", null));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

        HttpResponse<String> res = Webhooks.admin(production, "POST", "/admin/tenants/nourl-shop/connect", null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(409);
        assertThat(res.headers().firstValue("Content-Type")).contains("application/problem+json");
        JsonNode problem = Webhooks.json(res.body());
        assertThat(problem.get("type").asText()).endsWith("/public-url-required");
        assertThat(problem.get("status").asInt()).isEqualTo(409);
        assertThat(problem.get("detail").asText()).contains("TOLLGATE_PUBLIC_URL").contains("https")
                .doesNotContain("127.0.0.1");
        assertThat(Webhooks.admin(production, "POST", "/admin/tenants/nourl-shop/connect",
                                  "{\"providers\": [\"shopify\"]}").statusCode()).isEqualTo(409);
    }

    @Test
    void createWithConnectCreatesTheTenantAndReportsTheRefusedConnect() {
        HttpResponse<String> created = Webhooks.admin(production, "POST", "/admin/tenants",
                                                      body("nourl-create", ", \"connect\": true"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode out = Webhooks.json(created.body());
        assertThat(out.get("gorgias_webhook_secret").asText()).isNotBlank();
        JsonNode connect = out.get("connect");
        assertThat(connect.get("status").asText()).as(connect.toString()).isEqualTo("failed");
        assertThat(connect.has("gorgias")).as("no step ran").isFalse();
        assertThat(connect.has("shopify")).isFalse();
        assertThat(connect.get("notes").toString()).contains("public-url-required").contains("TOLLGATE_PUBLIC_URL");
        assertThat(Webhooks.admin(production, "GET", "/admin/tenants/nourl-create", null).statusCode())
                .isEqualTo(200);
    }

    @Test
    void rotationNeverPointsAnIntegrationAtTheRequestsHost() throws Exception {
        HttpResponse<String> created = Webhooks.admin(production, "POST", "/admin/tenants", body("nourl-rotate", null));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        // an integration on record without its URL (connected before URLs were recorded)
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO connections (tenant_id, provider, status, upstream_ids) "
                        + "SELECT id, 'gorgias', 'ok', '{\"integration\": \"4242\"}'::jsonb FROM tenants"
                        + " WHERE slug = ?")) {
            ps.setString(1, "nourl-rotate");
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        int before = upstream.getAllServeEvents().size();
        HttpResponse<String> res = Webhooks.admin(production, "POST", "/admin/tenants/nourl-rotate/secrets/rotate",
                                                  "{\"provider\": \"gorgias\"}");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        JsonNode step = Webhooks.json(res.body()).get("gorgias_integration");
        assertThat(step.get("status").asText()).as(res.body()).isEqualTo("skipped");
        assertThat(step.get("detail").asText()).contains("public-url-required").doesNotContain("127.0.0.1");
        assertThat(upstream.getAllServeEvents().size()).as("no upstream was asked").isEqualTo(before);
    }

    @Test
    void testModeStillConnectsOnTheRequestsHost() {
        String base = "http://127.0.0.1:" + upstream.port();
        HttpResponse<String> created = Webhooks.admin(testMode, "POST", "/admin/tenants", body("testmode-shop",
                null).replace("\"shopify\": {", "\"shopify\": {\"base_url\": \"" + base + "\", ")
                .replace("\"gorgias\": {", "\"gorgias\": {\"base_url\": \"" + base + "\", "));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        int before = upstream.getAllServeEvents().size();
        HttpResponse<String> res = Webhooks.admin(testMode, "POST", "/admin/tenants/testmode-shop/connect", null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).contains("Host header");
        assertThat(upstream.getAllServeEvents().size()).as("it asked the upstreams").isGreaterThan(before);
    }

    private static String body(String slug, String extra) {
        return """
                {"slug": "%1$s", "name": "Shop %1$s",
                 "gorgias": {"domain": "%2$s", "username": "agent@%1$s.example", "api_key": "gk-%1$s-0123456789"},
                 "shopify": {"shop_domain": "%1$s.myshopify.com", "access_token": "shpat_%1$s_0123456789",
                             "webhook_secret": "shpss_%1$s_secret"}%3$s}""".formatted(
                slug, slug.replace("-", ""), extra == null ? "" : extra);
    }
}
