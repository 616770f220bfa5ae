package io.tollgate.api.ingest;

import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.Webhooks.TestTenant;
import io.tollgate.api.config.AppConfig;
import io.tollgate.api.ingest.Saturation.Answer;
import io.tollgate.api.ingest.Saturation.Load;
import io.tollgate.api.ingest.Saturation.TableLock;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rate-bucket mode "postgres" with the test holding a lock on rate_buckets: every delivery's bucket check blocks.
 * Such checks are bounded (the rest answered 503 at once), none waits past the deadline, blocked statements give
 * their connections back instead of piling up server connections, the admin API answers, health says why, and the
 * gateway recovers once the lock goes.
 */
class LockedRateBucketsTest {
    static final int DEADLINE_MS = 2000;
    static final int MARGIN_MS = 2500;
    static final int POOL = 6;

    private static TestDatabase db;
    private static Tollgate server;
    private static TestTenant shop;

    @BeforeAll
    static void start() {
        db = TestDatabase.empty();
        Map<String, String> env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
        env.put("TOLLGATE_RATE_LIMIT_MODE", "postgres");
        env.put("TOLLGATE_DB_POOL_SIZE", String.valueOf(POOL));
        env.put("TOLLGATE_ADMIN_DB_POOL_SIZE", "2");
        // bucket checks besides the writers: pool - writers - 1 = 3 at once, 4 more waiting, the rest refused
        env.put("TOLLGATE_INGEST_QUEUE_MAX", "4");
        server = Tollgate.start(AppConfig.load(env));
        shop = Webhooks.create(server, "bucket-shop", "bucket_shopify_01234", "{\"timeout_ms\": " + DEADLINE_MS
                + ", \"max_concurrent\": 1000, \"rate_per_minute\": 1000000, \"burst\": 100000}");
    }

    @AfterAll
    static void stop() {
        server.close();
        db.close();
    }

    @Test
    void lockedBucketsAreBoundedTheAdminAnswersAndIngressRecovers() throws Exception {
        assertThat(Saturation.deliver(server, shop, "warm", false).status()).isEqualTo(202);
        Load load;
        int maxServerConnections = 0;
        try (TableLock lock = new TableLock(db, "rate_buckets")) {
            load = new Load(server, shop, "bucket", 16, 0);
            try (load) {
                load.awaitAnswers(40, Duration.ofSeconds(30));
                maxServerConnections = Saturation.serverConnections(db, "tollgate");

                long t0 = System.nanoTime();
                HttpResponse<String> list = Webhooks.admin(server, "GET", "/admin/tenants", null);
                long listMs = (System.nanoTime() - t0) / 1_000_000;
                assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
                assertThat(listMs).as("admin answered promptly").isLessThan(3_000);

                HttpResponse<String> health = TestServers.get(server, "/observe/health");
                assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
                assertThat(health.body()).contains("\"ingress\":\"saturated\"").contains("rate_buckets");

                load.awaitAnswers(load.answers.size() + 40, Duration.ofSeconds(30));
                maxServerConnections = Math.max(maxServerConnections, Saturation.serverConnections(db, "tollgate"));
            }
        }
        // blocked statements were cancelled on the server and gave their connections back: never more server
        // connections than the pool holds (a statement abandoned by tearing its socket would leave its server
        // process waiting on the lock, and those would pile up past the pool)
        assertThat(maxServerConnections).as("server connections of the ingress pool").isLessThanOrEqualTo(POOL);
        List<Answer> during = List.copyOf(load.answers);
        for (Answer a : during) {
            assertThat(a.status()).as(a.toString()).isEqualTo(503);
            assertThat(a.retryAfter()).as(a.toString()).isPresent();
            assertThat(a.millis()).as("answered within the deadline: " + a).isLessThan(DEADLINE_MS + MARGIN_MS);
        }
        assertThat(during.stream().filter(a -> a.kind().equals("database-busy")).count())
                .as("checks past the bound are refused at once").isPositive();

        String body = "";
        for (int i = 0; i < 150 && !body.contains("\"ingress\":\"ok\""); i++) {
            Saturation.sleep(100);
            body = TestServers.get(server, "/observe/health").body();
        }
        assertThat(body).contains("\"ingress\":\"ok\"");
        assertThat(Saturation.deliver(server, shop, "after", false).status()).isEqualTo(202);
        for (Answer a : during.subList(0, 20)) {
            int status = 503;
            for (int i = 0; i < 50 && status == 503; i++) {
                status = Saturation.deliver(server, shop, a.deliveryId(), false).status();
            }
            assertThat(status).as(a.deliveryId()).isIn(200, 202);
            assertThat(Saturation.storedCopies(db, shop.slug(), a.deliveryId())).isEqualTo(1);
        }
    }
}
