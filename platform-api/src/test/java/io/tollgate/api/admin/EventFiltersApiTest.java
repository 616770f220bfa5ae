package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.TestGateway;
import io.tollgate.api.events.EventStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The events list's filters (status, provider, topic, time window, a text match in the body), keyset paging through
 * them, the bounded scan of a text search ({@code scan_limited}), the count and bulk actions with a text match, and an
 * event's detail (its job and its note with the Gorgias ticket link), over HTTP against real PostgreSQL.
 */
class EventFiltersApiTest {
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    @RegisterExtension
    static final TestGateway GATEWAY = TestGateway.withSettings();
    private static AdminClient admin;

    @BeforeAll
    static void start() {
        admin = new AdminClient(GATEWAY.server());
    }

    @Test
    void eachFilterNarrowsTheListAndTheyCombine() throws Exception {
        admin.createTenant("filter-shop");
        admin.createTenant("filter-other");
        UUID t = tenantId("filter-shop");
        UUID a;
        UUID b;
        UUID c;
        UUID d;
        UUID rejected;
        try (Connection conn = GATEWAY.db().connect()) {
            a = insert(conn, t, "shopify", "orders/create", "processed", T0, "{\"note\": \"Order #1001 by Jane\"}");
            b = insert(conn, t, "shopify", "orders/updated", "dead", T0.plusSeconds(60), "{\"note\": \"nothing\"}");
            c = insert(conn, t, "gorgias", "ticket", "dead", T0.plusSeconds(120),
                       "{\"subject\": \"Where is ORDER #1001?\"}");
            d = insert(conn, t, "gorgias", "message", "skipped", T0.plusSeconds(180), "{\"x\": \"JANE DOE\"}");
            rejected = insertBytes(conn, t, "gorgias", null, "rejected", T0.plusSeconds(240),
                                   new byte[] {'{', (byte) 0xff, (byte) 0xfe, 'j', 'a', 'n', 'e', '!'});
            insert(conn, tenantId("filter-other"), "shopify", "orders/create", "processed", T0,
                   "{\"note\": \"Order #1001 by Jane\"}");
        }
        String base = "/admin/tenants/filter-shop/events";
        assertThat(ids(base)).containsExactly(rejected, d, c, b, a);
        assertThat(ids(base + "?status=dead")).containsExactly(c, b);
        assertThat(ids(base + "?status=rejected")).containsExactly(rejected);
        assertThat(ids(base + "?provider=shopify")).containsExactly(b, a);
        assertThat(ids(base + "?topic=orders/updated")).containsExactly(b);
        assertThat(ids(base + "?received_after=" + T0.plusSeconds(120))).as("inclusive").containsExactly(rejected, d, c);
        assertThat(ids(base + "?received_before=" + T0.plusSeconds(120))).as("exclusive").containsExactly(b, a);
        assertThat(ids(base + "?received_after=" + T0.plusSeconds(60) + "&received_before=" + T0.plusSeconds(180)))
                .containsExactly(c, b);
        assertThat(ids(base + "?status=dead&provider=gorgias")).containsExactly(c);

        // the text match: case-insensitive, over the body as stored, a body that is not UTF-8 included
        assertThat(ids(base + "?q=" + enc("order #1001"))).containsExactly(c, a);
        assertThat(ids(base + "?q=jane")).containsExactly(rejected, d, a);
        assertThat(ids(base + "?q=jane&provider=gorgias&status=skipped")).containsExactly(d);
        assertThat(ids(base + "?q=" + enc("#1001") + "&received_before=" + T0.plusSeconds(60))).containsExactly(a);
        JsonNode page = admin.get(base + "?q=jane").json();
        assertThat(page.get("scan_limited").asBoolean()).isFalse();
        assertThat(page.has("next_cursor")).isFalse();
        assertThat(admin.get(base + "?status=dead").json().has("scan_limited")).as("only for a text search").isFalse();
    }

    @Test
    void theTextIsALiteralNeverAPattern() throws Exception {
        admin.createTenant("literal-shop");
        UUID t = tenantId("literal-shop");
        UUID percent;
        UUID dots;
        UUID accents;
        try (Connection conn = GATEWAY.db().connect()) {
            percent = insert(conn, t, "shopify", "orders/create", "processed", T0, "{\"code\": \"50%_OFF\"}");
            insert(conn, t, "shopify", "orders/create", "processed", T0.plusSeconds(1), "{\"code\": \"50xyOFF\"}");
            dots = insert(conn, t, "shopify", "orders/create", "processed", T0.plusSeconds(2), "{\"re\": \"a.*b\"}");
            insert(conn, t, "shopify", "orders/create", "processed", T0.plusSeconds(3), "{\"re\": \"aXXb\"}");
            insert(conn, t, "shopify", "orders/create", "processed", T0.plusSeconds(4), "{\"re\": \"back\\\\slash\"}");
            accents = insert(conn, t, "shopify", "orders/create", "processed", T0.plusSeconds(5),
                             "{\"name\": \"Herr MüLLER\"}");
        }
        String base = "/admin/tenants/literal-shop/events?q=";
        assertThat(ids(base + enc("50%_off"))).containsExactly(percent);
        assertThat(ids(base + enc("a.*b"))).containsExactly(dots);
        assertThat(ids(base + enc("(a+)+$"))).isEmpty();
        assertThat(ids(base + enc("\\\\s"))).hasSize(1);
        // a text with letters outside ASCII is lower-cased by the database's locale, body and text alike
        assertThat(ids(base + enc("müller"))).containsExactly(accents);
        assertThat(ids(base + enc("MüLLER"))).containsExactly(accents);
        assertThat(ids(base + enc("mÜller2"))).isEmpty();
    }

    @Test
    void pagesFollowTheCursorThroughAFilteredList() throws Exception {
        admin.createTenant("paging-shop");
        UUID t = tenantId("paging-shop");
        List<UUID> matching = new ArrayList<>();
        try (Connection conn = GATEWAY.db().connect()) {
            for (int i = 0; i < 7; i++) {
                UUID id = insert(conn, t, "gorgias", "ticket", "processed", T0.plusSeconds(i * 2L),
                                 "{\"n\": " + i + ", \"text\": \"refund please\"}");
                matching.addFirst(id);
                insert(conn, t, "gorgias", "ticket", "processed", T0.plusSeconds(i * 2L + 1), "{\"n\": \"other\"}");
            }
        }
        List<UUID> seen = new ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            JsonNode page = admin.get("/admin/tenants/paging-shop/events?q=REFUND&limit=3"
                                              + (next == null ? "" : "&cursor=" + enc(next))).json();
            page.get("items").forEach(i -> seen.add(UUID.fromString(i.get("id").asText())));
            assertThat(page.get("scan_limited").asBoolean()).isFalse();
            next = page.has("next_cursor") ? page.get("next_cursor").asText() : null;
            pages++;
        } while (next != null && pages < 10);
        assertThat(seen).containsExactlyElementsOf(matching);
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void aTextSearchScansABoundedNumberOfEventsAndSaysWhereItStopped() throws Exception {
        admin.createTenant("scan-shop");
        UUID t = tenantId("scan-shop");
        UUID oldest;
        int newer = EventStore.SCAN_BUDGET + 100;
        try (Connection conn = GATEWAY.db().connect()) {
            oldest = insert(conn, t, "shopify", "orders/create", "processed", T0.minusSeconds(3_600),
                            "{\"note\": \"the needle is here\"}");
            try (PreparedStatement ps = conn.prepareStatement("""
                    INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body,
                                                status, received_at)
                    SELECT gen_random_uuid(), ?, 'shopify', 'orders/create', 'bulk:' || g,
                           sha256(convert_to('{"hay": ' || g || '}', 'UTF8')), convert_to('{"hay": ' || g || '}', 'UTF8'),
                           'processed', ?::timestamptz + make_interval(secs => g)
                      FROM generate_series(1, ?) AS g""")) {
                ps.setObject(1, t);
                ps.setObject(2, java.time.OffsetDateTime.ofInstant(T0, java.time.ZoneOffset.UTC));
                ps.setInt(3, newer);
                ps.executeUpdate();
            }
        }
        JsonNode first = admin.get("/admin/tenants/scan-shop/events?q=needle").json();
        assertThat(first.get("items")).as("nothing among the newest events the scan may examine").isEmpty();
        assertThat(first.get("scan_limited").asBoolean()).isTrue();
        assertThat(first.has("next_cursor")).isTrue();

        // following the cursor searches on where the last page stopped (each page within its budget of events and
        // time), until the needle is found and nothing is left to search
        List<String> found = new ArrayList<>();
        JsonNode page = first;
        int pages = 1;
        while (page.has("next_cursor") && pages < 50) {
            assertThat(page.get("scan_limited").asBoolean()).as("a cursor without a full page: a limited scan")
                    .isTrue();
            page = admin.get("/admin/tenants/scan-shop/events?q=needle&cursor="
                                     + enc(page.get("next_cursor").asText())).json();
            found.addAll(page.get("items").findValuesAsText("id"));
            pages++;
        }
        assertThat(found).containsExactly(oldest.toString());
        assertThat(page.get("scan_limited").asBoolean()).as("the end reached").isFalse();
        assertThat(page.has("next_cursor")).isFalse();
        assertThat(pages).as("each page examines at most the budget").isGreaterThanOrEqualTo(2);

        // a frequent text fills the page within the budget: not limited, and the cursor is the page's own
        JsonNode frequent = admin.get("/admin/tenants/scan-shop/events?q=hay&limit=5").json();
        assertThat(frequent.get("items")).hasSize(5);
        assertThat(frequent.get("scan_limited").asBoolean()).isFalse();
        assertThat(frequent.get("items").get(0).get("received_at").asText())
                .isEqualTo(T0.plusSeconds(newer).toString());
    }

    @Test
    void invalidFiltersAreRefusedWithEveryFieldNamed() {
        admin.createTenant("invalid-shop");
        String base = "/admin/tenants/invalid-shop/events";
        AdminClient.Answer bad = admin.get(base + "?status=lost&provider=zendesk&received_after=yesterday&q=ab");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(bad.json().get("errors").findValuesAsText("field"))
                .containsExactlyInAnyOrder("status", "provider", "received_after", "q");
        assertThat(admin.get(base + "?q=" + "x".repeat(201)).json().get("errors").findValuesAsText("field"))
                .containsExactly("q");
        assertThat(admin.get(base + "?q=" + "x".repeat(200)).status()).isEqualTo(200);
        assertThat(admin.get(base + "?topic=" + "t".repeat(201)).status()).isEqualTo(400);
        assertThat(admin.get(base + "/count?q=ab").status()).isEqualTo(400);
        AdminClient.Answer bulk = admin.post(base + "/discard",
                                             "{\"q\": \"ab\", \"as_of\": \"2026-01-01T00:00:00Z\", \"expected_count\": 0}");
        assertThat(bulk.status()).isEqualTo(400);
        assertThat(bulk.json().get("errors").findValuesAsText("field")).containsExactly("q");
    }

    @Test
    void aBulkActionWithATextMatchActsOnExactlyTheCountedEvents() throws Exception {
        admin.createTenant("bulk-text");
        UUID t = tenantId("bulk-text");
        UUID refund1;
        UUID refund2;
        UUID other;
        try (Connection conn = GATEWAY.db().connect()) {
            refund1 = insert(conn, t, "gorgias", "ticket", "dead", T0, "{\"text\": \"I want a REFUND\"}");
            refund2 = insert(conn, t, "gorgias", "ticket", "dead", T0.plusSeconds(1), "{\"text\": \"refund me\"}");
            other = insert(conn, t, "gorgias", "ticket", "dead", T0.plusSeconds(2), "{\"text\": \"where is it\"}");
            insert(conn, t, "gorgias", "ticket", "processed", T0.plusSeconds(3), "{\"text\": \"refund done\"}");
        }
        JsonNode count = admin.get("/admin/tenants/bulk-text/events/count?q=refund").json();
        assertThat(count.get("count").asLong()).isEqualTo(2);
        assertThat(count.get("q").asText()).isEqualTo("refund");
        String body = "{\"q\": \"refund\", \"as_of\": \"" + count.get("as_of").asText() + "\", \"expected_count\": ";
        AdminClient.Answer wrong = admin.post("/admin/tenants/bulk-text/events/discard", body + "3}");
        assertThat(wrong.status()).isEqualTo(409);
        AdminClient.Answer done = admin.post("/admin/tenants/bulk-text/events/discard", body + "2}");
        assertThat(done.status()).isEqualTo(200);
        assertThat(done.json().get("count").asLong()).isEqualTo(2);
        assertThat(status(refund1)).isEqualTo("discarded");
        assertThat(status(refund2)).isEqualTo("discarded");
        assertThat(status(other)).isEqualTo("dead");
        try (Connection conn = GATEWAY.db().connect(); PreparedStatement ps = conn.prepareStatement(
                "SELECT target FROM audit_log WHERE tenant_slug = 'bulk-text' AND action = 'events.discard'"
                        + " AND status = 200")) {
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).contains("q=(6 characters)").doesNotContain("refund");
            }
        }
    }

    @Test
    void theDetailShowsTheJobsAttemptsAndTheNotesTicketLink() throws Exception {
        admin.createTenant("detail-shop");
        UUID t = tenantId("detail-shop");
        UUID event;
        try (Connection conn = GATEWAY.db().connect()) {
            event = insert(conn, t, "gorgias", "ticket", "accepted", T0, "{\"ticket\": {\"id\": 4242}}");
            try (PreparedStatement ps = conn.prepareStatement("""
                    INSERT INTO jobs (id, tenant_id, event_id, status, attempts, run_at, last_error)
                    VALUES (gen_random_uuid(), ?, ?, 'queued', 2, ?, 'Gorgias answered 503 (attempt 2 of 8)')""")) {
                ps.setObject(1, t);
                ps.setObject(2, event);
                ps.setObject(3, java.time.OffsetDateTime.ofInstant(T0.plusSeconds(90), java.time.ZoneOffset.UTC));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = conn.prepareStatement("""
                    INSERT INTO notes (id, tenant_id, event_id, gorgias_ticket_id, answered_message_id, external_id,
                                       state, draft_source, body_text)
                    VALUES (gen_random_uuid(), ?, ?, 4242, 77, 'tollgate:' || ?::text, 'drafted', 'template',
                            'Hi Jane, order #1001 shipped.')""")) {
                ps.setObject(1, t);
                ps.setObject(2, event);
                ps.setObject(3, event);
                ps.executeUpdate();
            }
        }
        JsonNode d = admin.get("/admin/tenants/detail-shop/events/" + event).json();
        assertThat(d.at("/job/status").asText()).isEqualTo("queued");
        assertThat(d.at("/job/attempts").asInt()).isEqualTo(2);
        assertThat(d.at("/job/max_attempts").asInt()).as("the tenant's retry budget").isEqualTo(8);
        assertThat(d.at("/job/run_at").asText()).isEqualTo(T0.plusSeconds(90).toString());
        assertThat(d.at("/job/last_error").asText()).isEqualTo("Gorgias answered 503 (attempt 2 of 8)");
        assertThat(d.at("/note/state").asText()).isEqualTo("drafted");
        assertThat(d.at("/note/ticket_id").asLong()).isEqualTo(4242);
        // the tenant's Gorgias account is "detailshop" (AdminClient.tenantBody)
        assertThat(d.at("/note/ticket_url").asText()).isEqualTo("https://detailshop.gorgias.com/app/ticket/4242");
        assertThat(d.at("/note/body_text").asText()).isEqualTo("Hi Jane, order #1001 shipped.");
    }

    private static List<UUID> ids(String path) {
        AdminClient.Answer a = admin.get(path);
        assertThat(a.status()).as(path + ": " + a.body()).isEqualTo(200);
        List<UUID> out = new ArrayList<>();
        a.json().get("items").forEach(i -> out.add(UUID.fromString(i.get("id").asText())));
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static UUID insert(Connection c, UUID tenant, String provider, String topic, String status, Instant at,
                               String body) throws Exception {
        return insertBytes(c, tenant, provider, topic, status, at, body.getBytes(StandardCharsets.UTF_8));
    }

    private static UUID insertBytes(Connection c, UUID tenant, String provider, String topic, String status,
                                    Instant at, byte[] body) throws Exception {
        UUID id = UUID.randomUUID();
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, status,
                                            received_at, processed_at)
                VALUES (?, ?, ?, ?, ?, sha256(?), ?, ?, ?, CASE WHEN ? IN ('dead', 'processed') THEN now() END)""")) {
            ps.setObject(1, id);
            ps.setObject(2, tenant);
            ps.setString(3, provider);
            ps.setString(4, topic);
            ps.setString(5, "k:" + id);
            ps.setBytes(6, body);
            ps.setBytes(7, body);
            ps.setString(8, status);
            ps.setObject(9, java.time.OffsetDateTime.ofInstant(at, java.time.ZoneOffset.UTC));
            ps.setString(10, status);
            ps.executeUpdate();
        }
        if (status.equals("dead")) {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO jobs (id, tenant_id, event_id, status, attempts) VALUES (gen_random_uuid(), ?, ?,"
                            + " 'dead', 8)")) {
                ps.setObject(1, tenant);
                ps.setObject(2, id);
                ps.executeUpdate();
            }
        }
        return id;
    }

    private static String status(UUID event) throws Exception {
        try (Connection c = GATEWAY.db().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT status FROM webhook_events WHERE id = ?")) {
            ps.setObject(1, event);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static UUID tenantId(String slug) throws Exception {
        try (Connection c = GATEWAY.db().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM tenants WHERE slug = ?")) {
            ps.setString(1, slug);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getObject(1, UUID.class);
            }
        }
    }
}
