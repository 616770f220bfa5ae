package io.tollgate.api.ingest;

import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.Webhooks.TestTenant;
import io.tollgate.tenant.testing.TestDatabase;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static io.tollgate.api.Webhooks.utf8;

/**
 * Tools for tests of a database that is alive but stuck: a table lock held from the test's own connection, and
 * deliveries sent concurrently (each on its own HTTP/1.1 connection, as senders do), with what each answer was and
 * how long it took.
 */
final class Saturation {
    /** An answer to one delivery: status, problem type (empty for a 2xx), Retry-After, time to answer. */
    record Answer(String deliveryId, boolean malformed, int status, String type, Optional<String> retryAfter,
                  long millis) {
        String kind() {
            return type.substring(type.lastIndexOf('/') + 1);
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newVirtualThreadPerTaskExecutor()).build();

    private Saturation() {
    }

    /** Holds {@code LOCK TABLE table IN ACCESS EXCLUSIVE MODE} until closed (then rolls back, releasing it). */
    static final class TableLock implements AutoCloseable {
        private final Connection c;

        TableLock(TestDatabase db, String table) throws SQLException {
            c = db.connect();
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
            }
        }

        @Override
        public void close() throws SQLException {
            try {
                c.rollback();
            } finally {
                c.close();
            }
        }
    }

    /** One signed Shopify delivery; a malformed one carries an authentic body that is not JSON. */
    static Answer deliver(Tollgate server, TestTenant t, String id, boolean malformed) {
        byte[] body = utf8(malformed ? "not json " + id : "{\"id\": \"" + id + "\"}");
        HttpRequest req = HttpRequest.newBuilder(TestServers.uri(server, "/webhooks/" + t.slug() + "/shopify"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("X-Shopify-Hmac-Sha256", Webhooks.shopifyHmac(t.shopifySecret(), body))
                .header("X-Shopify-Shop-Domain", t.shopDomain())
                .header("X-Shopify-Topic", "orders/create")
                .header("X-Shopify-Event-Id", id)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String type = r.statusCode() >= 300 ? Webhooks.json(r.body()).path("type").asText("") : "";
            return new Answer(id, malformed, r.statusCode(), type, r.headers().firstValue("retry-after"), ms);
        } catch (Exception e) {
            throw new AssertionError("delivery " + id + " failed: " + e, e);
        }
    }

    /** Sends {@code n} deliveries at once (released together) and returns every answer. */
    static List<Answer> burst(Tollgate server, TestTenant t, int n, IntFunction<String> id,
                              IntFunction<Boolean> malformed) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Answer>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                int k = i;
                futures.add(pool.submit(() -> {
                    go.await();
                    return deliver(server, t, id.apply(k), malformed.apply(k));
                }));
            }
            go.countDown();
            List<Answer> answers = new ArrayList<>();
            for (Future<Answer> f : futures) {
                answers.add(f.get(60, TimeUnit.SECONDS));
            }
            return answers;
        }
    }

    /** Senders that keep delivering (unique ids) until closed. */
    static final class Load implements AutoCloseable {
        final List<Answer> answers = new CopyOnWriteArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger seq = new AtomicInteger();
        private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
        private final List<Future<?>> loops = new ArrayList<>();

        /** {@code senders} loops; the first {@code malformedSenders} of them send bodies that are not JSON. */
        Load(Tollgate server, TestTenant t, String prefix, int senders, int malformedSenders) {
            for (int i = 0; i < senders; i++) {
                boolean malformed = i < malformedSenders;
                loops.add(this.senders.submit(() -> {
                    while (running.get()) {
                        answers.add(deliver(server, t, prefix + "-" + seq.incrementAndGet(), malformed));
                    }
                    return null;
                }));
            }
        }

        /** Waits until at least {@code n} answers came back (at most {@code max}). */
        void awaitAnswers(int n, Duration max) throws InterruptedException {
            long end = System.nanoTime() + max.toNanos();
            while (answers.size() < n && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            if (answers.size() < n) {
                throw new AssertionError("only " + answers.size() + " answers within " + max);
            }
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            for (Future<?> f : loops) {
                f.get(60, TimeUnit.SECONDS);
            }
            senders.close();
        }
    }

    /** How many rows the tenant's events table holds for one Shopify delivery (topic orders/create). */
    static int storedCopies(TestDatabase db, String slug, String deliveryId) throws SQLException {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("""
                     SELECT count(*) FROM webhook_events e JOIN tenants t ON t.id = e.tenant_id
                      WHERE t.slug = ? AND e.provider = 'shopify' AND e.delivery_key = ?""")) {
            ps.setString(1, slug);
            ps.setString(2, "event:orders/create:" + deliveryId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** Server connections this gateway's pools hold in the test database (by application name). */
    static int serverConnections(TestDatabase db, String applicationName) throws SQLException {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("""
                     SELECT count(*) FROM pg_stat_activity
                      WHERE datname = current_database() AND application_name = ?""")) {
            ps.setString(1, applicationName);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
