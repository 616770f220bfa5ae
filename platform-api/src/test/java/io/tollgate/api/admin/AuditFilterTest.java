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
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /admin/audit} with its filters (actor, action, tenant, after, before), alone and together, paged by
 * cursor, over rows of two operators on two tenants in real PostgreSQL; the unfiltered listing is as before.
 */
class AuditFilterTest {
    private static TestDatabase db;
    private static Tollgate server;
    private static AdminClient admin;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.empty();
        server = TestServers.start(db);
        admin = new AdminClient(server);
        try (Connection c = db.connect()) {
            // alice on shop-a at 10:00, 10:10, 10:20, 10:30; bob on shop-b at 10:05, 10:15; a system row at 10:25
            row(c, "alice", "tenant.update", "shop-a", "10:00");
            row(c, "bob", "tenant.suspend", "shop-b", "10:05");
            row(c, "alice", "tenant.suspend", "shop-a", "10:10");
            row(c, "bob", "tenant.update", "shop-b", "10:15");
            row(c, "alice", "tenant.update", "shop-a", "10:20");
            row(c, "system", "privacy.erasure", "shop-a", "10:25");
            row(c, "alice", "tenant.resume", "shop-a", "10:30");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
        db.close();
    }

    @Test
    void eachFilterNarrowsTheListNewestFirst() {
        assertThat(at("actor=alice")).containsExactly("10:30", "10:20", "10:10", "10:00");
        assertThat(at("actor=system")).containsExactly("10:25");
        assertThat(at("action=tenant.update")).containsExactly("10:20", "10:15", "10:00");
        assertThat(at("tenant=shop-b")).containsExactly("10:15", "10:05");
        // after is inclusive, before exclusive
        assertThat(at("after=2026-03-01T10:10:00Z&before=2026-03-01T10:25:00Z"))
                .containsExactly("10:20", "10:15", "10:10");
        assertThat(at("actor=alice&action=tenant.update&after=2026-03-01T10:05:00Z")).containsExactly("10:20");
        assertThat(at("actor=nobody")).isEmpty();
        // no filter: every row, as before
        assertThat(at("")).hasSize(7);
    }

    @Test
    void aFilteredListPagesThroughCursors() {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = ok("actor=alice&limit=1" + (cursor == null ? "" : "&cursor=" + cursor));
            page.get("items").forEach(i -> seen.add(time(i)));
            cursor = page.hasNonNull("next_cursor") ? page.get("next_cursor").asText() : null;
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(seen).containsExactly("10:30", "10:20", "10:10", "10:00");
    }

    @Test
    void anInvalidTimeIs400NamingIt() {
        for (String bad : List.of("after=yesterday", "before=2026-13-01T00:00:00Z", "after=+300000-01-01T00:00:00Z")) {
            AdminClient.Answer a = admin.get("/admin/audit?" + bad);
            assertThat(a.status()).as(bad).isEqualTo(400);
            String field = bad.substring(0, bad.indexOf('='));
            assertThat(a.json().get("errors").findValuesAsText("field")).containsExactly(field);
        }
        AdminClient.Answer long_ = admin.get("/admin/audit?action=" + "a".repeat(1_001));
        assertThat(long_.status()).isEqualTo(400);
    }

    private static JsonNode ok(String query) {
        AdminClient.Answer a = admin.get("/admin/audit?limit=200&" + query);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json();
    }

    /** The rows' times (HH:mm) that a query lists, leaving out the rows this test's own calls wrote. */
    private static List<String> at(String query) {
        List<String> out = new ArrayList<>();
        ok(query).get("items").forEach(i -> {
            if (i.get("at").asText().startsWith("2026-03-01")) {
                out.add(time(i));
            }
        });
        return out;
    }

    private static String time(JsonNode item) {
        return item.get("at").asText().substring(11, 16);
    }

    private static void row(Connection c, String actor, String action, String slug, String time) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO audit_log (at, token_name, action, tenant_slug, outcome, status)
                VALUES (?::timestamptz, ?, ?, ?, 'success', 200)""")) {
            ps.setString(1, "2026-03-01T" + time + ":00Z");
            ps.setString(2, actor);
            ps.setString(3, action);
            ps.setString(4, slug);
            ps.executeUpdate();
        }
    }
}
