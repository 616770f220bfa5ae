package io.tollgate.api.ingest;

import io.tollgate.api.TestGateway;
import io.tollgate.api.TestServers;
import io.tollgate.api.Webhooks;
import io.tollgate.api.Webhooks.TestTenant;
import io.tollgate.api.ingest.Saturation.Answer;
import io.tollgate.api.ingest.Saturation.Load;
import io.tollgate.api.ingest.Saturation.TableLock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database is alive but every ingest write blocks: the test holds an ACCESS EXCLUSIVE lock on webhook_events.
 * Deliveries get 503 with Retry-After within the tenant's deadline, the work waiting behind the lock is bounded
 * (past the bound, 503 at once), health says why, the admin API keeps answering on its own connections so an
 * operator can suspend the tenant, and once the lock goes everything recovers by itself, each refused delivery
 * stored exactly once when retried.
 */
class LockedEventsTableTest {
    static final int DEADLINE_MS = 2500;
    /** Generous: two shared cores run other builds at the same time. */
    static final int MARGIN_MS = 2500;
    static final int POOL = 6;
    static final int WRITERS = 2;
    static final int BATCH_MAX = 4;
    static final int QUEUE_MAX = 8;

    @RegisterExtension
    static final TestGateway GATEWAY = TestGateway.withSettings(
            "TOLLGATE_DB_POOL_SIZE", String.valueOf(POOL), "TOLLGATE_INGEST_WRITERS", String.valueOf(WRITERS),
            "TOLLGATE_INGEST_BATCH_MAX", String.valueOf(BATCH_MAX),
            "TOLLGATE_INGEST_QUEUE_MAX", String.valueOf(QUEUE_MAX), "TOLLGATE_ADMIN_DB_POOL_SIZE", "2");
    private static TestTenant busy;
    private static TestTenant calm;

    @BeforeAll
    static void start() {
        String limits = "{\"timeout_ms\": " + DEADLINE_MS + ", \"max_concurrent\": 1000, \"rate_per_minute\": 1000000,"
                + " \"burst\": 100000}";
        busy = Webhooks.create(GATEWAY.server(), "busy-shop", "busy_shopify_0123456", limits);
        calm = Webhooks.create(GATEWAY.server(), "calm-shop", "calm_shopify_0123456", limits);
    }

    @Test
    void aBurstBehindTheLockIsBoundedAndAnsweredWithinTheDeadline() throws Exception {
        assertThat(Saturation.deliver(GATEWAY.server(), busy, "burst-warm", false).status()).isEqualTo(202);
        int n = 64;
        List<Answer> answers;
        try (TableLock lock = new TableLock(GATEWAY.db(), "webhook_events")) {
            answers = Saturation.burst(GATEWAY.server(), busy, n, i -> "burst-" + i, i -> i % 6 == 0);
        }
        for (Answer a : answers) {
            assertThat(a.status()).as(a.toString()).isEqualTo(503);
            assertThat(a.retryAfter()).as(a.toString()).isPresent();
            assertThat(a.millis()).as("answered within the deadline: " + a).isLessThan(DEADLINE_MS + MARGIN_MS);
        }
        // what waits behind the lock is bounded: the writers' batches and their queue, the other statements allowed
        // to hold an ingress connection (pool - writers - 1) and those waiting for a turn; the rest is refused at once
        int bound = WRITERS * BATCH_MAX + QUEUE_MAX + (POOL - WRITERS - 1) + QUEUE_MAX;
        long waited = answers.stream().filter(a -> a.kind().equals("deadline-exceeded")).count();
        long refusedAtOnce = answers.stream().filter(a -> a.kind().equals("database-busy")).count();
        assertThat(waited).as("deliveries that waited for the locked table").isLessThanOrEqualTo(bound);
        assertThat(refusedAtOnce).as("deliveries refused at once").isGreaterThanOrEqualTo(n - bound);

        // the lock is gone: every refused delivery is stored exactly once when the sender retries
        for (Answer a : answers) {
            int status = retryUntilAnswered(busy, a.deliveryId(), a.malformed());
            assertThat(status).as(a.deliveryId()).isIn(a.malformed() ? List.of(400) : List.of(200, 202));
            assertThat(Saturation.storedCopies(GATEWAY.db(), busy.slug(), a.deliveryId())).as(a.deliveryId())
                    .isEqualTo(1);
        }
    }

    @Test
    void healthSaysWhyAndTheOperatorCanSuspendTheTenantWhileIngressIsSaturated() throws Exception {
        assertThat(Saturation.deliver(GATEWAY.server(), calm, "calm-warm", false).status()).isEqualTo(202);
        assertThat(awaitIngressOk()).contains("\"ingress\":\"ok\"");
        Load load;
        try (TableLock lock = new TableLock(GATEWAY.db(), "webhook_events")) {
            load = new Load(GATEWAY.server(), busy, "load", 12, 6);
            try (load) {
                load.awaitAnswers(24, Duration.ofSeconds(30));

                // the operator's API has its own connections
                long t0 = System.nanoTime();
                HttpResponse<String> list = Webhooks.admin(GATEWAY.server(), "GET", "/admin/tenants", null);
                long listMs = (System.nanoTime() - t0) / 1_000_000;
                assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
                assertThat(list.body()).contains("busy-shop");
                // the last deliveries live in the locked table: left out rather than waited for
                assertThat(Webhooks.json(list.body()).get("items"))
                        .allSatisfy(i -> assertThat(i.has("last_delivery_at")).as(i.toString()).isFalse());
                t0 = System.nanoTime();
                HttpResponse<String> suspend = Webhooks.admin(GATEWAY.server(), "POST",
                                                              "/admin/tenants/busy-shop/suspend", null);
                long suspendMs = (System.nanoTime() - t0) / 1_000_000;
                assertThat(suspend.statusCode()).as(suspend.body()).isEqualTo(200);
                assertThat(listMs).as("admin list answered promptly").isLessThan(3_000);
                assertThat(suspendMs).as("suspend answered promptly").isLessThan(3_000);

                // health: the database answers (200), and it says ingress is saturated and why
                HttpResponse<String> health = TestServers.get(GATEWAY.server(), "/observe/health");
                assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
                assertThat(health.body()).contains("\"ingress\":\"saturated\"").contains("webhook_events");

                // the suspension takes effect at ingress while the lock is still held
                int status = 0;
                for (int i = 0; i < 100 && status != 403; i++) {
                    status = Saturation.deliver(GATEWAY.server(), busy, "after-suspend-" + i, false).status();
                    if (status != 403) {
                        Saturation.sleep(100);
                    }
                }
                assertThat(status).isEqualTo(403);
            }
        }
        List<Answer> during = List.copyOf(load.answers);
        for (Answer a : during) {
            assertThat(a.status()).as(a.toString()).isIn(503, 403);
            if (a.status() == 503) {
                assertThat(a.retryAfter()).as(a.toString()).isPresent();
            }
            assertThat(a.millis()).as("answered within the deadline: " + a).isLessThan(DEADLINE_MS + MARGIN_MS);
        }

        // the lock is gone: recovery by itself
        assertThat(Webhooks.admin(GATEWAY.server(), "POST", "/admin/tenants/busy-shop/resume", null).statusCode())
                .isEqualTo(200);
        assertThat(awaitIngressOk()).contains("\"ingress\":\"ok\"").doesNotContain("saturated");
        assertThat(TestServers.get(GATEWAY.server(), "/observe/health").statusCode()).isEqualTo(200);
        assertThat(Saturation.deliver(GATEWAY.server(), calm, "calm-after", false).status()).isEqualTo(202);
        HttpResponse<String> calmAnswer = Webhooks.admin(GATEWAY.server(), "GET", "/admin/tenants/calm-shop", null);
        assertThat(Webhooks.json(calmAnswer.body()).get("last_delivery_at").has("shopify"))
                .as("the last delivery is shown again once the table can be read: " + calmAnswer.body()).isTrue();
        for (Answer a : during) {
            if (a.status() == 503) {
                int status = retryUntilAnswered(busy, a.deliveryId(), a.malformed());
                assertThat(status).as(a.deliveryId()).isIn(a.malformed() ? List.of(400) : List.of(200, 202));
                assertThat(Saturation.storedCopies(GATEWAY.db(), busy.slug(), a.deliveryId())).as(a.deliveryId())
                        .isEqualTo(1);
            }
        }
    }

    /** Health once ingress reports no saturation (refusals keep it reported for a few seconds), or the last seen. */
    static String awaitIngressOk() {
        String body = "";
        for (int i = 0; i < 150 && !body.contains("\"ingress\":\"ok\""); i++) {
            if (i > 0) {
                Saturation.sleep(100);
            }
            body = TestServers.get(GATEWAY.server(), "/observe/health").body();
        }
        return body;
    }

    /** A sender's retries: 503 means come back later. */
    private static int retryUntilAnswered(TestTenant t, String id, boolean malformed) {
        int status = 503;
        for (int i = 0; i < 50 && status == 503; i++) {
            status = Saturation.deliver(GATEWAY.server(), t, id, malformed).status();
            if (status == 503) {
                Saturation.sleep(100);
            }
        }
        return status;
    }
}
