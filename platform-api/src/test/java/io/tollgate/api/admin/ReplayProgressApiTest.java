package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.config.AppConfig;
import io.tollgate.api.events.JobOutcome;
import io.tollgate.api.events.JobQueue;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The progress of a bulk replay: the replay answers a batch id listing exactly the events it queued again, and
 * {@code GET .../events/replays/{batch}} counts them as the worker takes and ends their jobs. Over HTTP on a server
 * started as in production (its worker off: the test drives the queue as the worker does, through JobQueue), against
 * real PostgreSQL. Its own database: the queue is claimed whole, so no other test's jobs may be in it.
 */
class ReplayProgressApiTest {
    private static TestDatabase db;
    private static Database database;
    private static JobQueue queue;
    private static Tollgate server;
    private static AdminClient admin;

    @BeforeAll
    static void start() {
        db = TestDatabase.empty();
        Map<String, String> env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
        server = Tollgate.start(AppConfig.load(env));
        admin = new AdminClient(server);
        database = db.open();
        queue = new JobQueue(database);
    }

    @AfterAll
    static void stop() {
        server.close();
        database.close();
        db.close();
    }

    @Test
    void aBulkReplayAnswersABatchWhoseProgressFollowsExactlyTheCountedEventsToDone() throws Exception {
        admin.createTenant("progress-one");
        admin.createTenant("progress-other");
        UUID t = tenantId("progress-one");
        List<UUID> counted = new ArrayList<>();
        UUID turnsDeadLater;
        UUID otherTenants;
        try (Connection c = db.connect()) {
            for (int i = 0; i < 4; i++) {
                counted.add(insert(c, t, "dead", "dead"));
            }
            turnsDeadLater = insert(c, t, "accepted", "queued");
            otherTenants = insert(c, tenantId("progress-other"), "dead", "dead");
        }
        JsonNode count = admin.get("/admin/tenants/progress-one/events/count?status=dead&provider=shopify").json();
        assertThat(count.get("count").asLong()).isEqualTo(4);
        // after the count, the queued event's last attempt fails: dead now, not counted, not in the batch
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("""
                WITH j AS (UPDATE jobs SET status = 'dead' WHERE event_id = ?)
                UPDATE webhook_events SET status = 'dead', processed_at = now() WHERE id = ?""")) {
            ps.setObject(1, turnsDeadLater);
            ps.setObject(2, turnsDeadLater);
            ps.executeUpdate();
        }
        String body = "{\"provider\": \"shopify\", \"as_of\": \"" + count.get("as_of").asText()
                + "\", \"expected_count\": 4";

        AdminClient.Answer dry = admin.post("/admin/tenants/progress-one/events/replay", body + ", \"dry_run\": true}");
        assertThat(dry.status()).isEqualTo(200);
        assertThat(dry.json().has("batch")).as("a dry run queues nothing: no batch").isFalse();

        AdminClient.Answer replayed = admin.post("/admin/tenants/progress-one/events/replay", body + "}");
        assertThat(replayed.status()).isEqualTo(202);
        assertThat(replayed.json().get("action").asText()).isEqualTo("replay");
        assertThat(replayed.json().get("count").asLong()).isEqualTo(4);
        assertThat(replayed.json().get("dry_run").asBoolean()).isFalse();
        UUID batch = UUID.fromString(replayed.json().get("batch").asText());
        assertThat(batches(counted)).as("every counted event is listed in the batch").containsOnly(batch.toString());
        assertThat(batches(List.of(turnsDeadLater, otherTenants))).as("dead after the count; another tenant's")
                .containsOnly("none");
        assertThat(audit("progress-one")).singleElement().asString().endsWith(" batch=" + batch);

        String path = "/admin/tenants/progress-one/events/replays/" + batch;
        assertThat(progress(path)).isEqualTo("count=4 waiting=4 running=0 processed=0 skipped=0 dead=0 discarded=0"
                                                     + " done=false");

        AdminClient.Answer others = admin.get("/admin/tenants/progress-other/events/replays/" + batch);
        assertThat(others.status()).as("another tenant's batch").isEqualTo(404);
        assertThat(others.raw().headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(others.json().get("type").asText()).endsWith("/replay-not-found");
        assertThat(admin.get("/admin/tenants/progress-one/events/replays/" + UUID.randomUUID()).status())
                .as("an unknown batch").isEqualTo(404);
        assertThat(admin.get("/admin/tenants/progress-one/events/replays/not-a-uuid").status()).isEqualTo(404);

        // the worker takes the batch's jobs (and only those: the late dead one stays dead), then ends them
        List<JobQueue.Job> jobs = queue.claim(10, Duration.ofMinutes(5), 10);
        assertThat(jobs).extracting(j -> j.eventId().value()).containsExactlyInAnyOrderElementsOf(counted);
        assertThat(progress(path)).isEqualTo("count=4 waiting=0 running=4 processed=0 skipped=0 dead=0 discarded=0"
                                                     + " done=false");
        for (int i = 0; i < 3; i++) {
            assertThat(queue.complete(jobs.get(i), new JobOutcome.Done())).isTrue();
        }
        assertThat(progress(path)).isEqualTo("count=4 waiting=0 running=1 processed=3 skipped=0 dead=0 discarded=0"
                                                     + " done=false");
        assertThat(queue.complete(jobs.get(3), new JobOutcome.Dead("Shopify answered 401"))).isTrue();
        assertThat(progress(path)).isEqualTo("count=4 waiting=0 running=0 processed=3 skipped=0 dead=1 discarded=0"
                                                     + " done=true");

        // an event of the batch retired (retention drops its day): the counts are of what is left
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("DELETE FROM webhook_events WHERE id = ?")) {
            ps.setObject(1, jobs.get(0).eventId().value());
            ps.executeUpdate();
        }
        assertThat(progress(path)).isEqualTo("count=3 waiting=0 running=0 processed=2 skipped=0 dead=1 discarded=0"
                                                     + " done=true");

        // a bulk discard is final at once: no batch
        JsonNode recount = admin.get("/admin/tenants/progress-one/events/count?provider=shopify").json();
        assertThat(recount.get("count").asLong()).as("the late dead one and the batch's dead one").isEqualTo(2);
        AdminClient.Answer discarded = admin.post(
                "/admin/tenants/progress-one/events/discard",
                "{\"provider\": \"shopify\", \"as_of\": \"" + recount.get("as_of").asText()
                        + "\", \"expected_count\": 2}");
        assertThat(discarded.status()).isEqualTo(200);
        assertThat(discarded.json().has("batch")).isFalse();
        assertThat(progress(path)).isEqualTo("count=3 waiting=0 running=0 processed=2 skipped=0 dead=0 discarded=1"
                                                     + " done=true");
    }

    private static String progress(String path) {
        AdminClient.Answer a = admin.get(path);
        assertThat(a.status()).isEqualTo(200);
        JsonNode p = a.json();
        StringBuilder out = new StringBuilder();
        for (String f : List.of("count", "waiting", "running", "processed", "skipped", "dead", "discarded")) {
            out.append(f).append('=').append(p.get(f).asLong()).append(' ');
        }
        assertThat(p.get("batch").asText()).isEqualTo(path.substring(path.lastIndexOf('/') + 1));
        return out.append("done=").append(p.get("done").asBoolean()).toString();
    }

    /** A dead (or queued) shopify event and its job. */
    private static UUID insert(Connection c, UUID tenant, String status, String jobStatus) throws Exception {
        UUID id = UUID.randomUUID();
        try (PreparedStatement ps = c.prepareStatement("""
                WITH e AS (
                  INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body,
                                              status, error, processed_at)
                  VALUES (?, ?, 'shopify', 'orders/create', ?, sha256('{}'::bytea), '{}'::bytea, ?,
                          CASE WHEN ? = 'dead' THEN 'the retry budget was spent' END,
                          CASE WHEN ? = 'dead' THEN now() END)
                  RETURNING id, tenant_id)
                INSERT INTO jobs (id, tenant_id, event_id, status, attempts, run_at)
                SELECT gen_random_uuid(), tenant_id, id, ?, 1, now() FROM e""")) {
            ps.setObject(1, id);
            ps.setObject(2, tenant);
            ps.setString(3, "orders/create:" + id);
            ps.setString(4, status);
            ps.setString(5, status);
            ps.setString(6, status);
            ps.setString(7, jobStatus);
            ps.executeUpdate();
        }
        return id;
    }

    private static List<String> batches(List<UUID> events) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT coalesce((SELECT string_agg(r.batch::text, ',') FROM replay_batches r WHERE r.event_id = e),"
                        + " 'none') FROM unnest(?::uuid[]) AS e")) {
            ps.setArray(1, c.createArrayOf("uuid", events.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        assertThat(out).hasSameSizeAs(events);
        return out;
    }

    private static List<String> audit(String slug) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT coalesce(target, '') FROM audit_log WHERE tenant_slug = ? AND action = 'events.replay'"
                        + " ORDER BY id")) {
            ps.setString(1, slug);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
        }
        return rows;
    }

    private static UUID tenantId(String slug) throws Exception {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT id FROM tenants WHERE slug = ?")) {
            ps.setString(1, slug);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getObject(1, UUID.class);
            }
        }
    }
}
