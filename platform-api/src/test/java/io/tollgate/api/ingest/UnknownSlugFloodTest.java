package io.tollgate.api.ingest;

import io.tollgate.api.TestGateway;
import io.tollgate.api.TestServers;
import io.tollgate.api.Webhooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tollgate.api.Webhooks.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15, finding 9: tenant look-ups that miss the cache are ingress database work like any other. While the
 * tenants table is locked (a stuck database), a flood of distinct made-up slugs holds at most ingress's share of
 * statements ({@code pool - writers - 1}) and its waiting room; the rest is refused at once with 503
 * {@code database-busy} instead of taking every connection of the pool. Unknown slugs are remembered briefly, and a
 * tenant created afterwards is found at once.
 */
class UnknownSlugFloodTest {
    private static final int POOL = 6;
    private static final int WRITERS = 2;
    private static final int STATEMENTS = POOL - WRITERS - 1;
    private static final int FLOOD = 40;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newVirtualThreadPerTaskExecutor()).build();

    @RegisterExtension
    static final TestGateway GATEWAY = TestGateway.withSettings(
            "TOLLGATE_DB_POOL_SIZE", String.valueOf(POOL), "TOLLGATE_INGEST_WRITERS", String.valueOf(WRITERS),
            "TOLLGATE_INGEST_QUEUE_MAX", "4");

    @Test
    void aFloodOfMadeUpSlugsStaysWithinIngressShareOfTheDatabase() throws Exception {
        List<String> types = new ArrayList<>();
        AtomicInteger peak = new AtomicInteger();
        AtomicBoolean flooding = new AtomicBoolean(true);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Saturation.TableLock lock = new Saturation.TableLock(GATEWAY.db(), "tenants");
            try {
                pool.submit(() -> {
                    while (flooding.get()) {
                        peak.accumulateAndGet(lookupsWaiting(), Math::max);
                        Thread.sleep(20);
                    }
                    return null;
                });
                CountDownLatch go = new CountDownLatch(1);
                List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < FLOOD; i++) {
                    String slug = "made-up-" + i;
                    answers.add(pool.submit(() -> {
                        go.await();
                        return HTTP.send(HttpRequest.newBuilder(TestServers.uri(GATEWAY.server(), "/webhooks/" + slug
                                                                                         + "/shopify"))
                                                 .timeout(Duration.ofSeconds(20))
                                                 .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                                         HttpResponse.BodyHandlers.ofString());
                    }));
                }
                go.countDown();
                for (Future<HttpResponse<String>> f : answers) {
                    HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                    types.add(Webhooks.json(r.body()).path("type").asText());
                }
            } finally {
                // whatever happened, the lock goes and the watch ends, so nothing is left waiting
                flooding.set(false);
                lock.close();
            }
        }
        assertThat(peak.get()).as("look-ups waiting on the locked table at once").isBetween(1, STATEMENTS);
        // most are refused at once; one that arrives only after an admitted look-up gave up (a slow machine) may be
        // admitted in its turn and answer deadline-exceeded: either way the pool was never theirs
        assertThat(types).as("every answer")
                .allSatisfy(t -> assertThat(t).matches(".*/(database-busy|deadline-exceeded)"));
        assertThat(types.stream().filter(t -> t.endsWith("/database-busy")).count())
                .as("refused at once: " + types).isGreaterThanOrEqualTo(FLOOD / 2);

        // once the database answers again, an unknown slug is a 404, remembered; a tenant created then is found
        assertThat(deliverTo("late-shop").statusCode()).isEqualTo(404);
        Webhooks.TestTenant late = Webhooks.create(GATEWAY.server(), "late-shop", "late_shopify_secret_012", null);
        HttpResponse<String> found = Webhooks.shopify(GATEWAY.server(), late, utf8("{}"), "orders/create", "late-1");
        assertThat(found.statusCode()).as(found.body()).isEqualTo(202);
    }

    private static HttpResponse<String> deliverTo(String slug) {
        return Webhooks.post(GATEWAY.server(), "/webhooks/" + slug + "/shopify", utf8("{}"));
    }

    /** Sessions of the gateway's main pool waiting for the lock on tenants (look-ups of a slug or an id). */
    private static int lookupsWaiting() throws SQLException {
        try (Connection c = GATEWAY.db().connect();
             PreparedStatement ps = c.prepareStatement("""
                     SELECT count(*) FROM pg_stat_activity
                      WHERE datname = current_database() AND application_name = 'tollgate'
                        AND wait_event_type = 'Lock' AND query ILIKE '%FROM tenants t%'""")) {
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
