package io.tollgate.api.worker;

import io.tollgate.api.Tollgate;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fairness across tenants (CONTRACT §2), end to end: one merchant's backlog of 1,000 Shopify order updates does not
 * hold back another merchant's single event, and never takes more than the per-tenant cap of the workers.
 */
class WorkerFairnessTest {
    private static final int BACKLOG = 1_000;
    private static final int CONCURRENCY = 4;
    private static final int TENANT_CAP = 2;

    @Test
    void oneEventOfAnotherTenantIsDoneAmongTheFirstJobsDespiteABacklogOf1000() throws Exception {
        try (Pipeline p = Pipeline.create(Map.of())) {
            // ingress only: the queue fills while nothing runs it
            Tollgate ingress = p.startServer(Map.of("TOLLGATE_WORKER_ENABLED", "false"));
            Pipeline.Tenant a = p.tenant("fair-a");
            Pipeline.Tenant b = p.tenant("fair-b");
            UUID tenantA = UUID.fromString(p.one("SELECT id FROM tenants WHERE slug = ?", a.slug()));
            enqueueOrderUpdates(p, tenantA, BACKLOG);
            // B's one event arrives after all of A's, as Shopify sends it
            HttpResponse<String> res = p.shopify(ingress, b, Pipeline.order(9_000_000_001L, 9001,
                                                                          Instant.parse("2024-02-01T10:00:00Z")),
                                                 "orders/updated", "evt-fair-b");
            assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
            UUID bEvent = Pipeline.eventId(res);
            assertThat(p.count("SELECT count(*) FROM jobs WHERE status = 'queued'")).isEqualTo(BACKLOG + 1);

            long t0 = System.nanoTime();
            p.startServer(Map.of("TOLLGATE_WORKER_CONCURRENCY", String.valueOf(CONCURRENCY),
                                 "TOLLGATE_WORKER_TENANT_CAP", String.valueOf(TENANT_CAP)));
            assertThat(p.awaitStatus(bEvent, Duration.ofSeconds(30), "processed", "dead")).isEqualTo("processed");
            long bMs = (System.nanoTime() - t0) / 1_000_000;
            long aBefore = p.count("SELECT count(*) FROM webhook_events WHERE tenant_id = ? AND processed_at <= "
                                           + "(SELECT processed_at FROM webhook_events WHERE id = ?)", tenantA, bEvent);
            System.out.println("fairness: B processed " + bMs + " ms after the worker started, after " + aBefore
                                       + " of A's " + BACKLOG);
            // FIFO would have run all 1,000 of A's first; fair claiming takes B's in the first claim
            assertThat(aBefore).as("A's jobs processed before B's one").isLessThan(CONCURRENCY + 6);

            // A keeps going to the end, never more than the cap of it running at once
            long maxRunning = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
            long processed = 0;
            while (processed < BACKLOG) {
                assertThat(System.nanoTime()).as("A's backlog drains; processed " + processed).isLessThan(deadline);
                maxRunning = Math.max(maxRunning, p.count(
                        "SELECT count(*) FROM jobs WHERE tenant_id = ? AND status = 'running'", tenantA));
                processed = p.count("SELECT count(*) FROM webhook_events WHERE tenant_id = ? AND status = 'processed'",
                                    tenantA);
                Pipeline.sleep(50);
            }
            assertThat(maxRunning).as("A's jobs running at once").isLessThanOrEqualTo(TENANT_CAP);
            assertThat(p.count("SELECT count(*) FROM orders WHERE tenant_id = ?", tenantA)).isEqualTo(BACKLOG);
            System.out.println("fairness: A's " + BACKLOG + " drained " + (System.nanoTime() - t0) / 1_000_000
                                       + " ms after the worker started");
        }
    }

    /**
     * Stores {@code n} Shopify orders/updated events with their jobs, as ingest stores them (one per delivery, the
     * body the signed delivery's), in one transaction: sending 1,000 deliveries over HTTP is slow and not the point.
     */
    private static void enqueueOrderUpdates(Pipeline p, UUID tenant, int n) throws Exception {
        Instant base = Instant.parse("2024-01-01T00:00:00Z");
        try (Connection c = p.db.connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement events = c.prepareStatement("""
                    INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body,
                                                headers, status)
                    VALUES (?, ?, 'shopify', 'orders/updated', ?, ?, ?, ?::jsonb, 'accepted')""");
                 PreparedStatement jobs = c.prepareStatement(
                         "INSERT INTO jobs (id, tenant_id, event_id, status) VALUES (?, ?, ?, 'queued')")) {
                for (int i = 0; i < n; i++) {
                    UUID event = UUID.randomUUID();
                    byte[] body = Pipeline.order(8_000_000_000L + i, 2_000 + i, base.plusSeconds(i));
                    String eventId = "evt-fair-a-" + i;
                    events.setObject(1, event);
                    events.setObject(2, tenant);
                    events.setString(3, "event:orders/updated:" + eventId);
                    events.setBytes(4, MessageDigest.getInstance("SHA-256").digest(body));
                    events.setBytes(5, body);
                    events.setString(6, "{\"X-Shopify-Topic\": \"orders/updated\", \"X-Shopify-Event-Id\": \""
                            + eventId + "\"}");
                    events.addBatch();
                    jobs.setObject(1, UUID.randomUUID());
                    jobs.setObject(2, tenant);
                    jobs.setObject(3, event);
                    jobs.addBatch();
                }
                events.executeBatch();
                jobs.executeBatch();
            }
            c.commit();
        }
    }
}
