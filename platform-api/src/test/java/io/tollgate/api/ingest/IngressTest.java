package io.tollgate.api.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.Webhooks.TestTenant;
import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.testing.Fixtures;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.tollgate.api.Webhooks.json;
import static io.tollgate.api.Webhooks.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/** CONTRACT §1 row by row, over HTTP, against real PostgreSQL, with two tenants. */
class IngressTest {
    private static TestDatabase db;
    private static Tollgate server;
    private static TestTenant alpha;
    private static TestTenant beta;

    @BeforeAll
    static void start() {
        db = TestDatabase.empty();
        Map<String, String> env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
        server = Tollgate.start(AppConfig.load(env));
        // Shopify's published test vector uses this secret
        alpha = Webhooks.create(server, "alpha-shop", "test_secret_key", "{\"max_payload_bytes\": 65536}");
        beta = Webhooks.create(server, "beta-shop", "beta_shopify_secret_0123", null);
    }

    @AfterAll
    static void stop() {
        server.close();
        db.close();
    }

    // --- Shopify ----------------------------------------------------------------------------------------------

    @Test
    void shopifyTestVectorIsAcceptedThenDuplicate() {
        byte[] body = utf8("{\"foo\": \"bar\"}");
        String[] h = {"X-Shopify-Hmac-Sha256", "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=",
                      "X-Shopify-Shop-Domain", alpha.shopDomain(), "X-Shopify-Topic", "products/create",
                      "X-Shopify-Webhook-Id", "123456789"};
        HttpResponse<String> first = Webhooks.post(server, "/webhooks/alpha-shop/shopify", body, h);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        JsonNode ack = json(first.body());
        assertThat(ack.get("status").asText()).isEqualTo("accepted");
        UUID id = UUID.fromString(ack.get("event_id").asText());

        HttpResponse<String> again = Webhooks.post(server, "/webhooks/alpha-shop/shopify", body, h);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again.body()).get("status").asText()).isEqualTo("duplicate");
        assertThat(json(again.body()).get("event_id").asText()).isEqualTo(id.toString());
    }

    @Test
    void realOrderPayloadIsStoredByteForByteWithItsJob() throws Exception {
        byte[] order = Fixtures.bytes("shopify-python-api-order.json");
        HttpResponse<String> res = Webhooks.shopify(server, alpha, order, "orders/create", "evt-order-1");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
        UUID id = UUID.fromString(json(res.body()).get("event_id").asText());
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT e.body, e.topic, e.status, e.headers::text, j.status FROM webhook_events e"
                        + " JOIN jobs j ON j.event_id = e.id WHERE e.id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getBytes(1)).isEqualTo(order);
                assertThat(rs.getString(2)).isEqualTo("orders/create");
                assertThat(rs.getString(3)).isEqualTo("accepted");
                assertThat(rs.getString(4)).contains("x-shopify-topic").doesNotContain("hmac");
                assertThat(rs.getString(5)).isEqualTo("queued");
            }
        }
    }

    @Test
    void escapedSlashesVerifyAsSentNotReserialised() {
        byte[] asSent = utf8("{\"id\":1,\"order_status_url\":\"https:\\/\\/alpha-shop.myshopify.com\\/orders\\/1\"}");
        byte[] reserialised = utf8("{\"id\":1,\"order_status_url\":\"https://alpha-shop.myshopify.com/orders/1\"}");
        String hmac = Webhooks.shopifyHmac(alpha.shopifySecret(), asSent);
        assertThat(Webhooks.shopify(server, alpha, asSent, "orders/updated", "evt-slash").statusCode())
                .isEqualTo(202);
        assertThat(Webhooks.shopify(server, alpha, reserialised, "orders/updated", "evt-slash-2",
                                    "X-Shopify-Hmac-Sha256", hmac).statusCode()).isEqualTo(401);
    }

    @Test
    void twentyConcurrentCopiesGiveOneAcceptAndOneEventId() throws Exception {
        byte[] body = utf8("{\"id\": 820982911946154508, \"email\": \"jon@example.com\"}");
        int copies = 20;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(copies)) {
            for (int i = 0; i < copies; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return Webhooks.shopify(server, beta, body, "orders/create", "evt-race-1");
                }));
            }
            go.countDown();
            int accepted = 0;
            Set<String> ids = new HashSet<>();
            for (Future<HttpResponse<String>> f : answers) {
                HttpResponse<String> r = f.get();
                assertThat(r.statusCode()).as(r.body()).isIn(200, 202);
                if (r.statusCode() == 202) {
                    accepted++;
                }
                ids.add(json(r.body()).get("event_id").asText());
            }
            assertThat(accepted).isEqualTo(1);
            assertThat(ids).hasSize(1);
        }
        assertThat(count("SELECT count(*) FROM webhook_events WHERE delivery_key = 'event:orders/create:evt-race-1'"))
                .isEqualTo(1);
        assertThat(count("SELECT count(*) FROM jobs j JOIN webhook_events e ON e.id = j.event_id"
                                 + " WHERE e.delivery_key = 'event:orders/create:evt-race-1'")).isEqualTo(1);
    }

    @Test
    void oneEventIdUnderTwoTopicsIsTwoEvents() {
        byte[] body = utf8("{\"id\": 450789469}");
        HttpResponse<String> a = Webhooks.shopify(server, beta, body, "orders/updated", "evt-fanout");
        HttpResponse<String> b = Webhooks.shopify(server, beta, body, "orders/fulfilled", "evt-fanout");
        assertThat(a.statusCode()).isEqualTo(202);
        assertThat(b.statusCode()).isEqualTo(202);
        assertThat(json(a.body()).get("event_id").asText()).isNotEqualTo(json(b.body()).get("event_id").asText());
    }

    @Test
    void wrongShopDomainIs401() {
        HttpResponse<String> r = Webhooks.shopify(server, alpha, utf8("{}"), "orders/create", "evt-domain",
                                                  "X-Shopify-Shop-Domain", "someone-else.myshopify.com");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
    }

    @Test
    void anotherTenantsSecretIs401() {
        TestTenant alphaSignedAsBeta = new TestTenant(beta.slug(), beta.shopDomain(), alpha.shopifySecret(),
                                                      alpha.gorgiasSecret());
        assertThat(Webhooks.shopify(server, alphaSignedAsBeta, utf8("{}"), "orders/create", "evt-cross")
                           .statusCode()).isEqualTo(401);
        assertThat(Webhooks.post(server, "/webhooks/beta-shop/gorgias", utf8("{\"ticket\": {}}"),
                                 "X-Tollgate-Token", alpha.gorgiasSecret()).statusCode()).isEqualTo(401);
    }

    @Test
    void missingSignatureIs401() {
        assertThat(Webhooks.post(server, "/webhooks/alpha-shop/shopify", utf8("{}"),
                                 "X-Shopify-Shop-Domain", alpha.shopDomain()).statusCode()).isEqualTo(401);
        assertThat(Webhooks.post(server, "/webhooks/alpha-shop/gorgias", utf8("{}")).statusCode()).isEqualTo(401);
    }

    // --- Gorgias ----------------------------------------------------------------------------------------------

    @Test
    void gorgiasTokenAndSignatureBothVerifyAndDedupByWebhookIdOrBody() {
        byte[] note = Fixtures.bytes("gorgias-internal-note-created-pipedream-synthetic.json");
        byte[] wrapped = utf8("{\"message\": " + new String(note, java.nio.charset.StandardCharsets.UTF_8) + "}");
        HttpResponse<String> byToken = Webhooks.post(server, "/webhooks/alpha-shop/gorgias", wrapped,
                                                     "X-Tollgate-Token", alpha.gorgiasSecret(),
                                                     "X-Gorgias-Webhook-Id", "gw-1");
        assertThat(byToken.statusCode()).as(byToken.body()).isEqualTo(202);
        HttpResponse<String> sameId = Webhooks.post(server, "/webhooks/alpha-shop/gorgias", wrapped,
                                                    "X-Gorgias-Signature",
                                                    "sha256=" + Webhooks.gorgiasHmac(alpha.gorgiasSecret(), wrapped),
                                                    "X-Gorgias-Webhook-Id", "gw-1");
        assertThat(sameId.statusCode()).isEqualTo(200);
        assertThat(json(sameId.body()).get("event_id")).isEqualTo(json(byToken.body()).get("event_id"));

        byte[] ticket = utf8("{\"ticket\": {\"id\": 98765, \"subject\": \"Where is #1001?\", \"customer\": null}}");
        String sig = Webhooks.gorgiasHmac(alpha.gorgiasSecret(), ticket);
        HttpResponse<String> first = Webhooks.post(server, "/webhooks/alpha-shop/gorgias", ticket,
                                                   "X-Gorgias-Signature", sig);
        HttpResponse<String> resent = Webhooks.post(server, "/webhooks/alpha-shop/gorgias", ticket,
                                                    "X-Gorgias-Signature", sig);
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(resent.statusCode()).isEqualTo(200);
        assertThat(json(resent.body()).get("event_id")).isEqualTo(json(first.body()).get("event_id"));
    }

    @Test
    void rotatedGorgiasSecretOverlapsForTheGracePeriodOnly() throws Exception {
        TestTenant t = Webhooks.create(server, "rotating-shop", "rotating_shopify_0123", null);
        HttpResponse<String> r = Webhooks.admin(server, "POST", "/admin/tenants/rotating-shop/secrets/rotate",
                                                "{\"provider\": \"gorgias\", \"grace_seconds\": 2}");
        String fresh = json(r.body()).get("gorgias_webhook_secret").asText();
        assertThat(send(t.gorgiasSecret(), "r1").statusCode()).isEqualTo(202);
        assertThat(send(fresh, "r2").statusCode()).isEqualTo(202);
        Thread.sleep(2_300);
        assertThat(send(t.gorgiasSecret(), "r3").statusCode()).isEqualTo(401);
        assertThat(send(fresh, "r4").statusCode()).isEqualTo(202);
    }

    private static HttpResponse<String> send(String token, String id) {
        return Webhooks.post(server, "/webhooks/rotating-shop/gorgias", utf8("{\"ticket\": {\"id\": 1}}"),
                             "X-Tollgate-Token", token, "X-Gorgias-Webhook-Id", id);
    }

    // --- refusals ---------------------------------------------------------------------------------------------

    @Test
    void unknownTenantIs404AndSuspendedIs403() {
        assertThat(Webhooks.post(server, "/webhooks/nobody-here/shopify", utf8("{}")).statusCode()).isEqualTo(404);
        assertThat(Webhooks.post(server, "/webhooks/NOT_A_SLUG/gorgias", utf8("{}")).statusCode()).isEqualTo(404);
        TestTenant t = Webhooks.create(server, "paused-shop", "paused_shopify_0123", null);
        Webhooks.admin(server, "POST", "/admin/tenants/paused-shop/suspend", null);
        HttpResponse<String> r = Webhooks.shopify(server, t, utf8("{}"), "orders/create", "evt-paused");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(json(r.body()).get("type").asText()).endsWith("/tenant-suspended");
        Webhooks.admin(server, "POST", "/admin/tenants/paused-shop/resume", null);
        assertThat(Webhooks.shopify(server, t, utf8("{}"), "orders/create", "evt-paused").statusCode())
                .isEqualTo(202);
    }

    @Test
    void declaredOrChunkedBodyOverTheLimitIs413() {
        byte[] big = new byte[65_537];
        java.util.Arrays.fill(big, (byte) ' ');
        big[0] = '{';
        big[big.length - 1] = '}';
        String hmac = Webhooks.shopifyHmac(alpha.shopifySecret(), big);
        HttpResponse<String> declared = Webhooks.post(server, "/webhooks/alpha-shop/shopify", big,
                                                      "X-Shopify-Hmac-Sha256", hmac,
                                                      "X-Shopify-Shop-Domain", alpha.shopDomain());
        assertThat(declared.statusCode()).isEqualTo(413);
        HttpResponse<String> chunked = Webhooks.postChunked(server, "/webhooks/alpha-shop/shopify", big,
                                                            "X-Shopify-Hmac-Sha256", hmac,
                                                            "X-Shopify-Shop-Domain", alpha.shopDomain());
        assertThat(chunked.statusCode()).isEqualTo(413);
        // exactly at the limit is fine
        byte[] fits = java.util.Arrays.copyOf(big, 65_536);
        fits[fits.length - 1] = '}';
        assertThat(Webhooks.shopify(server, alpha, fits, "orders/create", "evt-fits").statusCode()).isEqualTo(202);
    }

    @Test
    void authenticButUnparseableBodyIs400AndKeptForOperators() {
        byte[] junk = utf8("{\"id\": 1, oops");
        HttpResponse<String> r = Webhooks.shopify(server, beta, junk, "orders/create", "evt-junk");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r.body()).get("type").asText()).endsWith("/malformed-json");
        HttpResponse<String> listed = Webhooks.admin(server, "GET", "/admin/tenants/beta-shop/events?status=rejected",
                                                     null);
        assertThat(json(listed.body()).get("items").findValuesAsText("delivery_key"))
                .contains("event:orders/create:evt-junk");
    }

    @Test
    void forgedFloodDoesNotSpendTheTenantsBucket() {
        TestTenant t = Webhooks.create(server, "tight-shop", "tight_shopify_0123456", "{\"rate_per_minute\": 1,"
                + " \"burst\": 3}");
        for (int i = 0; i < 10; i++) {
            assertThat(Webhooks.shopify(server, t, utf8("{}"), "orders/create", "forged-" + i,
                                        "X-Shopify-Hmac-Sha256", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
                               .statusCode()).isEqualTo(401);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(Webhooks.shopify(server, t, utf8("{}"), "orders/create", "real-" + i).statusCode())
                    .isEqualTo(202);
        }
        HttpResponse<String> over = Webhooks.shopify(server, t, utf8("{}"), "orders/create", "real-4");
        assertThat(over.statusCode()).isEqualTo(429);
        assertThat(Integer.parseInt(over.headers().firstValue("retry-after").orElseThrow())).isBetween(1, 60);
        assertThat(json(over.body()).get("type").asText()).endsWith("/rate-limited");
    }

    // --- metrics ----------------------------------------------------------------------------------------------

    @Test
    void everyOutcomeIncrementsItsSeries() {
        TestTenant t = Webhooks.create(server, "metric-shop", "metric_shopify_0123",
                                       "{\"rate_per_minute\": 1, \"burst\": 3, \"max_payload_bytes\": 1024}");
        Map<String, Runnable> actions = new java.util.LinkedHashMap<>();
        actions.put("accepted", () -> Webhooks.shopify(server, t, utf8("{}"), "orders/create", "m-1"));
        actions.put("duplicate", () -> Webhooks.shopify(server, t, utf8("{}"), "orders/create", "m-1"));
        actions.put("invalid_signature", () -> Webhooks.shopify(server, t, utf8("{}"), "orders/create", "m-2",
                                                                "X-Shopify-Hmac-Sha256", "bm9wZQ=="));
        actions.put("too_large", () -> Webhooks.shopify(server, t, new byte[2048], "orders/create", "m-3"));
        actions.put("malformed", () -> Webhooks.shopify(server, t, utf8("nope"), "orders/create", "m-4"));
        actions.put("rate_limited", () -> Webhooks.shopify(server, t, utf8("{}"), "orders/create", "m-5"));
        actions.put("unknown_tenant", () -> Webhooks.post(server, "/webhooks/ghost-shop/shopify", utf8("{}")));
        actions.forEach((outcome, action) -> {
            String tenant = outcome.equals("unknown_tenant") ? "other" : "metric-shop";
            double before = Webhooks.metric(server, "tollgate_webhooks_total", "tenant", tenant,
                                            "provider", "shopify", "outcome", outcome);
            action.run();
            double after = Webhooks.metric(server, "tollgate_webhooks_total", "tenant", tenant,
                                           "provider", "shopify", "outcome", outcome);
            assertThat(after - before).as(outcome).isEqualTo(1.0);
        });
        Webhooks.admin(server, "POST", "/admin/tenants/metric-shop/suspend", null);
        double before = Webhooks.metric(server, "tollgate_webhooks_total", "outcome", "suspended");
        Webhooks.shopify(server, t, utf8("{}"), "orders/create", "m-6");
        assertThat(Webhooks.metric(server, "tollgate_webhooks_total", "outcome", "suspended") - before).isEqualTo(1);

        assertThat(Webhooks.metric(server, "tollgate_webhook_ack_seconds_count", "provider", "shopify"))
                .isGreaterThan(5);
        assertThat(TestServers.get(server, "/observe/metrics").body())
                .contains("# TYPE tollgate_webhook_ack_seconds histogram")
                // a histogram with quantile series is invalid exposition (promtool check metrics refuses it)
                .doesNotContain("quantile=")
                .containsPattern("tollgate_webhook_ack_seconds_bucket\\{provider=\"shopify\",[^}]*le=\"0.005\"");
    }

    private static long count(String sql) throws Exception {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
