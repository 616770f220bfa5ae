package io.tollgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.testing.TcpProxy;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway started with {@code TOLLGATE_ADMIN_PORT}: operators' surfaces (admin API, OpenAPI, metrics, detailed
 * health) answer on the admin listener only, webhooks on the public one only, and the public port's health says
 * UP or DOWN and nothing more. (Without the setting everything is on one port: every other server test.)
 */
class AdminListenerTest {
    private static TestDatabase db;
    private static TcpProxy proxy;
    private static Tollgate server;
    private static int publicPort;
    private static int adminPort;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.empty();
        proxy = new TcpProxy(db.address().getHost(), db.address().getPort());
        Map<String, String> env = TestServers.envVia(db, proxy);
        env.put("TOLLGATE_ADMIN_PORT", "0");
        env.put("CORS_ORIGINS", "https://ops.example.com");
        // loopback (this test) counts as the public port's proxy; the admin listener must not care
        env.put("TOLLGATE_TRUST_X_FORWARDED_FOR", "true");
        env.put("TOLLGATE_TRUSTED_PROXIES", "127.0.0.0/8");
        server = Tollgate.start(AppConfig.load(env));
        publicPort = server.port();
        adminPort = server.adminPort();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        proxy.close();
        db.close();
    }

    @Test
    void withoutTheAdminApiTheAdminPortServesOnlyObserve() {
        Map<String, String> env = TestServers.envVia(db, proxy);
        env.put("TOLLGATE_ADMIN_PORT", "0");
        env.put("TOLLGATE_ADMIN_API", "false");
        env.put("TOLLGATE_WORKER_ENABLED", "false");
        try (Tollgate ingressPod = Tollgate.start(AppConfig.load(env))) {
            int admin = ingressPod.adminPort();
            assertThat(get(admin, "/observe/metrics", false).statusCode()).isEqualTo(200);
            assertThat(get(admin, "/observe/health", false).body()).contains("\"name\":\"db\"");
            for (String path : new String[] {"/admin/tenants", "/admin/tokens", "/openapi", "/console/"}) {
                assertNotFoundProblem(get(admin, path, true), path + " on an admin port without the admin API");
                assertNotFoundProblem(get(ingressPod.port(), path, true), path + " on the public port");
            }
        }
    }

    @Test
    void theAdminListenerIsAPortOfItsOwn() {
        assertThat(adminPort).isPositive().isNotEqualTo(publicPort);
    }

    @Test
    void operatorsSurfacesAnswerOnTheAdminPortOnly() {
        HttpResponse<String> tenants = get(adminPort, "/admin/tenants", true);
        assertThat(tenants.statusCode()).as(tenants.body()).isEqualTo(200);
        assertThat(tenants.headers().firstValue("X-Request-Id")).isPresent();
        assertThat(get(adminPort, "/admin/tenants", false).statusCode()).as("still fails closed").isEqualTo(401);
        HttpResponse<String> openapi = get(adminPort, "/openapi", false);
        assertThat(openapi.statusCode()).isEqualTo(200);
        assertThat(openapi.body()).contains("openapi:");
        HttpResponse<String> metrics = get(adminPort, "/observe/metrics", false);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("# TYPE tollgate_webhooks_total counter");
        HttpResponse<String> console = get(adminPort, "/console/", false);
        assertThat(console.statusCode()).isEqualTo(200);
        assertThat(console.body()).contains("<title>Tollgate console</title>");

        for (String path : new String[] {"/admin/tenants", "/admin/tokens", "/openapi", "/observe/metrics",
                "/observe/health/nothing", "/console/"}) {
            HttpResponse<String> res = get(publicPort, path, true);
            assertNotFoundProblem(res, path + " on the public port");
        }
    }

    @Test
    void webhooksAnswerOnThePublicPortOnly() {
        Webhooks.TestTenant t = Webhooks.create(server, "listener-shop", "shpss_listener_shop", null);
        byte[] order = Webhooks.utf8("""
                {"id": 820982911946154508, "name": "#1001", "updated_at": "2024-01-15T10:30:00+00:00"}""");
        HttpResponse<String> accepted = Webhooks.shopify(server, t, order, "orders/create", "listener-1");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);

        HttpResponse<String> onAdmin = TestServers.send(
                HttpRequest.newBuilder(TestServers.at(adminPort, "/webhooks/" + t.slug() + "/shopify"))
                        .header("Content-Type", "application/json")
                        .header("X-Shopify-Hmac-Sha256", Webhooks.shopifyHmac(t.shopifySecret(), order))
                        .header("X-Shopify-Shop-Domain", t.shopDomain()).header("X-Shopify-Topic", "orders/create")
                        .header("X-Shopify-Event-Id", "listener-2")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(order)).build());
        assertNotFoundProblem(onAdmin, "a webhook on the admin port");
        // counted once: the delivery on the public port, none on the admin port
        assertThat(Webhooks.metric(server, "tollgate_webhooks_total", "tenant", t.slug(), "outcome", "accepted"))
                .isEqualTo(1.0);
    }

    @Test
    void theAdminListenerCountsOperatorsByTheirOwnAddress() {
        try (LogCapture logs = LogCapture.start()) {
            HttpResponse<String> res = TestServers.send(
                    HttpRequest.newBuilder(TestServers.at(adminPort, "/admin/tenants"))
                            .header("Authorization", "Bearer wrong-token-0123456789abcdef")
                            .header("X-Forwarded-For", "203.0.113.5").GET().build());
            assertThat(res.statusCode()).isEqualTo(401);
            String serverLogs = logs.from("io.tollgate");
            assertThat(serverLogs).contains("from 127.0.0.1").doesNotContain("203.0.113.5");
        }
    }

    @Test
    void corsMovesWithTheAdminApi() {
        HttpResponse<String> preflight = TestServers.send(
                HttpRequest.newBuilder(TestServers.at(adminPort, "/admin/tenants"))
                        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                        .header("Origin", "https://ops.example.com")
                        .header("Access-Control-Request-Method", "GET").build());
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://ops.example.com");
        HttpResponse<String> onPublic = TestServers.send(
                HttpRequest.newBuilder(TestServers.at(publicPort, "/admin/tenants"))
                        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                        .header("Origin", "https://ops.example.com")
                        .header("Access-Control-Request-Method", "GET").build());
        assertThat(onPublic.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        assertThat(onPublic.statusCode()).isNotEqualTo(204);
    }

    @Test
    void thePublicHealthSaysUpOrDownAndNothingMore() throws Exception {
        HttpResponse<String> detailed = get(adminPort, "/observe/health", false);
        assertThat(detailed.statusCode()).isEqualTo(200);
        assertThat(detailed.body()).contains("\"name\":\"db\"").contains("\"ingress\":\"ok\"")
                .contains("\"queue_max\"");
        for (String path : new String[] {"/observe/health", "/observe/health/ready", "/observe/health/live",
                "/observe/health/started"}) {
            HttpResponse<String> up = get(publicPort, path, false);
            assertThat(up.statusCode()).as(path).isEqualTo(200);
            assertThat(up.body()).as(path).isEqualTo("{\"status\":\"UP\"}");
            assertThat(up.headers().firstValue("Content-Type")).as(path).hasValueSatisfying(
                    ct -> assertThat(ct).startsWith("application/json"));
            assertThat(up.headers().firstValue("X-Request-Id")).as(path).isPresent();
        }

        proxy.cut();
        try {
            // the public answer reuses a check's result for up to a second (PublicHealth.FRESH)
            HttpResponse<String> down = get(publicPort, "/observe/health/ready", false);
            for (int i = 0; i < 100 && down.statusCode() != 503; i++) {
                Thread.sleep(100);
                down = get(publicPort, "/observe/health/ready", false);
            }
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).isEqualTo("{\"status\":\"DOWN\"}");
            assertThat(get(publicPort, "/observe/health", false).statusCode()).isEqualTo(503);
            // liveness and startup run no check: the database is not the process
            assertThat(get(publicPort, "/observe/health/live", false).statusCode()).isEqualTo(200);
            assertThat(get(publicPort, "/observe/health/started", false).statusCode()).isEqualTo(200);
            assertThat(get(adminPort, "/observe/health", false).body()).contains("\"status\":\"DOWN\"")
                    .contains("\"name\":\"db\"");
        } finally {
            proxy.restore();
        }
        int status = 0;
        for (int i = 0; i < 100 && status != 200; i++) {
            status = get(publicPort, "/observe/health/ready", false).statusCode();
            if (status != 200) {
                Thread.sleep(100);
            }
        }
        assertThat(status).as("ready again once the database is back").isEqualTo(200);
    }

    private static void assertNotFoundProblem(HttpResponse<String> res, String what) {
        assertThat(res.statusCode()).as(what + ": " + res.body()).isEqualTo(404);
        assertThat(res.headers().firstValue("Content-Type")).as(what).hasValue("application/problem+json");
        assertThat(res.headers().firstValue("X-Request-Id")).as(what).isPresent();
        JsonNode p = Webhooks.json(res.body());
        assertThat(p.get("type").asText()).as(what).isEqualTo("https://tollgate.dev/problems/not-found");
        assertThat(res.body()).as(what).doesNotContain("Exception");
    }

    private static HttpResponse<String> get(int port, String path, boolean token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(TestServers.at(port, path)).GET();
        if (token) {
            b.header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN);
        }
        return TestServers.send(b.build());
    }
}
