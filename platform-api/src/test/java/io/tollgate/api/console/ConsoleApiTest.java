package io.tollgate.api.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's views over HTTP against real PostgreSQL: {@code /admin/attention}, {@code /admin/tenant-summaries},
 * {@code /admin/tenants/{slug}/stats}, each from rows written as the gateway writes them, with a second tenant's
 * rows beside them that must not leak in.
 */
class ConsoleApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Tenants besides the named ones, so a page of 3 must be followed through cursors. */
    private static final List<String> FILLERS = List.of("filler-a", "filler-b", "filler-c", "filler-d", "filler-e");

    private static TestDatabase db;
    private static Tollgate server;
    private static Connection sql;
    private static final Map<String, UUID> IDS = new HashMap<>();
    private static UUID oldestQueuedEvent;
    private static UUID openRequest;
    private static Instant fiveHoursAgo;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.empty();
        server = TestServers.start(db);
        sql = db.connect();
        create("acme-boots", "Acme Boots");
        create("zeta-shoes", "Zeta Shoes");
        create("quiet-shop", "Quiet Shop");
        create("wool-co", "100% Wool_Co");
        create("paused-shop", "Paused Shop");
        for (String f : FILLERS) {
            create(f, "Filler " + f.substring(f.length() - 1).toUpperCase());
        }
        assertThat(call("POST", "/admin/tenants/paused-shop/suspend").statusCode()).isEqualTo(200);
        for (String slug : IDS.keySet()) {
            IDS.put(slug, id(slug));
        }
        UUID acme = IDS.get("acme-boots");
        UUID zeta = IDS.get("zeta-shoes");
        UUID quiet = IDS.get("quiet-shop");

        // acme: gorgias broken for two hours (shopify ok), 3 dead events and a queued one in the last hour, 2
        // processed five hours ago with 2 notes posted then (and one note still pending)
        connection(acme, "gorgias", "broken", "Gorgias answered 401: the API key was refused", "2 hours");
        connection(acme, "shopify", "ok", null, "3 days");
        for (int i = 0; i < 3; i++) {
            job(acme, event(acme, "gorgias", "dead", "10 minutes"), "dead", "10 minutes");
        }
        oldestQueuedEvent = event(acme, "shopify", "accepted", "20 minutes");
        job(acme, oldestQueuedEvent, "queued", "20 minutes");
        UUID p1 = event(acme, "shopify", "processed", "5 hours");
        UUID p2 = event(acme, "shopify", "processed", "5 hours");
        fiveHoursAgo = receivedAt(p1);
        note(acme, p1, "posted", "5 hours", 1);
        note(acme, p2, "posted", "5 hours", 2);
        note(acme, null, "pending", null, 3);

        // zeta: one dead event long ago, a queued job due later than acme's, an open data request and a delivered one
        job(zeta, event(zeta, "shopify", "dead", "3 hours"), "dead", "3 hours");
        UUID zq = event(zeta, "gorgias", "accepted", "2 minutes");
        job(zeta, zq, "queued", "2 minutes");
        openRequest = dataRequest(zeta, "open", "90 minutes");
        dataRequest(zeta, "delivered", "10 hours");
        note(zeta, null, "posted", "5 hours", 4);

        // quiet: connected to shopify, last delivery two days ago (TOLLGATE_SILENCE_SECONDS is 6 h)
        connection(quiet, "shopify", "ok", null, "5 days");
        event(quiet, "shopify", "processed", "2 days");
    }

    @AfterAll
    static void stop() throws SQLException {
        sql.close();
        server.close();
        db.close();
    }

    // --- attention ----------------------------------------------------------------------------------------------

    @Test
    void attentionListsWhatNeedsAnOperator() {
        JsonNode a = json(call("GET", "/admin/attention"), 200);

        assertThat(a.get("broken_connections_total").asLong()).isEqualTo(1);
        JsonNode broken = a.get("broken_connections").get(0);
        assertThat(broken.get("slug").asText()).isEqualTo("acme-boots");
        assertThat(broken.get("name").asText()).isEqualTo("Acme Boots");
        assertThat(broken.get("provider").asText()).isEqualTo("gorgias");
        assertThat(broken.get("reason").asText()).isEqualTo("Gorgias answered 401: the API key was refused");
        assertThat(Instant.parse(broken.get("since").asText()))
                .isBetween(dbNow().minus(Duration.ofMinutes(125)), dbNow().minus(Duration.ofMinutes(115)));

        assertThat(a.get("silent_tenants_total").asLong()).isEqualTo(1);
        JsonNode silent = a.get("silent_tenants").get(0);
        assertThat(silent.get("slug").asText()).isEqualTo("quiet-shop");
        assertThat(silent.get("provider").asText()).isEqualTo("shopify");
        assertThat(Instant.parse(silent.get("last_delivery_at").asText())).isBefore(dbNow().minus(Duration.ofDays(1)));

        // most dead first
        assertThat(a.get("dead_events_total").asLong()).isEqualTo(2);
        assertThat(a.get("dead_events").findValuesAsText("slug")).containsExactly("acme-boots", "zeta-shoes");
        assertThat(a.get("dead_events").get(0).get("count").asLong()).isEqualTo(3);
        assertThat(a.get("dead_events").get(1).get("count").asLong()).isEqualTo(1);

        // the delivered request is done: only the open one
        assertThat(a.get("open_data_requests_total").asLong()).isEqualTo(1);
        JsonNode open = a.get("open_data_requests").get(0);
        assertThat(open.get("slug").asText()).isEqualTo("zeta-shoes");
        assertThat(open.get("id").asText()).isEqualTo(openRequest.toString());
        assertThat(open.get("age_seconds").asLong()).isBetween(89L * 60, 95L * 60);

        JsonNode queued = a.get("oldest_queued_job");
        assertThat(queued.get("slug").asText()).isEqualTo("acme-boots");
        assertThat(queued.get("event_id").asText()).isEqualTo(oldestQueuedEvent.toString());
        assertThat(queued.get("age_seconds").asLong()).isBetween(19L * 60, 25L * 60);
        assertThat(Instant.parse(a.get("as_of").asText())).isBefore(Instant.now().plusSeconds(5));
    }

    @Test
    void aSuspendedTenantsBrokenConnectionIsNotAnAlarm() throws Exception {
        UUID paused = IDS.get("paused-shop");
        connection(paused, "shopify", "broken", "uninstalled", "1 hour");
        try {
            JsonNode a = json(call("GET", "/admin/attention"), 200);
            assertThat(a.get("broken_connections").findValuesAsText("slug")).doesNotContain("paused-shop");
        } finally {
            exec("DELETE FROM connections WHERE tenant_id = '" + paused + "'");
        }
    }

    // --- tenant summaries ---------------------------------------------------------------------------------------

    @Test
    void summariesShowEachTenantsHealth() {
        JsonNode page = json(call("GET", "/admin/tenant-summaries?limit=200"), 200);
        assertThat(page.has("next_cursor")).isTrue();
        assertThat(page.get("next_cursor").isNull()).isTrue();
        Map<String, JsonNode> by = new HashMap<>();
        page.get("items").forEach(i -> by.put(i.get("slug").asText(), i));
        assertThat(by).hasSize(IDS.size());

        JsonNode acme = by.get("acme-boots");
        assertThat(acme.get("name").asText()).isEqualTo("Acme Boots");
        assertThat(acme.get("status").asText()).isEqualTo("active");
        assertThat(acme.at("/connection/gorgias").asText()).isEqualTo("broken");
        assertThat(acme.at("/connection/shopify").asText()).isEqualTo("ok");
        assertThat(acme.at("/connection/reason").asText()).isEqualTo("Gorgias answered 401: the API key was refused");
        // 3 dead and 1 queued in the last hour; the 2 processed five hours ago are not
        assertThat(acme.get("deliveries_last_hour").asLong()).isEqualTo(4);
        assertThat(acme.get("deliveries_last_hour_capped").asBoolean()).isFalse();
        assertThat(acme.get("dead_events").asLong()).isEqualTo(3);
        assertThat(Instant.parse(acme.at("/last_delivery/gorgias").asText()))
                .isAfter(dbNow().minus(Duration.ofMinutes(15)));
        assertThat(Instant.parse(acme.at("/last_delivery/shopify").asText()))
                .isAfter(dbNow().minus(Duration.ofMinutes(25)));

        JsonNode zeta = by.get("zeta-shoes");
        assertThat(zeta.at("/connection/gorgias").asText()).isEqualTo("none");
        assertThat(zeta.at("/connection/shopify").asText()).isEqualTo("none");
        assertThat(zeta.at("/connection/reason").isNull()).isTrue();
        assertThat(zeta.get("deliveries_last_hour").asLong()).isEqualTo(1);
        assertThat(zeta.get("dead_events").asLong()).isEqualTo(1);

        JsonNode quiet = by.get("quiet-shop");
        assertThat(quiet.get("deliveries_last_hour").asLong()).isZero();
        assertThat(quiet.at("/last_delivery/gorgias").isNull()).isTrue();
        assertThat(quiet.at("/connection/shopify").asText()).isEqualTo("ok");
        assertThat(by.get("paused-shop").get("status").asText()).isEqualTo("suspended");
    }

    @Test
    void aBusyTenantsLastHourIsCountedUpToTheCap() throws Exception {
        exec("""
                INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, status,
                                            received_at)
                SELECT gen_random_uuid(), '%s', 'shopify', 'orders/create', 'busy-' || g, sha256('{}'::bytea),
                       '{}'::bytea, 'processed', now() - interval '30 minutes'
                  FROM generate_series(1, 10001) g""".formatted(IDS.get("filler-e")));
        try {
            JsonNode busy = json(call("GET", "/admin/tenant-summaries?q=filler-e"), 200).get("items").get(0);
            assertThat(busy.get("slug").asText()).isEqualTo("filler-e");
            assertThat(busy.get("deliveries_last_hour").asLong()).isEqualTo(10_000);
            assertThat(busy.get("deliveries_last_hour_capped").asBoolean()).isTrue();
        } finally {
            exec("DELETE FROM webhook_events WHERE tenant_id = '" + IDS.get("filler-e") + "'");
        }
    }

    @Test
    void pagesFollowEachOtherInSlugOrderThroughCursors() {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = json(call("GET", "/admin/tenant-summaries?limit=3"
                    + (cursor == null ? "" : "&cursor=" + cursor)), 200);
            assertThat(page.get("items").size()).isBetween(1, 3);
            page.get("items").forEach(i -> seen.add(i.get("slug").asText()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            pages++;
        } while (cursor != null && pages < 20);
        assertThat(pages).isEqualTo((IDS.size() + 2) / 3);
        assertThat(seen).isSorted().doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(IDS.keySet());
    }

    @Test
    void searchMatchesSlugOrNameLiterallyAndIgnoringCase() {
        assertThat(slugs("q=ACME")).containsExactly("acme-boots");
        assertThat(slugs("q=shoes")).containsExactly("zeta-shoes");
        assertThat(slugs("q=" + enc("filler"))).containsExactlyElementsOf(FILLERS);
        // a pattern character is a literal: only the name that holds it
        assertThat(slugs("q=" + enc("%"))).containsExactly("wool-co");
        assertThat(slugs("q=" + enc("_"))).containsExactly("wool-co");
        assertThat(slugs("q=" + enc("o%_c"))).isEmpty();
        assertThat(slugs("q=" + enc("nothing-like-this"))).isEmpty();
        // a search pages too
        JsonNode first = json(call("GET", "/admin/tenant-summaries?q=filler&limit=2"), 200);
        assertThat(first.get("items").findValuesAsText("slug")).containsExactly("filler-a", "filler-b");
        JsonNode second = json(call("GET", "/admin/tenant-summaries?q=filler&limit=2&cursor="
                + first.get("next_cursor").asText()), 200);
        assertThat(second.get("items").findValuesAsText("slug")).containsExactly("filler-c", "filler-d");
    }

    @Test
    void filtersByStatusAndConnection() {
        assertThat(slugs("status=suspended")).containsExactly("paused-shop");
        assertThat(slugs("status=active")).doesNotContain("paused-shop").contains("acme-boots");
        assertThat(slugs("connection=broken")).containsExactly("acme-boots");
        assertThat(slugs("connection=ok")).containsExactly("quiet-shop");
        assertThat(slugs("connection=none")).doesNotContain("acme-boots", "quiet-shop").contains("zeta-shoes");
        assertThat(slugs("connection=ok&q=acme")).isEmpty();
        for (String bad : List.of("status=gone", "connection=unknown", "limit=0", "q=" + "a".repeat(201))) {
            HttpResponse<String> r = call("GET", "/admin/tenant-summaries?" + bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(json(r, 400).get("errors").findValuesAsText("field"))
                    .contains(bad.substring(0, bad.indexOf('=')));
        }
        HttpResponse<String> cursor = call("GET", "/admin/tenant-summaries?cursor="
                + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("v1|NOT A SLUG".getBytes()));
        assertThat(cursor.statusCode()).isEqualTo(400);
    }

    // --- stats --------------------------------------------------------------------------------------------------

    @Test
    void statsCountTheTenantsDeliveriesAndNotesPerHour() {
        JsonNode s = json(call("GET", "/admin/tenants/acme-boots/stats?hours=24"), 200);
        assertThat(s.get("bucket_seconds").asInt()).isEqualTo(3600);
        JsonNode buckets = s.get("buckets");
        assertThat(buckets.size()).isEqualTo(24);
        Instant from = Instant.parse(s.get("from").asText());
        assertThat(Instant.parse(buckets.get(0).get("start").asText())).isEqualTo(from);
        assertThat(from.getEpochSecond() % 3600).isZero();
        assertThat(Instant.parse(s.get("to").asText())).isAfter(Instant.parse(buckets.get(23).get("start")
                                                                                      .asText()));

        Map<String, Long> total = new HashMap<>();
        long notes = 0;
        JsonNode fiveHours = null;
        for (JsonNode b : buckets) {
            b.get("deliveries").properties().forEach(e -> total.merge(e.getKey(), e.getValue().asLong(), Long::sum));
            notes += b.get("notes_posted").asLong();
            Instant start = Instant.parse(b.get("start").asText());
            if (!fiveHoursAgo.isBefore(start) && fiveHoursAgo.isBefore(start.plusSeconds(3600))) {
                fiveHours = b;
            }
        }
        assertThat(total).containsExactlyInAnyOrderEntriesOf(Map.of("accepted", 1L, "processed", 2L, "skipped", 0L,
                                                                    "dead", 3L, "rejected", 0L, "discarded", 0L));
        // the pending note is not posted; zeta's posted note is zeta's
        assertThat(notes).isEqualTo(2);
        assertThat(fiveHours).isNotNull();
        assertThat(fiveHours.at("/deliveries/processed").asLong()).isEqualTo(2);
        assertThat(fiveHours.get("notes_posted").asLong()).isEqualTo(2);

        // over one hour: only the last hour's deliveries
        JsonNode last = json(call("GET", "/admin/tenants/acme-boots/stats?hours=1"), 200).get("buckets");
        assertThat(last.size()).isEqualTo(1);

        // the quiet shop's delivery two days ago shows over a week, not over a day
        assertThat(sum(json(call("GET", "/admin/tenants/quiet-shop/stats"), 200))).isZero();
        assertThat(sum(json(call("GET", "/admin/tenants/quiet-shop/stats?hours=168"), 200))).isEqualTo(1);
    }

    @Test
    void statsRefuseAnHourCountOutsideAWeekAndUnknownTenants() {
        for (String hours : List.of("0", "169", "abc", "-1", "1.5", "99999999999")) {
            HttpResponse<String> r = call("GET", "/admin/tenants/acme-boots/stats?hours=" + hours);
            assertThat(r.statusCode()).as(hours).isEqualTo(400);
            assertThat(json(r, 400).get("errors").findValuesAsText("field")).containsExactly("hours");
        }
        assertThat(call("GET", "/admin/tenants/no-such-shop/stats").statusCode()).isEqualTo(404);
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private static long sum(JsonNode stats) {
        long n = 0;
        for (JsonNode b : stats.get("buckets")) {
            for (JsonNode v : b.get("deliveries")) {
                n += v.asLong();
            }
        }
        return n;
    }

    private static List<String> slugs(String query) {
        return json(call("GET", "/admin/tenant-summaries?limit=200&" + query), 200).get("items")
                .findValuesAsText("slug");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static HttpResponse<String> call(String method, String path) {
        return call(method, path, null);
    }

    static HttpResponse<String> call(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(TestServers.uri(server, path))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return TestServers.send(b.build());
    }

    static JsonNode json(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    private static void create(String slug, String name) {
        HttpResponse<String> r = call("POST", "/admin/tenants", """
                {"slug": "%1$s", "name": "%3$s",
                 "gorgias": {"domain": "%2$s", "username": "agent@%1$s.example", "api_key": "gk-%1$s-0123456789abcdef"},
                 "shopify": {"shop_domain": "%1$s.myshopify.com", "access_token": "shpat_%1$s_0123456789",
                             "webhook_secret": "shpss_%1$s_secret_0123456789"}}"""
                .formatted(slug, slug.replace("-", ""), name));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        IDS.put(slug, null);
    }

    private static UUID id(String slug) throws SQLException {
        try (PreparedStatement ps = sql.prepareStatement("SELECT id FROM tenants WHERE slug = ?")) {
            ps.setString(1, slug);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getObject(1, UUID.class);
            }
        }
    }

    private static Instant receivedAt(UUID event) throws SQLException {
        try (PreparedStatement ps = sql.prepareStatement("SELECT received_at FROM webhook_events WHERE id = ?")) {
            ps.setObject(1, event);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getTimestamp(1).toInstant();
            }
        }
    }

    private static Instant dbNow() {
        try (PreparedStatement ps = sql.prepareStatement("SELECT now()"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    private static void exec(String statement) throws SQLException {
        try (PreparedStatement ps = sql.prepareStatement(statement)) {
            ps.executeUpdate();
        }
    }

    private static void connection(UUID tenant, String provider, String status, String reason, String since)
            throws SQLException {
        try (PreparedStatement ps = sql.prepareStatement("""
                INSERT INTO connections (tenant_id, provider, status, reason, upstream_ids, connected_at, checked_at,
                                         status_since)
                VALUES (?, ?, ?, ?, '{"integration": "1"}'::jsonb, now() - ?::interval, now(), now() - ?::interval)
                """)) {
            ps.setObject(1, tenant);
            ps.setString(2, provider);
            ps.setString(3, status);
            ps.setString(4, reason);
            ps.setString(5, since);
            ps.setString(6, since);
            ps.executeUpdate();
        }
    }

    private static UUID event(UUID tenant, String provider, String status, String ago) throws SQLException {
        UUID id = UUID.randomUUID();
        try (PreparedStatement ps = sql.prepareStatement("""
                INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, status,
                                            received_at)
                VALUES (?, ?, ?, 'orders/create', ?, sha256('{}'::bytea), '{}'::bytea, ?, now() - ?::interval)""")) {
            ps.setObject(1, id);
            ps.setObject(2, tenant);
            ps.setString(3, provider);
            ps.setString(4, "k:" + id);
            ps.setString(5, status);
            ps.setString(6, ago);
            ps.executeUpdate();
        }
        return id;
    }

    private static void job(UUID tenant, UUID event, String status, String ago) throws SQLException {
        try (PreparedStatement ps = sql.prepareStatement("""
                INSERT INTO jobs (id, tenant_id, event_id, status, run_at)
                VALUES (?, ?, ?, ?, now() - ?::interval)""")) {
            ps.setObject(1, UUID.randomUUID());
            ps.setObject(2, tenant);
            ps.setObject(3, event);
            ps.setString(4, status);
            ps.setString(5, ago);
            ps.executeUpdate();
        }
    }

    private static void note(UUID tenant, UUID event, String state, String ago, long message) throws SQLException {
        try (PreparedStatement ps = sql.prepareStatement("""
                INSERT INTO notes (id, tenant_id, event_id, gorgias_ticket_id, external_id, state, posted_at,
                                   answered_message_id)
                VALUES (?, ?, ?, 101, ?, ?, now() - ?::interval, ?)""")) {
            ps.setObject(1, UUID.randomUUID());
            ps.setObject(2, tenant);
            ps.setObject(3, event);
            ps.setString(4, "tollgate-" + message);
            ps.setString(5, state);
            ps.setString(6, ago);
            ps.setLong(7, message);
            ps.executeUpdate();
        }
    }

    private static UUID dataRequest(UUID tenant, String state, String ago) throws SQLException {
        UUID id = UUID.randomUUID();
        try (PreparedStatement ps = sql.prepareStatement("""
                INSERT INTO data_requests (id, tenant_id, event_id, state, received_at, delivered_at, delivered_by,
                                           document)
                VALUES (?, ?, ?, ?, now() - ?::interval, CASE WHEN ? = 'delivered' THEN now() END,
                        CASE WHEN ? = 'delivered' THEN 'ops' END, '{}'::jsonb)""")) {
            ps.setObject(1, id);
            ps.setObject(2, tenant);
            ps.setObject(3, UUID.randomUUID());
            ps.setString(4, state);
            ps.setString(5, ago);
            ps.setString(6, state);
            ps.setString(7, state);
            ps.executeUpdate();
        }
        return id;
    }
}
