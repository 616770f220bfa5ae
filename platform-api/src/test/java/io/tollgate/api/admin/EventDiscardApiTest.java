package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.TestGateway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Discarding one event, and counting then discarding or replaying exactly the counted dead events of a filter, over
 * HTTP on a server started as in production, against real PostgreSQL.
 */
class EventDiscardApiTest {
    @RegisterExtension
    static final TestGateway GATEWAY = TestGateway.withSettings();
    private static AdminClient admin;

    @BeforeAll
    static void start() {
        admin = new AdminClient(GATEWAY.server());
    }

    @Test
    void discardsADeadOrWaitingEventOnceAndAuditsIt() throws Exception {
        admin.createTenant("discard-one");
        admin.createTenant("discard-other");
        UUID t = tenantId("discard-one");
        UUID dead;
        UUID deferred;
        UUID running;
        UUID processed;
        try (Connection c = GATEWAY.db().connect()) {
            dead = insert(c, t, "shopify", "orders/create", "dead", "dead", 0);
            deferred = insert(c, t, "gorgias", "ticket-created", "accepted", "queued", 3_600);
            running = insert(c, t, "gorgias", "ticket-created", "processing", "running", 0);
            processed = insert(c, t, "shopify", "orders/create", "processed", "done", 0);
        }

        assertThat(admin.post("/admin/tenants/discard-other/events/" + dead + "/discard", null).status())
                .as("another tenant's event").isEqualTo(404);
        assertThat(status(dead)).isEqualTo("dead|dead");

        AdminClient.Answer ok = admin.post("/admin/tenants/discard-one/events/" + dead + "/discard", null);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("status").asText()).isEqualTo("discarded");
        assertThat(ok.json().get("event_id").asText()).isEqualTo(dead.toString());
        JsonNode detail = admin.get("/admin/tenants/discard-one/events/" + dead).json();
        assertThat(detail.at("/event/status").asText()).isEqualTo("discarded");
        assertThat(detail.at("/job/status").asText()).isEqualTo("done");
        assertThat(detail.at("/job/last_error").asText()).isEqualTo("discarded by an operator");

        AdminClient.Answer again = admin.post("/admin/tenants/discard-one/events/" + dead + "/discard", null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.raw().headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(again.json().get("type").asText()).endsWith("/event-not-discardable");

        assertThat(admin.post("/admin/tenants/discard-one/events/" + deferred + "/discard", null).status())
                .as("a deferred job's event").isEqualTo(200);
        assertThat(status(deferred)).isEqualTo("discarded|done");
        assertThat(admin.post("/admin/tenants/discard-one/events/" + running + "/discard", null).status())
                .as("a worker runs it now").isEqualTo(409);
        assertThat(status(running)).isEqualTo("processing|running");
        assertThat(admin.post("/admin/tenants/discard-one/events/" + processed + "/discard", null).status())
                .isEqualTo(409);
        assertThat(status(processed)).isEqualTo("processed|done");
        UUID unknown = UUID.randomUUID();
        assertThat(admin.post("/admin/tenants/discard-one/events/" + unknown + "/discard", null).status())
                .isEqualTo(404);

        assertThat(audit("discard-one", "event.discard")).containsExactly(
                "event.discard success 200 " + dead,
                "event.discard failure 409 " + dead,
                "event.discard success 200 " + deferred,
                "event.discard failure 409 " + running,
                "event.discard failure 409 " + processed,
                "event.discard failure 404 " + unknown);
    }

    @Test
    void aBulkDiscardActsOnExactlyTheCountedDeadEvents() throws Exception {
        admin.createTenant("bulk-discard");
        admin.createTenant("bulk-other");
        UUID t = tenantId("bulk-discard");
        List<UUID> counted = new ArrayList<>();
        UUID gorgiasDead;
        UUID turnsDeadLater;
        UUID otherTenants;
        try (Connection c = GATEWAY.db().connect()) {
            for (int i = 0; i < 5; i++) {
                counted.add(insert(c, t, "shopify", "orders/create", "dead", "dead", 0));
            }
            gorgiasDead = insert(c, t, "gorgias", "ticket-created", "dead", "dead", 0);
            turnsDeadLater = insert(c, t, "shopify", "orders/create", "accepted", "queued", 0);
            otherTenants = insert(c, tenantId("bulk-other"), "shopify", "orders/create", "dead", "dead", 0);
        }

        JsonNode count = admin.get("/admin/tenants/bulk-discard/events/count?status=dead&provider=shopify"
                                           + "&topic=orders/create").json();
        assertThat(count.get("count").asLong()).isEqualTo(5);
        assertThat(count.get("provider").asText()).isEqualTo("shopify");
        String asOf = count.get("as_of").asText();

        // after the count, the queued event's last attempt fails: it is dead now, and was not counted
        try (Connection c = GATEWAY.db().connect(); PreparedStatement ps = c.prepareStatement("""
                WITH j AS (UPDATE jobs SET status = 'dead' WHERE event_id = ?)
                UPDATE webhook_events SET status = 'dead', processed_at = now() WHERE id = ?""")) {
            ps.setObject(1, turnsDeadLater);
            ps.setObject(2, turnsDeadLater);
            ps.executeUpdate();
        }

        String body = "{\"status\": \"dead\", \"provider\": \"shopify\", \"topic\": \"orders/create\", \"as_of\": \""
                + asOf + "\", \"expected_count\": 5";
        AdminClient.Answer dry = admin.post("/admin/tenants/bulk-discard/events/discard",
                                            body + ", \"dry_run\": true}");
        assertThat(dry.status()).isEqualTo(200);
        assertThat(dry.json().get("count").asLong()).isEqualTo(5);
        assertThat(dry.json().get("dry_run").asBoolean()).isTrue();
        for (UUID id : counted) {
            assertThat(status(id)).as("a dry run changes nothing").isEqualTo("dead|dead");
        }

        AdminClient.Answer done = admin.post("/admin/tenants/bulk-discard/events/discard", body + "}");
        assertThat(done.status()).isEqualTo(200);
        assertThat(done.json().get("action").asText()).isEqualTo("discard");
        assertThat(done.json().get("count").asLong()).isEqualTo(5);
        for (UUID id : counted) {
            assertThat(status(id)).isEqualTo("discarded|done");
        }
        assertThat(status(turnsDeadLater)).as("dead after the count: not touched").isEqualTo("dead|dead");
        assertThat(status(gorgiasDead)).as("outside the filter").isEqualTo("dead|dead");
        assertThat(status(otherTenants)).as("another tenant's").isEqualTo("dead|dead");
        assertThat(audit("bulk-discard", "events.discard")).containsExactly(
                "events.discard success 200 count=5 status=dead provider=shopify topic=orders/create as_of=" + asOf
                        + " expected_count=5");

        // the same count sent again: the set it names is gone, so nothing is done
        AdminClient.Answer stale = admin.post("/admin/tenants/bulk-discard/events/discard", body + "}");
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.raw().headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(stale.json().get("type").asText()).endsWith("/stale-count");
        assertThat(stale.json().at("/errors/1/field").asText()).isEqualTo("count");
        assertThat(stale.json().at("/errors/1/message").asText()).isEqualTo("0");
        assertThat(status(turnsDeadLater)).isEqualTo("dead|dead");
    }

    @Test
    void aStaleCountIsRefusedWithTheActualCountAndChangesNothing() throws Exception {
        admin.createTenant("bulk-stale");
        UUID t = tenantId("bulk-stale");
        UUID first;
        UUID second;
        UUID third;
        try (Connection c = GATEWAY.db().connect()) {
            first = insert(c, t, "gorgias", "ticket-created", "dead", "dead", 0);
            second = insert(c, t, "gorgias", "ticket-message-created", "dead", "dead", 0);
            third = insert(c, t, "gorgias", "ticket-created", "dead", "dead", 0);
        }
        JsonNode count = admin.get("/admin/tenants/bulk-stale/events/count?provider=gorgias").json();
        assertThat(count.get("count").asLong()).isEqualTo(3);
        // meanwhile another operator replays one of them
        assertThat(admin.post("/admin/tenants/bulk-stale/events/" + first + "/replay", null).status()).isEqualTo(202);

        String body = "{\"provider\": \"gorgias\", \"as_of\": \"" + count.get("as_of").asText()
                + "\", \"expected_count\": 3}";
        AdminClient.Answer stale = admin.post("/admin/tenants/bulk-stale/events/discard", body);
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.json().at("/errors/1/message").asText()).as("the actual count").isEqualTo("2");
        assertThat(status(second)).isEqualTo("dead|dead");
        assertThat(status(third)).isEqualTo("dead|dead");
        assertThat(audit("bulk-stale", "events.discard")).singleElement().asString()
                .startsWith("events.discard failure 409 count=2 ");

        // counted again, the remaining two are replayed in bulk the same way
        JsonNode recount = admin.get("/admin/tenants/bulk-stale/events/count?provider=gorgias").json();
        assertThat(recount.get("count").asLong()).isEqualTo(2);
        AdminClient.Answer replayed = admin.post(
                "/admin/tenants/bulk-stale/events/replay",
                "{\"provider\": \"gorgias\", \"as_of\": \"" + recount.get("as_of").asText()
                        + "\", \"expected_count\": 2}");
        assertThat(replayed.status()).isEqualTo(202);
        assertThat(replayed.json().get("count").asLong()).isEqualTo(2);
        assertThat(status(second)).isEqualTo("accepted|queued");
        assertThat(status(third)).isEqualTo("accepted|queued");
        assertThat(admin.get("/admin/tenants/bulk-stale/events/" + third).json().at("/job/attempts").asInt()).isZero();
        assertThat(audit("bulk-stale", "events.replay")).singleElement().asString()
                .startsWith("events.replay success 202 count=2 ");
    }

    @Test
    void invalidFiltersAndBodiesAreRefused() {
        admin.createTenant("bulk-invalid");
        assertThat(admin.get("/admin/tenants/bulk-invalid/events/count?status=processed").status()).isEqualTo(400);
        assertThat(admin.get("/admin/tenants/bulk-invalid/events/count?provider=zendesk").status()).isEqualTo(400);
        assertThat(admin.get("/admin/tenants/bulk-invalid/events/count?received_before=yesterday").status())
                .isEqualTo(400);
        assertThat(admin.get("/admin/tenants/bulk-invalid/events/count").json().get("count").asLong()).isZero();
        AdminClient.Answer noAsOf = admin.post("/admin/tenants/bulk-invalid/events/discard",
                                               "{\"expected_count\": 0}");
        assertThat(noAsOf.status()).isEqualTo(400);
        assertThat(noAsOf.json().get("errors").findValuesAsText("field")).contains("as_of");
        assertThat(admin.post("/admin/tenants/bulk-invalid/events/discard",
                              "{\"status\": \"processed\", \"as_of\": \"2026-01-01T00:00:00Z\", \"expected_count\": 0}")
                           .status()).isEqualTo(400);
        assertThat(admin.post("/admin/tenants/no-such-tenant/events/discard",
                              "{\"as_of\": \"2026-01-01T00:00:00Z\", \"expected_count\": 0}").status()).isEqualTo(404);
    }

    @Test
    void theDeadEventGaugesAndTheLimitAreScrapedFromTheStart() {
        String text = admin.get("/observe/metrics").body();
        for (String age : List.of("lt_1d", "1d_7d", "7d_30d", "over_30d")) {
            assertThat(text).containsPattern("(?m)^tollgate_dead_events\\{[^}]*age=\"" + age + "\"[^}]*} \\d");
        }
        assertThat(text).containsPattern("(?m)^tollgate_unfinished_events_oldest_seconds\\{[^}]*} \\d")
                .containsPattern("(?m)^tollgate_dead_events_oldest_seconds\\{[^}]*} \\d")
                // TOLLGATE_DEAD_RETENTION_DAYS' default, 30 days, for the alert to compare with
                .containsPattern("(?m)^tollgate_dead_retention_seconds\\{[^}]*} 2592000(\\.0)?$");
    }

    /** An event with its job; a job of {@code runInSeconds} waits that long (deferred). */
    private static UUID insert(Connection c, UUID tenant, String provider, String topic, String status,
                               String jobStatus, int runInSeconds) throws Exception {
        UUID id = UUID.randomUUID();
        try (PreparedStatement ps = c.prepareStatement("""
                WITH e AS (
                  INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body,
                                              status, error, processed_at)
                  VALUES (?, ?, ?, ?, ?, sha256('{}'::bytea), '{}'::bytea, ?,
                          CASE WHEN ? = 'dead' THEN 'the retry budget was spent' END,
                          CASE WHEN ? IN ('dead', 'processed') THEN now() END)
                  RETURNING id, tenant_id)
                INSERT INTO jobs (id, tenant_id, event_id, status, attempts, run_at, lease_owner, lease_expires_at)
                SELECT gen_random_uuid(), tenant_id, id, ?, 1, now() + make_interval(secs => ?),
                       CASE WHEN ? = 'running' THEN gen_random_uuid()::text END,
                       CASE WHEN ? = 'running' THEN now() + interval '1 hour' END FROM e""")) {
            ps.setObject(1, id);
            ps.setObject(2, tenant);
            ps.setString(3, provider);
            ps.setString(4, topic);
            ps.setString(5, topic + ":" + id);
            ps.setString(6, status);
            ps.setString(7, status);
            ps.setString(8, status);
            ps.setString(9, jobStatus);
            ps.setInt(10, runInSeconds);
            ps.setString(11, jobStatus);
            ps.setString(12, jobStatus);
            ps.executeUpdate();
        }
        return id;
    }

    /** "event status|job status" (a finished job's row is gone: "done" when its event keeps it as finished). */
    private static String status(UUID event) throws Exception {
        try (Connection c = GATEWAY.db().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT e.status, coalesce(j.status, CASE WHEN e.job_finished_at IS NOT NULL THEN 'done' END)"
                        + " FROM webhook_events e LEFT JOIN jobs j ON j.event_id = e.id WHERE e.id = ?")) {
            ps.setObject(1, event);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1) + "|" + rs.getString(2);
            }
        }
    }

    private static List<String> audit(String slug, String action) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = GATEWAY.db().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT action, outcome, status, coalesce(target, '') FROM audit_log"
                        + " WHERE tenant_slug = ? AND action = ? ORDER BY id")) {
            ps.setString(1, slug);
            ps.setString(2, action);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getInt(3) + " " + rs.getString(4));
                }
            }
        }
        return rows;
    }

    private static UUID tenantId(String slug) throws Exception {
        try (Connection c = GATEWAY.db().connect();
             PreparedStatement ps = c.prepareStatement("SELECT id FROM tenants WHERE slug = ?")) {
            ps.setString(1, slug);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getObject(1, UUID.class);
            }
        }
    }
}
