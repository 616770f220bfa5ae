package io.tollgate.api.observe;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.tollgate.api.NoteStub;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.config.AppConfig;
import io.tollgate.api.observe.WorkerMetrics.JobOutcome;
import io.tollgate.tenant.testing.TwoTenants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Prometheus' {@code increase()} cannot see a series' first sample: a {@code tollgate_jobs_total{outcome="dead"}}
 * series that appeared at 1 hid a tenant's first dead job from TollgateDeadJobs. Every labelled tenant's job and
 * draft counters therefore exist at 0, every outcome, before its first job: the tenants that exist at startup, a
 * tenant created through the admin API as soon as it is created, and {@code other} from the start. The meter registry
 * is the process's, so slugs are this class's own and {@code other} is only checked for presence.
 */
class CountersFromZeroTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static TwoTenants existing;
    private static WireMockServer stub;
    private static Tollgate server;

    @BeforeAll
    static void start() {
        // two tenants in the database before the gateway starts (so no notice of their creation reaches it)
        existing = TwoTenants.create("zero-start");
        stub = NoteStub.start(555000333);
        Map<String, String> env = TestServers.env(existing.testDb().jdbcUrl(), existing.testDb().user(),
                                                  existing.testDb().password());
        env.put("TOLLGATE_WORKER_ENABLED", "true");
        env.put("TOLLGATE_WORKER_POLL_MS", "20");
        env.put("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE", "true");
        env.put("TOLLGATE_METRICS_TENANT_LABELS", "all");
        server = Tollgate.start(AppConfig.load(env));
    }

    @AfterAll
    static void stop() {
        NoteStub.stopAll(server, stub, null);
        if (existing != null) {
            existing.close();
        }
    }

    @Test
    void tenantsThatExistAtStartupAndOtherHaveEveryOutcomeFromZero() {
        Exposition scrape = scrape();
        for (String tenant : new String[] {"zero-start-a", "zero-start-b"}) {
            for (JobOutcome outcome : JobOutcome.values()) {
                assertThat(scrape.value("tollgate_jobs_total", "tenant", tenant, "outcome", outcome.label()))
                        .as(tenant + " " + outcome.label()).isZero();
            }
            assertThat(scrape.value("tollgate_drafts_posted_total", "tenant", tenant)).as(tenant).isZero();
        }
        for (JobOutcome outcome : JobOutcome.values()) {
            // present (value() fails on a missing series); other test classes in this JVM may have counted some
            assertThat(scrape.value("tollgate_jobs_total", "tenant", "other", "outcome", outcome.label()))
                    .as("other " + outcome.label()).isNotNegative();
        }
        assertThat(scrape.value("tollgate_drafts_posted_total", "tenant", "other")).isNotNegative();
    }

    @Test
    void aTenantCreatedThroughTheAdminApiHasItsCountersAtZeroBeforeItsFirstJobThenCountsIt() {
        String base = "http://127.0.0.1:" + stub.port();
        HttpResponse<String> created = Webhooks.admin(server, "POST", "/admin/tenants", """
                {"slug": "zero-new", "name": "Zero new",
                 "gorgias": {"domain": "zeronew", "username": "agent@zero-new.example",
                             "api_key": "gk-zero-new-0123456789", "base_url": "%1$s"},
                 "shopify": {"shop_domain": "zero-new.myshopify.com", "access_token": "shpat_zero_new_0123456789",
                             "webhook_secret": "shpss_zero_new_0123456789", "base_url": "%1$s"}}""".formatted(base));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String gorgiasSecret = Webhooks.json(created.body()).get("gorgias_webhook_secret").asText();

        // the creation's notice reaches the gateway's listener asynchronously: wait for the series, no job sent yet
        Exposition before = awaitSeries("zero-new");
        for (JobOutcome outcome : JobOutcome.values()) {
            assertThat(before.value("tollgate_jobs_total", "tenant", "zero-new", "outcome", outcome.label()))
                    .as("zero-new " + outcome.label() + " before any job").isZero();
        }
        assertThat(before.value("tollgate_drafts_posted_total", "tenant", "zero-new")).isZero();
        for (String provider : new String[] {"gorgias", "shopify"}) {
            for (IngressMetrics.Outcome outcome : IngressMetrics.Outcome.values()) {
                if (outcome != IngressMetrics.Outcome.UNKNOWN_TENANT) {
                    assertThat(before.value("tollgate_webhooks_total", "tenant", "zero-new", "provider", provider,
                                            "outcome", outcome.label()))
                            .as("zero-new " + provider + " " + outcome.label() + " before any delivery").isZero();
                }
            }
        }

        byte[] ticket = Webhooks.utf8("""
                {"ticket": {"id": 61000000033, "subject": "Where is my order?", "channel": "email", "status": "open",
                 "customer": {"id": 7033, "email": "zero.customer@example.com", "name": "Zero Customer"},
                 "messages": [
                   {"id": 71000000033, "channel": "email", "via": "email", "from_agent": false,
                    "sender": {"id": 7033, "email": "zero.customer@example.com"},
                    "body_text": "Hi, where is my order #1001?", "body_html": "<p>Hi, where is my order #1001?</p>",
                    "created_datetime": "2024-01-15T10:30:00+00:00", "external_id": null}]}}""");
        // Gorgias knows the ticket the delivery points at (the worker reads it before drafting)
        NoteStub.ticket(stub, "agent@zero-new.example", "gk-zero-new-0123456789", ticket);
        HttpResponse<String> accepted = Webhooks.post(server, "/webhooks/zero-new/gorgias", ticket,
                                                      "X-Tollgate-Token", gorgiasSecret,
                                                      "X-Gorgias-Webhook-Id", "zero-1");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        NoteStub.awaitPosted(server, "zero-new", WAIT);

        Exposition after = scrape();
        assertThat(after.value("tollgate_webhooks_total", "tenant", "zero-new", "provider", "gorgias",
                               "outcome", "accepted")).isEqualTo(1.0);
        assertThat(after.value("tollgate_jobs_total", "tenant", "zero-new", "outcome", "done")).isEqualTo(1.0);
        assertThat(after.value("tollgate_drafts_posted_total", "tenant", "zero-new")).isEqualTo(1.0);
        for (JobOutcome outcome : JobOutcome.values()) {
            if (outcome != JobOutcome.DONE) {
                assertThat(after.value("tollgate_jobs_total", "tenant", "zero-new", "outcome", outcome.label()))
                        .as("zero-new " + outcome.label() + " after one posted note").isZero();
            }
        }
    }

    private static Exposition scrape() {
        HttpResponse<String> res = TestServers.get(server, "/observe/metrics");
        assertThat(res.statusCode()).isEqualTo(200);
        return Exposition.parse(res.body());
    }

    private static Exposition awaitSeries(String tenant) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Exposition scrape = scrape();
            if (scrape.values("tollgate_jobs_total", "tenant").containsKey(tenant)) {
                return scrape;
            }
            assertThat(System.nanoTime()).as("the series of " + tenant + " within " + WAIT).isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
