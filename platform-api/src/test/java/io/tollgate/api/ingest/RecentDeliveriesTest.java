package io.tollgate.api.ingest;

import io.tollgate.api.TestGateway;
import io.tollgate.api.Webhooks;
import io.tollgate.api.Webhooks.TestTenant;
import io.tollgate.api.ingest.Saturation.TableLock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.tollgate.api.Webhooks.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A repeat of a delivery committed moments ago is answered from the process's memory: it needs no database statement
 * (proved at the boundary: it is answered while the test holds an ACCESS EXCLUSIVE lock on webhook_events, behind
 * which any statement of the database path would wait), its answer and its metrics are the database path's, and it is
 * never answered "duplicate" before the first copy committed.
 */
class RecentDeliveriesTest {
    /** Long enough that a delivery waiting behind the test's lock is still waited for when the lock goes. */
    static final int DEADLINE_MS = 30_000;

    @RegisterExtension
    static final TestGateway GATEWAY = TestGateway.withSettings();
    private static TestTenant shop;
    private static TestTenant quick;

    @BeforeAll
    static void start() {
        shop = Webhooks.create(GATEWAY.server(), "recent-shop", "recent_shopify_0123456", "{\"timeout_ms\": "
                + DEADLINE_MS + ", \"max_concurrent\": 100, \"rate_per_minute\": 100000, \"burst\": 10000}");
        quick = Webhooks.create(GATEWAY.server(), "recent-quick", "recent_quick_0123456", "{\"timeout_ms\": 1000,"
                + " \"max_concurrent\": 100, \"rate_per_minute\": 100000, \"burst\": 10000}");
    }

    @Test
    void aRepeatAfterTheCommitIsAnsweredWithoutTheDatabase() throws Exception {
        byte[] body = utf8("{\"id\": 1001, \"note\": \"first\"}");
        HttpResponse<String> first = Webhooks.shopify(GATEWAY.server(), quick, body, "orders/create", "mem-1");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        String eventId = Webhooks.json(first.body()).get("event_id").asText();
        double duplicatesBefore = duplicates(quick);

        try (TableLock lock = new TableLock(GATEWAY.db(), "webhook_events")) {
            // the database path is blocked: a new delivery waits behind the lock until its deadline
            HttpResponse<String> blocked = Webhooks.shopify(GATEWAY.server(), quick, body, "orders/create", "mem-2");
            assertThat(blocked.statusCode()).as(blocked.body()).isEqualTo(503);
            // the repeat is answered all the same, as the database would answer it
            HttpResponse<String> repeat = Webhooks.shopify(GATEWAY.server(), quick, body, "orders/create", "mem-1");
            assertThat(repeat.statusCode()).as(repeat.body()).isEqualTo(200);
            assertThat(Webhooks.json(repeat.body()).get("status").asText()).isEqualTo("duplicate");
            assertThat(Webhooks.json(repeat.body()).get("event_id").asText()).isEqualTo(eventId);
        }
        assertThat(duplicates(quick)).as("counted as a duplicate").isEqualTo(duplicatesBefore + 1);
        assertThat(Saturation.storedCopies(GATEWAY.db(), quick.slug(), "mem-1")).isEqualTo(1);
    }

    @Test
    void aRepeatWithAnotherBodyTakesTheDatabasePath() throws Exception {
        byte[] body = utf8("{\"id\": 1002}");
        assertThat(Webhooks.shopify(GATEWAY.server(), quick, body, "orders/create", "mem-3").statusCode())
                .isEqualTo(202);
        try (TableLock lock = new TableLock(GATEWAY.db(), "webhook_events")) {
            // same key, other bytes: only the database may answer (here: it cannot, so 503 and nothing claimed)
            HttpResponse<String> other = Webhooks.shopify(GATEWAY.server(), quick, utf8("{\"id\": 1002, \"x\": 1}"),
                                                          "orders/create", "mem-3");
            assertThat(other.statusCode()).as(other.body()).isEqualTo(503);
        }
        // an authentic body under the same key that is not JSON is still kept and refused as before
        HttpResponse<String> malformed = Webhooks.shopify(GATEWAY.server(), quick, utf8("not json"), "orders/create",
                                                          "mem-3");
        assertThat(malformed.statusCode()).as(malformed.body()).isEqualTo(400);
        HttpResponse<String> other = Webhooks.shopify(GATEWAY.server(), quick, utf8("{\"id\": 1002, \"x\": 1}"),
                                                      "orders/create", "mem-3");
        assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
    }

    @Test
    void twoConcurrentCopiesAreStoredOnceAndTheDuplicateIsAnsweredOnlyAfterTheCommit() throws Exception {
        byte[] body = utf8("{\"id\": 1003}");
        List<CompletableFuture<HttpResponse<String>>> copies;
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            try (TableLock lock = new TableLock(GATEWAY.db(), "webhook_events")) {
                CountDownLatch go = new CountDownLatch(1);
                copies = List.of(send(senders, go, body), send(senders, go, body));
                go.countDown();
                // the copies reach the database and wait behind the lock (a writer's statement is seen waiting);
                // nothing can commit while it is held, so any answer now would come before the commit
                awaitWaitingOnLock();
                assertThat(copies).as("no answer before the first copy committed").noneMatch(CompletableFuture::isDone);
            }
            List<HttpResponse<String>> answers = List.of(copies.get(0).get(60, TimeUnit.SECONDS),
                                                         copies.get(1).get(60, TimeUnit.SECONDS));
            assertThat(answers).extracting(HttpResponse::statusCode).containsExactlyInAnyOrder(202, 200);
            assertThat(answers).extracting(r -> Webhooks.json(r.body()).get("event_id").asText())
                    .as("the duplicate names the first copy").containsOnly(
                            Webhooks.json(answers.get(0).body()).get("event_id").asText());
        }
        assertThat(Saturation.storedCopies(GATEWAY.db(), shop.slug(), "race-1")).isEqualTo(1);
        assertThat(jobs(shop, "race-1")).as("one job").isEqualTo(1);
        HttpResponse<String> third = Webhooks.shopify(GATEWAY.server(), shop, body, "orders/create", "race-1");
        assertThat(third.statusCode()).isEqualTo(200);
    }

    private static CompletableFuture<HttpResponse<String>> send(ExecutorService pool, CountDownLatch go, byte[] body) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return Webhooks.shopify(GATEWAY.server(), shop, body, "orders/create", "race-1");
        }, pool);
    }

    /** Until some session of the gateway waits for a lock on webhook_events (the writer's insert behind ours). */
    private static void awaitWaitingOnLock() throws SQLException {
        for (int i = 0; i < 600; i++) {
            try (Connection c = GATEWAY.db().connect();
                 PreparedStatement ps = c.prepareStatement("""
                         SELECT count(*) FROM pg_locks l JOIN pg_class t ON t.oid = l.relation
                          WHERE t.relname = 'webhook_events' AND NOT l.granted""");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            Saturation.sleep(50);
        }
        throw new AssertionError("no statement waited for the locked table");
    }

    private static long jobs(TestTenant t, String deliveryId) throws SQLException {
        try (Connection c = GATEWAY.db().connect();
             PreparedStatement ps = c.prepareStatement("""
                     SELECT count(*) FROM jobs j JOIN webhook_events e ON e.id = j.event_id
                       JOIN tenants t ON t.id = e.tenant_id
                      WHERE t.slug = ? AND e.delivery_key = ?""")) {
            ps.setString(1, t.slug());
            ps.setString(2, "event:orders/create:" + deliveryId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static double duplicates(TestTenant t) {
        return Webhooks.metric(GATEWAY.server(), "tollgate_webhooks_total", "tenant", t.slug(), "outcome",
                               "duplicate");
    }
}
