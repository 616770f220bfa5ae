package io.tollgate.api.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.tollgate.api.Webhooks;
import io.tollgate.api.connect.ConnectFixture.Options;
import io.tollgate.api.connect.ConnectFixture.Tenant;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The drift check, the connection status and last deliveries in the admin API, and the two gauges, against Gorgias
 * and Shopify played by {@link FakeUpstreams}, a real PostgreSQL and the gateway as production starts it, with a
 * 10-second check interval. A test makes a connection due by setting its {@code next_check_at} to now (what the
 * interval would do later). Every answer and log line is checked against every credential handed out.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DriftTest {
    private static final int INTERVAL_SECONDS = 10;
    private static final int PER_SECOND = 50;

    @RegisterExtension
    static final ConnectFixture GW = new ConnectFixture(Map.of(
            "TOLLGATE_CONNECTION_CHECK_ENABLED", "true",
            "TOLLGATE_CONNECTION_CHECK_INTERVAL_SECONDS", Integer.toString(INTERVAL_SECONDS),
            "TOLLGATE_CONNECTION_CHECK_PER_SECOND", Integer.toString(PER_SECOND),
            "TOLLGATE_SILENCE_SECONDS", "60"));

    // --- the tests ------------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void aDroppedSubscriptionIsFoundBrokenAndReconnectRepairsIt() throws Exception {
        Tenant t = connected("drop-shop");
        assertThat(status(t, "shopify")).isEqualTo("ok");
        double before = gauge("shopify");

        assertThat(GW.fake().dropSubscription(t.shop(), "ORDERS_UPDATED")).isEqualTo(1);
        makeDue(t, "shopify");
        await(() -> status(t, "shopify").equals("broken"), "the check marks it broken");
        JsonNode c = tenantAnswer(t).get("connections").get("shopify");
        assertThat(c.get("status").asText()).isEqualTo("broken");
        assertThat(c.get("reason").asText()).contains("ORDERS_UPDATED").contains("missing");
        assertThat(c.has("checked_at")).isTrue();
        assertThat(tenantAnswer(t).get("connections").get("gorgias").get("status").asText()).isEqualTo("ok");
        await(() -> gauge("shopify") == before + 1, "the gauge counts it");

        JsonNode again = connect(t);
        assertThat(again.get("status").asText()).as(again.toString()).isEqualTo("ok");
        assertThat(status(t, "shopify")).isEqualTo("ok");
        assertThat(GW.fake().subscriptions(t.shop())).hasSize(Connector.SHOPIFY_TOPICS.size());
        await(() -> gauge("shopify") == before, "the gauge is back");
        assertThat(tenantAnswer(t).get("connections").get("shopify").has("reason")).isFalse();

        // and the next check agrees
        checkNow(t, "shopify");
        assertThat(status(t, "shopify")).isEqualTo("ok");
    }

    @Test
    @Order(2)
    void aDeactivatedOrDeletedIntegrationIsBrokenWithTheReason() throws Exception {
        Tenant t = connected("deact-shop");
        long id = Long.parseLong(ids(t, "gorgias").get("integration").asText());
        double before = gauge("gorgias");

        GW.fake().deactivateIntegration(t.account(), id);
        makeDue(t, "gorgias");
        await(() -> status(t, "gorgias").equals("broken"), "deactivated: broken");
        assertThat(reason(t, "gorgias")).contains("integration " + id).contains("deactivated");
        await(() -> gauge("gorgias") == before + 1, "the gauge counts it");

        GW.fake().deleteIntegration(t.account(), id);
        makeDue(t, "gorgias");
        await(() -> reason(t, "gorgias").contains("no longer exists"), "deleted: broken, saying so");
        assertThat(status(t, "gorgias")).isEqualTo("broken");
        assertThat(status(t, "shopify")).isEqualTo("ok");

        assertThat(connect(t).get("status").asText()).isEqualTo("ok");
        assertThat(status(t, "gorgias")).isEqualTo("ok");
        await(() -> gauge("gorgias") == before, "the gauge is back");
    }

    @Test
    @Order(2)
    void anIntegrationWhoseFormTollgateNoLongerRecognisesIsBrokenUntilConnectReplacesIt() throws Exception {
        Tenant t = connected("oldform-drift");
        long id = Long.parseLong(ids(t, "gorgias").get("integration").asText());

        // the string body template earlier Tollgates created
        GW.fake().setForm(t.account(), id, com.fasterxml.jackson.databind.node.TextNode.valueOf("{{context}}"));
        makeDue(t, "gorgias");
        await(() -> status(t, "gorgias").equals("broken"), "an old form: broken");
        assertThat(reason(t, "gorgias")).contains("integration " + id).contains("form outdated")
                .doesNotContain("deactivated").doesNotContain("another URL");

        JsonNode again = connect(t);
        assertThat(again.get("status").asText()).as(again.toString()).isEqualTo("ok");
        assertThat(again.get("gorgias").toString()).contains("\"updated\"");
        assertThat(status(t, "gorgias")).isEqualTo("ok");
        assertThat(GW.fake().integrations(t.account()).getFirst().at("/http/form/message_id").asText())
                .isEqualTo("{{ticket.messages[-1].id}}");
        checkNow(t, "gorgias");
        assertThat(status(t, "gorgias")).isEqualTo("ok");
    }

    @Test
    @Order(3)
    void theListFilterReturnsExactlyTheBrokenTenantsAcrossPages() throws Exception {
        List<Tenant> broken = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Tenant ok = connected("filter-ok-" + i);
            assertThat(status(ok, "gorgias")).isEqualTo("ok");
            Tenant b = connected("filter-bad-" + i);
            GW.fake().dropSubscription(b.shop(), "APP_UNINSTALLED");
            makeDue(b, "shopify");
            broken.add(b);
        }
        for (Tenant b : broken) {
            await(() -> status(b, "shopify").equals("broken"), b.slug() + " broken");
        }
        Set<String> expected = new TreeSet<>(slugs("""
                SELECT t.slug FROM tenants t WHERE EXISTS (
                  SELECT 1 FROM connections c WHERE c.tenant_id = t.id AND c.status = 'broken')"""));
        assertThat(expected).contains("filter-bad-0", "filter-bad-1", "filter-bad-2")
                .doesNotContain("filter-ok-0");

        List<String> listed = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = Webhooks.json(admin("GET", "/admin/tenants?connection=broken&limit=2"
                    + (cursor == null ? "" : "&cursor=" + cursor), null, 200).body());
            page.get("items").forEach(item -> {
                listed.add(item.get("slug").asText());
                assertThat(item.get("connections").toString()).contains("\"broken\"");
            });
            cursor = page.path("next_cursor").isTextual() ? page.get("next_cursor").asText() : null;
        } while (cursor != null);
        assertThat(listed).containsExactlyElementsOf(expected);

        JsonNode all = Webhooks.json(admin("GET", "/admin/tenants?limit=200", null, 200).body());
        assertThat(all.get("items")).anySatisfy(i -> assertThat(i.get("slug").asText()).isEqualTo("filter-ok-0"));
        all.get("items").forEach(i -> assertThat(i.get("connections").get("gorgias").has("status")).isTrue());

        HttpResponse<String> bad = admin("GET", "/admin/tenants?connection=nope", null, 400);
        assertThat(bad.body()).contains("connection");
    }

    @Test
    @Order(4)
    void lastDeliveryAtFollowsAcceptedDeliveriesAndNeverConnectedIsUnknown() throws Exception {
        Tenant t = register("quiet-shop");
        HttpResponse<String> created = admin("POST", "/admin/tenants", GW.createBody(t, false), 201);
        t = GW.withSecret(t, Webhooks.json(created.body()).get("gorgias_webhook_secret").asText());
        JsonNode fresh = tenantAnswer(t);
        assertThat(fresh.get("connections").get("gorgias").get("status").asText()).isEqualTo("unknown");
        assertThat(fresh.get("connections").get("shopify").get("status").asText()).isEqualTo("unknown");
        assertThat(fresh.get("connections").get("gorgias").has("checked_at")).isFalse();
        assertThat(fresh.get("last_delivery_at").size()).isZero();

        Instant before = Instant.now().minusSeconds(1);
        byte[] body = Webhooks.utf8("{\"id\": 1, \"email\": \"a@example.com\"}");
        HttpResponse<String> sent = Webhooks.shopify(GW.server(), new Webhooks.TestTenant(
                t.slug(), t.shop(), "shpss_" + t.slug() + "_secret", t.gorgiasSecret()), body, "orders/create",
                "evt-1");
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(202);
        JsonNode after = tenantAnswer(t).get("last_delivery_at");
        assertThat(after.has("gorgias")).isFalse();
        Instant shopifyAt = Instant.parse(after.get("shopify").asText());
        assertThat(shopifyAt).isAfter(before).isBefore(Instant.now().plusSeconds(1));

        Thread.sleep(20);
        sent = Webhooks.shopify(GW.server(), new Webhooks.TestTenant(
                t.slug(), t.shop(), "shpss_" + t.slug() + "_secret", t.gorgiasSecret()), body, "orders/create",
                "evt-2");
        assertThat(sent.statusCode()).isEqualTo(202);
        assertThat(Instant.parse(tenantAnswer(t).get("last_delivery_at").get("shopify").asText()))
                .isAfter(shopifyAt);
        JsonNode listed = Webhooks.json(admin("GET", "/admin/tenants?limit=200", null, 200).body());
        assertThat(listed.get("items")).anySatisfy(i -> {
            assertThat(i.get("slug").asText()).isEqualTo("quiet-shop");
            assertThat(i.get("last_delivery_at").has("shopify")).isTrue();
        });
    }

    @Test
    @Order(5)
    void aConnectedTenantWhoseDeliveriesStopCountsAsSilent() throws Exception {
        Tenant t = connected("silent-shop");
        Webhooks.TestTenant sender = new Webhooks.TestTenant(t.slug(), t.shop(), "shpss_" + t.slug() + "_secret",
                                                             t.gorgiasSecret());
        double before = silent("shopify");
        double gorgiasBefore = silent("gorgias");
        assertThat(Webhooks.shopify(GW.server(), sender, Webhooks.utf8("{\"id\": 7}"), "orders/create", "s-1")
                           .statusCode()).isEqualTo(202);
        // never delivered: not counted; delivered a moment ago: not silent
        Thread.sleep(INTERVAL_SECONDS * 1000L + 500);
        assertThat(silent("shopify")).isEqualTo(before);

        // the last delivery two minutes ago (TOLLGATE_SILENCE_SECONDS is 60 here)
        GW.exec("UPDATE webhook_events SET received_at = now() - interval '2 minutes' WHERE tenant_id = "
                     + "(SELECT id FROM tenants WHERE slug = ?)", t.slug());
        await(() -> silent("shopify") == before + 1, "counted silent");
        assertThat(silent("gorgias")).as("no Gorgias delivery ever: not silent").isEqualTo(gorgiasBefore);
        assertThat(tenantAnswer(t).get("last_delivery_at").get("shopify").asText()).isNotBlank();

        assertThat(Webhooks.shopify(GW.server(), sender, Webhooks.utf8("{\"id\": 8}"), "orders/create", "s-2")
                           .statusCode()).isEqualTo(202);
        await(() -> silent("shopify") == before, "delivering again ends it");
    }

    @Test
    @Order(6)
    void anUpstreamHiccupChangesNothingAndASuspendedTenantIsNotCounted() throws Exception {
        Tenant t = connected("hiccup-shop");
        double before = gauge("shopify");

        // Shopify answers 200 with a GraphQL internal error: not an answer about the subscriptions
        GW.fake().failListings(t.shop(), true);
        Instant checked = checkedAt(t, "shopify");
        makeDue(t, "shopify");
        // rescheduled about an interval on (a claim alone pushes it minutes ahead): the check has run
        await(() -> GW.count("SELECT count(*) FROM connections c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = ?"
                + " AND c.provider = 'shopify' AND c.next_check_at BETWEEN now() + make_interval(secs => ?)"
                + " AND now() + make_interval(secs => ?)",
                t.slug(), INTERVAL_SECONDS / 2.0, INTERVAL_SECONDS * 2.0) == 1, "checked and rescheduled");
        assertThat(status(t, "shopify")).isEqualTo("ok");
        assertThat(reason(t, "shopify")).isEmpty();
        assertThat(checkedAt(t, "shopify")).as("no finding recorded").isEqualTo(checked);
        GW.fake().failListings(t.shop(), false);

        // broken, counted; suspended, no longer counted; resumed, counted again
        assertThat(GW.fake().dropSubscription(t.shop(), "CUSTOMERS_UPDATE")).isEqualTo(1);
        makeDue(t, "shopify");
        await(() -> status(t, "shopify").equals("broken"), "the check marks it broken");
        await(() -> gauge("shopify") == before + 1, "the gauge counts it");
        admin("POST", "/admin/tenants/" + t.slug() + "/suspend", null, 200);
        await(() -> gauge("shopify") == before, "a suspended tenant is not counted");
        admin("POST", "/admin/tenants/" + t.slug() + "/resume", null, 200);
        await(() -> gauge("shopify") == before + 1, "counted again once resumed");
        assertThat(connect(t).get("status").asText()).isEqualTo("ok");
        await(() -> gauge("shopify") == before, "repaired");
    }

    @Test
    @Order(7)
    void subscriptionsLeftAtAnEarlierUrlKeepTheConnectionBrokenUntilDeleted() throws Exception {
        Tenant t = connected("earlier-shop");
        String url = ConnectFixture.PUBLIC + "/webhooks/" + t.slug() + "/shopify";
        assertThat(GW.fake().moveSubscriptions(t.shop(), url, "https://old.tollgate.test/webhooks/" + t.slug()
                + "/shopify")).isEqualTo(Connector.SHOPIFY_TOPICS.size());
        GW.fake().refuseDeletes(t.shop(), true);
        assertThat(connect(t).get("shopify").get("status").asText()).isEqualTo("failed");

        // every topic is subscribed at the current URL now, yet Shopify still posts to the old ones too
        checkNow(t, "shopify");
        assertThat(status(t, "shopify")).isEqualTo("broken");
        assertThat(reason(t, "shopify"))
                .contains(Connector.SHOPIFY_TOPICS.size() + " subscription(s) at an earlier URL");

        GW.fake().refuseDeletes(t.shop(), false);
        assertThat(connect(t).get("status").asText()).isEqualTo("ok");
        checkNow(t, "shopify");
        assertThat(status(t, "shopify")).isEqualTo("ok");
        assertThat(GW.fake().subscriptions(t.shop())).hasSize(Connector.SHOPIFY_TOPICS.size());
    }

    @Test
    @Order(8)
    void checksGoOnAndAnswersComePromptlyWhileTheEventsTableIsLocked() throws Exception {
        Tenant t = connected("locked-shop");
        Webhooks.TestTenant sender = new Webhooks.TestTenant(t.slug(), t.shop(), "shpss_" + t.slug() + "_secret",
                                                             t.gorgiasSecret());
        assertThat(Webhooks.shopify(GW.server(), sender, Webhooks.utf8("{\"id\": 9}"), "orders/create", "l-1")
                           .statusCode()).isEqualTo(202);
        assertThat(tenantAnswer(t).get("last_delivery_at").has("shopify")).isTrue();

        try (Connection lock = GW.db().connect()) {
            lock.setAutoCommit(false);
            try (Statement st = lock.createStatement()) {
                st.execute("LOCK TABLE webhook_events IN ACCESS EXCLUSIVE MODE");
            }
            // the silence sample waits for the table (boundedly); the drift check goes on regardless
            assertThat(GW.fake().dropSubscription(t.shop(), "ORDERS_FULFILLED")).isEqualTo(1);
            makeDue(t, "shopify");
            await(() -> status(t, "shopify").equals("broken"), "checked while the table is locked", 30);
            long t0 = System.nanoTime();
            JsonNode answer = tenantAnswer(t);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(answer.has("last_delivery_at")).as("left out, not waited for: " + answer).isFalse();
            assertThat(answer.get("connections").get("shopify").get("status").asText()).isEqualTo("broken");
            assertThat(ms).as("answered without waiting for the lock").isLessThan(5_000);
            lock.rollback();
        }
        assertThat(tenantAnswer(t).get("last_delivery_at").has("shopify")).isTrue();
        assertThat(connect(t).get("status").asText()).isEqualTo("ok");
    }

    @Test
    @Order(9)
    void twoHundredTenantsAreCheckedWithinBudgetAndSpreadOut() throws Exception {
        List<Tenant> tenants = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Tenant t = register("pace-" + i);
            HttpResponse<String> res = admin("POST", "/admin/tenants", GW.createBody(t, false), 201);
            tenants.add(GW.withSecret(t, Webhooks.json(res.body()).get("gorgias_webhook_secret").asText()));
        }
        // as 200 connects would leave them: recorded and first checks spread over the interval (the connects
        // themselves are ConnectTest's; here only the checks' calls are counted, from before the first is due)
        GW.fake().server.resetRequests();
        GW.exec("""
                INSERT INTO connections (tenant_id, provider, status, upstream_ids, webhook_url, connected_at,
                                         checked_at, next_check_at)
                SELECT t.id, p.provider, 'ok',
                       CASE WHEN p.provider = 'gorgias' THEN '{"integration": "1"}'::jsonb
                            ELSE '{"ORDERS_CREATE": "gid://shopify/WebhookSubscription/1"}'::jsonb END,
                       'https://hooks.tollgate.test/webhooks/' || t.slug || '/' || p.provider, now(), now(),
                       now() + random() * make_interval(secs => ?)
                  FROM tenants t CROSS JOIN (VALUES ('gorgias'), ('shopify')) AS p(provider)
                 WHERE t.slug LIKE 'pace-%'""", INTERVAL_SECONDS);
        long start = System.currentTimeMillis();
        // every one is checked (how fast depends on this machine; the spacing below does not) and recorded broken
        // (the fake knows none of these ids)
        await(() -> GW.count("SELECT count(*) FROM connections c JOIN tenants t ON t.id = c.tenant_id "
                + "WHERE t.slug LIKE 'pace-%' AND c.status = 'broken'") == 400, "all 400 checked", 60);
        List<ServeEvent> calls = GW.fake().server.getAllServeEvents();

        // per tenant and provider: who made the call (Gorgias: basic auth; Shopify: the access token)
        Map<String, String> who = new HashMap<>();
        for (Tenant t : tenants) {
            who.put("Basic " + FakeUpstreams.basic(t.username(), t.apiKey()), t.slug() + " gorgias");
            who.put(t.accessToken(), t.slug() + " shopify");
        }
        Map<String, List<Long>> byTenant = new HashMap<>();
        List<Long> all = new ArrayList<>();
        for (ServeEvent e : calls) {
            String key = who.get(e.getRequest().getHeader("Authorization"));
            if (key == null) {
                key = who.get(e.getRequest().getHeader("X-Shopify-Access-Token"));
            }
            if (key == null) {
                continue; // another test's tenant
            }
            long at = e.getRequest().getLoggedDate().getTime();
            byTenant.computeIfAbsent(key, k -> new ArrayList<>()).add(at);
            all.add(at);
        }
        assertThat(byTenant).hasSize(400);
        // each provider's per-tenant budget (Gorgias: 40 calls per 20 s, the shared pacing's default; Shopify's
        // GraphQL bucket refills 50 points a second) is far from reached: one call per check here (the fake shops
        // hold no subscription, so one page), and a connection's checks are an interval (minus the jitter) apart
        long minGap = (long) (INTERVAL_SECONDS * 1000 * (1 - CheckSettings.JITTER)) - 1500;
        long window = System.currentTimeMillis() - start;
        byTenant.forEach((k, times) -> {
            times.sort(null); // the journal lists the newest first
            assertThat(times).as(k).hasSizeLessThanOrEqualTo((int) (window / minGap) + 1);
            for (int i = 1; i < times.size(); i++) {
                assertThat(times.get(i) - times.get(i - 1)).as(k + ": checks are an interval apart")
                        .isGreaterThan(minGap);
            }
        });
        // spread: no second (sliding) sees more than this instance's budget of checks, no 100 ms more than its share,
        // and the first checks are spread over the interval as the connects placed them
        all.sort(null);
        assertThat(maxIn(all, 1000)).as("calls in any second").isLessThanOrEqualTo(PER_SECOND * 6 / 5);
        // (starts are 20 ms apart; arrivals at the fake jitter with the checks' threads on a busy machine, so a tenth
        // of a second may see a few more than its five, never a second's burst)
        assertThat(maxIn(all, 100)).as("calls in any 100 ms").isLessThanOrEqualTo(PER_SECOND / 10 * 3);
        assertThat(all.getLast() - all.getFirst()).as("spread over the interval")
                .isGreaterThan((INTERVAL_SECONDS - 3) * 1000L);

        // every one is recorded broken (the fake knows none of these ids), and the gauge counts them
        await(() -> gauge("gorgias") >= 200 && gauge("shopify") >= 200, "the gauges count them");
        // each next check was scheduled an interval ± the jitter after the check that found it broken (rows claimed
        // for their next check right now are pushed minutes ahead by the claim: left out, and they are few)
        String settled = "FROM connections c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug LIKE 'pace-%' "
                + "AND c.next_check_at < now() + interval '60 seconds'";
        assertThat(GW.count("SELECT count(*) " + settled)).as("rows not claimed at the moment").isGreaterThan(300);
        assertThat(GW.count("SELECT count(*) " + settled + " AND (c.next_check_at - c.checked_at < "
                + "make_interval(secs => ?) OR c.next_check_at - c.checked_at > make_interval(secs => ?))",
                INTERVAL_SECONDS * (1 - CheckSettings.JITTER) - 0.01,
                INTERVAL_SECONDS * (1 + CheckSettings.JITTER) + 0.01))
                .as("next checks an interval ± jitter after the last").isZero();
    }

    @Test
    @Order(10)
    void noCredentialInAnyLogLine() {
        List<String> lines = GW.logs().records().stream()
                .filter(r -> !r.path("logger").asText().startsWith("org.eclipse.jetty")
                        && !r.path("logger").asText().contains("wiremock"))
                .map(JsonNode::toString).toList();
        assertThat(lines).anyMatch(l -> l.contains("connection broken") && l.contains("drop-shop"));
        assertThat(lines).anyMatch(l -> l.contains("connection broken") && l.contains("deact-shop"));
        List<String> leaks = new ArrayList<>();
        for (String line : lines) {
            for (String secret : GW.secrets()) {
                if (line.contains(secret)) {
                    leaks.add(line);
                }
            }
        }
        assertThat(leaks).as("log lines holding a credential").isEmpty();
    }

    // --- helpers ----------------------------------------------------------------------------------------------------

    private static Tenant register(String slug) {
        return GW.register(slug, Options.standard());
    }

    private static Tenant connected(String slug) {
        Tenant t = register(slug);
        HttpResponse<String> res = admin("POST", "/admin/tenants", GW.createBody(t, false), 201);
        t = GW.withSecret(t, Webhooks.json(res.body()).get("gorgias_webhook_secret").asText());
        JsonNode out = connect(t);
        assertThat(out.get("status").asText()).as(out.toString()).isEqualTo("ok");
        return t;
    }

    private static JsonNode connect(Tenant t) {
        return Webhooks.json(admin("POST", "/admin/tenants/" + t.slug() + "/connect", null, 200).body());
    }

    private static JsonNode tenantAnswer(Tenant t) {
        return Webhooks.json(admin("GET", "/admin/tenants/" + t.slug(), null, 200).body());
    }

    private static HttpResponse<String> admin(String method, String path, String body, int status) {
        HttpResponse<String> res = GW.admin(method, path, body);
        assertThat(res.statusCode()).as(method + " " + path + ": " + res.body()).isEqualTo(status);
        return res;
    }

    private static double gauge(String provider) {
        return Webhooks.metric(GW.server(), "tollgate_connections_broken", "provider", provider);
    }

    private static double silent(String provider) {
        return Webhooks.metric(GW.server(), "tollgate_tenants_silent", "provider", provider);
    }

    private static void makeDue(Tenant t, String provider) throws SQLException {
        GW.exec("UPDATE connections SET next_check_at = now() WHERE provider = ? AND tenant_id = "
                     + "(SELECT id FROM tenants WHERE slug = ?)", provider, t.slug());
    }

    /** Makes the connection due and waits until a check has recorded a finding. */
    private static void checkNow(Tenant t, String provider) throws SQLException {
        Instant before = checkedAt(t, provider);
        makeDue(t, provider);
        await(() -> checkedAt(t, provider).isAfter(before), "checked again");
    }

    private static String status(Tenant t, String provider) {
        return column(t, provider, "status");
    }

    private static String reason(Tenant t, String provider) {
        String r = column(t, provider, "coalesce(reason, '')");
        return r;
    }

    private static Instant checkedAt(Tenant t, String provider) {
        return Instant.parse(column(t, provider, "to_char(checked_at AT TIME ZONE 'UTC', "
                + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
    }

    private static JsonNode ids(Tenant t, String provider) {
        return Webhooks.json(column(t, provider, "upstream_ids::text"));
    }

    private static String column(Tenant t, String provider, String expr) {
        try (Connection c = GW.db().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT " + expr + " FROM connections WHERE provider = ? AND tenant_id = "
                        + "(SELECT id FROM tenants WHERE slug = ?)")) {
            ps.setString(1, provider);
            ps.setString(2, t.slug());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("a %s connection of %s", provider, t.slug()).isTrue();
                return rs.getString(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> slugs(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = GW.db().connect(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** The most timestamps within any window of {@code ms} starting at one of them. */
    private static int maxIn(List<Long> sorted, long ms) {
        int best = 0;
        int j = 0;
        for (int i = 0; i < sorted.size(); i++) {
            while (sorted.get(i) - sorted.get(j) >= ms) {
                j++;
            }
            best = Math.max(best, i - j + 1);
        }
        return best;
    }

    private static void await(BooleanSupplier condition, String what) {
        await(condition, what, 15);
    }

    private static void await(BooleanSupplier condition, String what, int seconds) {
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for: " + what).isLessThan(deadline);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
