package io.tollgate.api.observe;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.tollgate.api.NoteStub;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.config.AppConfig;
import io.tollgate.api.observe.Exposition.Family;
import io.tollgate.api.observe.Exposition.Sample;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * What {@code /observe/metrics} serves once every kind of series exists (a delivery went through the worker to a
 * posted note; Shopify deliveries accepted, repeated, forged; one for a tenant that does not exist): every family has
 * help text and a type, CONTRACT §4's series have the types and labels promised, the JVM and process series are there
 * with believable values, no label carries an email address or a secret, and {@code promtool check metrics} finds
 * nothing but Helidon's own built-in names.
 */
class MetricsExpositionTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /**
     * Helidon's built-in meters that promtool's linter dislikes ({@code _count} on a gauge): Helidon names them, we
     * cannot rename them, and nothing else may show up in promtool's report.
     */
    private static final Set<String> HELIDON_LINT_EXCEPTIONS = Set.of(
            "thread_count", "thread_daemon_count", "thread_max_count", "classloader_loaded_classes_count");
    private static final String CUSTOMER_EMAIL = "bob.norman@hostmail.com";

    private static TestDatabase db;
    private static WireMockServer stub;
    private static Tollgate server;
    private static final List<String> SECRETS = new ArrayList<>();
    private static String text;
    private static double unknownBefore;
    private static Exposition scrape;

    @BeforeAll
    static void start() {
        db = TestDatabase.empty();
        stub = NoteStub.start(555000222);
        Map<String, String> env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
        env.put("TOLLGATE_WORKER_ENABLED", "true");
        env.put("TOLLGATE_WORKER_POLL_MS", "20");
        env.put("TOLLGATE_WORKER_REAP_MS", "100");
        env.put("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE", "true");
        SECRETS.addAll(List.of(env.get("TOLLGATE_MASTER_KEY"), TestServers.ADMIN_TOKEN));
        server = Tollgate.start(AppConfig.load(env));
        sendTraffic();
        System.gc(); // at least one collection for gc_total to count, however large the heap
        text = TestServers.get(server, "/observe/metrics").body();
        scrape = Exposition.parse(text);
    }

    @AfterAll
    static void stop() {
        NoteStub.stopAll(server, stub, db);
    }

    @Test
    void everyFamilyHasHelpAndAType() {
        assertThat(scrape.families()).hasSizeGreaterThan(30);
        scrape.families().forEach((name, family) -> {
            assertThat(family.help()).as("# HELP of " + name).isNotBlank();
            assertThat(family.type()).as("# TYPE of " + name).isIn("counter", "gauge", "histogram");
            assertThat(family.samples()).as("samples of " + name).isNotEmpty();
        });
    }

    @Test
    void theContractsSeriesHaveTheirTypesAndLabels() {
        // CONTRACT §4, names as Prometheus shows them; Helidon adds `scope` to each
        assertFamily("tollgate_webhooks_total", "counter", "tenant", "provider", "outcome");
        assertFamily("tollgate_webhook_ack_seconds", "histogram", "provider");
        assertFamily("tollgate_queue_depth", "gauge", "status");
        assertFamily("tollgate_queue_oldest_seconds", "gauge");
        assertFamily("tollgate_jobs_total", "counter", "tenant", "outcome");
        assertFamily("tollgate_upstream_requests_total", "counter", "upstream", "status");
        assertFamily("tollgate_upstream_seconds", "histogram", "upstream");
        assertFamily("tollgate_drafts_posted_total", "counter", "tenant");
        assertFamily("tollgate_db_pool_connections", "gauge", "state");
        assertFamily("tollgate_db_admin_pool_connections", "gauge", "state");
        assertFamily("tollgate_db_worker_pool_connections", "gauge", "state");
        assertThat(scrape.values("tollgate_db_pool_connections", "state").keySet())
                .containsExactlyInAnyOrder("active", "idle", "pending", "total");
        // the ack histogram's buckets span 1 ms to 5 s at least
        Set<String> le = scrape.values("tollgate_webhook_ack_seconds_bucket", "le").keySet();
        assertThat(le).contains("0.001", "0.005", "0.1", "1.0", "5.0", "+Inf");
        // what was sent, counted
        assertThat(scrape.value("tollgate_webhooks_total", "tenant", "scrape-shop", "outcome", "accepted"))
                .isEqualTo(4.0); // 3 Shopify deliveries and the Gorgias one
        assertThat(scrape.value("tollgate_webhooks_total", "tenant", "scrape-shop", "outcome", "duplicate"))
                .isEqualTo(2.0);
        assertThat(scrape.value("tollgate_webhooks_total", "tenant", "scrape-shop", "outcome", "invalid_signature"))
                .isEqualTo(2.0);
        // the registry is the process's: other test classes in this JVM may have counted unknown tenants before
        assertThat(scrape.value("tollgate_webhooks_total", "tenant", "other", "outcome", "unknown_tenant")
                           - unknownBefore).isEqualTo(1.0);
        assertThat(scrape.value("tollgate_drafts_posted_total", "tenant", "scrape-shop")).isEqualTo(1.0);
    }

    @Test
    void jvmAndProcessSeriesAreServedWithBelievableValues() throws IOException {
        // Helidon's built-in meters (helidon-metrics-system-meters), snake_case by application.yaml
        double heapUsed = scrape.value("memory_used_heap_bytes");
        double heapCommitted = scrape.value("memory_committed_heap_bytes");
        double heapMax = scrape.value("memory_max_heap_bytes");
        assertThat(heapUsed).isPositive().isLessThanOrEqualTo(heapCommitted);
        assertThat(heapMax).isEqualTo(Runtime.getRuntime().maxMemory(), within(1.0));
        assertThat(heapCommitted).isLessThanOrEqualTo(heapMax);
        double threads = scrape.value("thread_count");
        assertThat(threads).isGreaterThan(5);
        assertThat(scrape.value("thread_daemon_count")).isPositive().isLessThanOrEqualTo(threads);
        assertThat(scrape.value("thread_max_count")).isGreaterThanOrEqualTo(threads);
        assertThat(scrape.value("classloader_loaded_classes_count")).isGreaterThan(1000);
        assertThat(scrape.value("jvm_uptime_seconds")).isPositive();
        assertThat(scrape.values("gc_total", "name")).isNotEmpty();
        assertThat(scrape.values("gc_total", "name").values().stream().mapToDouble(Double::doubleValue).sum())
                .as("collections so far").isPositive();
        assertThat(scrape.values("gc_time_seconds_total", "name").keySet())
                .isEqualTo(scrape.values("gc_total", "name").keySet());

        // ours (ProcessMetrics)
        double nonHeapUsed = scrape.value("memory_used_non_heap_bytes");
        assertThat(nonHeapUsed).isGreaterThan(1 << 20).isLessThanOrEqualTo(
                scrape.value("memory_committed_non_heap_bytes"));
        assertThat(scrape.families()).containsKey("memory_max_non_heap_bytes");
        assertThat(scrape.families().get("process_cpu_seconds_total").type()).isEqualTo("counter");
        assertThat(scrape.value("process_cpu_seconds_total")).isPositive();
        assertThat(scrape.value("process_cpu_usage")).isBetween(-1.0, 1.0);
        double started = scrape.value("process_start_time_seconds");
        double now = System.currentTimeMillis() / 1000.0;
        assertThat(started).isBetween(now - scrape.value("jvm_uptime_seconds") - 60, now);
        if (System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")) {
            double open = scrape.value("process_open_fds");
            assertThat(open).isGreaterThan(10).isLessThan(scrape.value("process_max_fds"));
            // the server runs in this JVM: its resident memory is this process's, as the kernel reports it now
            long rss = 0;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            double resident = scrape.value("process_resident_memory_bytes");
            assertThat(resident).isGreaterThan(32 << 20).isBetween(rss * 0.5, rss * 2.0);
        }
        // all of them in Helidon's base scope, apart from the application's own
        for (String name : List.of("memory_used_heap_bytes", "thread_count", "gc_total", "memory_used_non_heap_bytes",
                                   "process_cpu_seconds_total", "process_resident_memory_bytes")) {
            if (scrape.families().containsKey(name)) {
                assertThat(scrape.values(name, "scope").keySet()).as(name).containsExactly("base");
            }
        }
        assertThat(scrape.values("tollgate_webhooks_total", "scope").keySet()).containsExactly("application");
    }

    @Test
    void noLabelCarriesAnEmailOrASecret() {
        assertThat(SECRETS).hasSizeGreaterThanOrEqualTo(6);
        for (Family family : scrape.families().values()) {
            for (Sample s : family.samples()) {
                s.labels().forEach((label, value) -> {
                    assertThat(value).as(s.name() + " " + label).doesNotContain("@");
                    for (String secret : SECRETS) {
                        assertThat(value).as(s.name() + " " + label).doesNotContain(secret);
                    }
                });
            }
        }
        // nor anywhere else in the text (help included), and the delivery to a made-up slug folded into "other"
        assertThat(text).doesNotContain(CUSTOMER_EMAIL).doesNotContain("hostmail").doesNotContain("ghost");
        for (String secret : SECRETS) {
            assertThat(text).doesNotContain(secret);
        }
    }

    @Test
    void promtoolFindsNothingButHelidonsBuiltInNames() throws Exception {
        Path promtool = onPath("promtool");
        Assumptions.assumeTrue(promtool != null,
                               "promtool is not installed (apt-get install -y prometheus): promtool check metrics "
                                       + "skipped; deploy/scrape-check.sh runs it as well");
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // 0: clean; 3: lint problems (listed); anything else: the exposition did not parse
        assertThat(p.exitValue()).as(out).isIn(0, 3);
        Set<String> flagged = new TreeSet<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                flagged.add(line.strip().split("\\s+")[0]);
            }
        }
        assertThat(flagged).as(out).isSubsetOf(HELIDON_LINT_EXCEPTIONS);
    }

    private static void assertFamily(String name, String type, String... labels) {
        Family f = scrape.families().get(name);
        assertThat(f).as(name + " served").isNotNull();
        assertThat(f.help()).as(name + " help").isNotBlank();
        assertThat(f.type()).as(name + " type").isEqualTo(type);
        Set<String> expected = new TreeSet<>(List.of(labels));
        expected.add("scope");
        for (Sample s : f.samples()) {
            Set<String> got = new TreeSet<>(s.labels().keySet());
            if (type.equals("histogram")) {
                if (s.name().endsWith("_bucket")) {
                    assertThat(got.remove("le")).as(s.name() + " has le").isTrue();
                }
            }
            assertThat(got).as("labels of " + s.name()).isEqualTo(expected);
        }
    }

    /**
     * One tenant whose Gorgias and Shopify are the stub; a Gorgias delivery that ends in a posted note; Shopify
     * deliveries accepted, repeated and forged; one delivery to a slug shaped like an email address.
     */
    private static void sendTraffic() {
        String base = "http://127.0.0.1:" + stub.port();
        String shopifySecret = "shpss_scrape_0123456789";
        HttpResponse<String> created = Webhooks.admin(server, "POST", "/admin/tenants", """
                {"slug": "scrape-shop", "name": "Scrape shop",
                 "gorgias": {"domain": "scrapeshop", "username": "agent@scrape-shop.example",
                             "api_key": "gk-scrape-shop-0123456789", "base_url": "%1$s"},
                 "shopify": {"shop_domain": "scrape-shop.myshopify.com", "access_token": "shpat_scrape_0123456789",
                             "webhook_secret": "%2$s", "base_url": "%1$s"}}""".formatted(base, shopifySecret));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String gorgiasSecret = Webhooks.json(created.body()).get("gorgias_webhook_secret").asText();
        SECRETS.addAll(List.of(shopifySecret, gorgiasSecret, "gk-scrape-shop-0123456789", "shpat_scrape_0123456789"));

        byte[] ticket = Webhooks.utf8("""
                {"ticket": {"id": 61000000002, "subject": "Where is my order?", "channel": "email", "status": "open",
                 "customer": {"id": 7002, "email": "%1$s", "name": "Bob Norman"},
                 "messages": [
                   {"id": 71000000002, "channel": "email", "via": "email", "from_agent": false,
                    "sender": {"id": 7002, "email": "%1$s"},
                    "body_text": "Hi, where is my order #1001?", "body_html": "<p>Hi, where is my order #1001?</p>",
                    "created_datetime": "2024-01-15T10:30:00+00:00", "external_id": null}]}}"""
                                              .formatted(CUSTOMER_EMAIL));
        NoteStub.ticket(stub, "agent@scrape-shop.example", "gk-scrape-shop-0123456789", ticket);
        HttpResponse<String> accepted = Webhooks.post(server, "/webhooks/scrape-shop/gorgias", ticket,
                                                      "X-Tollgate-Token", gorgiasSecret,
                                                      "X-Gorgias-Webhook-Id", "scrape-1");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);

        Webhooks.TestTenant shop = new Webhooks.TestTenant("scrape-shop", "scrape-shop.myshopify.com", shopifySecret,
                                                           gorgiasSecret);
        byte[] order = Webhooks.utf8("{\"id\": 820982911946154508, \"email\": \"" + CUSTOMER_EMAIL
                                     + "\", \"updated_at\": \"2024-01-15T10:30:00+00:00\"}");
        for (int i = 1; i <= 3; i++) {
            assertThat(Webhooks.shopify(server, shop, order, "orders/create", "scrape-" + i).statusCode())
                    .isEqualTo(202);
        }
        for (int i = 1; i <= 2; i++) {
            assertThat(Webhooks.shopify(server, shop, order, "orders/create", "scrape-" + i).statusCode())
                    .as("a repeat").isEqualTo(200);
        }
        for (int i = 1; i <= 2; i++) {
            assertThat(Webhooks.shopify(server, shop, order, "orders/create", "forged-" + i,
                                        "X-Shopify-Hmac-Sha256", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
                               .statusCode()).isEqualTo(401);
        }
        unknownBefore = Webhooks.metric(server, "tollgate_webhooks_total", "tenant", "other", "outcome",
                                        "unknown_tenant");
        assertThat(Webhooks.post(server, "/webhooks/ghost-" + CUSTOMER_EMAIL + "/shopify", order).statusCode())
                .isBetween(400, 499);

        NoteStub.awaitPosted(server, "scrape-shop", WAIT);
    }

    private static Path onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
