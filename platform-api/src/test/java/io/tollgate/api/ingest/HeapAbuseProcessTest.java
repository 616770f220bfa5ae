package io.tollgate.api.ingest;

import io.tollgate.api.GatewayProcess;
import io.tollgate.api.TestServers;
import io.tollgate.api.Webhooks;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tollgate.api.Webhooks.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15, finding 2, from outside: a gateway process with the image's JVM flags sized for the ingress pod's memory
 * limit (read from {@code platform-api/pom.xml} and the ingress Deployment), and 250 connections to one real slug,
 * each declaring and sending about 1 MiB with a bogus signature and then stalling, from 25 loopback addresses (10
 * each, so the per-address cap alone does not stop them and the process-wide budget has to). The gateway stays alive,
 * another tenant's authentic deliveries are answered 202 meanwhile, and its resident memory stays under the limit.
 */
class HeapAbuseProcessTest {
    private static final Path OUT = Path.of("target", "heap-abuse");
    private static final int CONNECTIONS = 250;
    private static final int ADDRESSES = 25;
    private static final int DECLARED = 1024 * 1024;
    private static final String ADMIN = TestServers.ADMIN_TOKEN;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static TestDatabase db;

    @BeforeAll
    static void database() {
        db = TestDatabase.empty();
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @Test
    void anonymousMegabytesOnOneSlugLeaveTheGatewayAliveServingOthersUnderItsMemoryLimit() throws Exception {
        long limitMiB = ImageFlags.ingressMemoryLimitMiB();
        Map<String, String> env = new HashMap<>(TestServers.env(db.jdbcUrl(), db.user(), db.password()));
        // as the image runs it (JDK_JAVA_OPTIONS, MALLOC_ARENA_MAX), sized as the pod's limit sizes it
        env.put("JDK_JAVA_OPTIONS", ImageFlags.jvmFlags() + " -XX:MaxRAM=" + limitMiB + "m");
        env.put("MALLOC_ARENA_MAX", "2");
        try (GatewayProcess gw = GatewayProcess.start(env, OUT.resolve(UUID.randomUUID() + ".log"))) {
            int port = gw.awaitHealthy(Duration.ofSeconds(60));
            createTenant(port, "abused-shop", "abused_shopify_secret_01", "{\"max_concurrent\": 1000}");
            // the bystander's deadline leaves room for a loaded 2-core machine: what is asserted is that its
            // deliveries get through while the abuse runs, not how fast
            createTenant(port, "bystander-shop", "bystander_shopify_secret", "{\"timeout_ms\": 30000}");

            AtomicLong peakRss = new AtomicLong();
            AtomicInteger sent = new AtomicInteger();
            AtomicInteger cut = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(CONNECTIONS);
            CountDownLatch release = new CountDownLatch(1);
            List<Integer> bystander = new ArrayList<>();
            List<Long> bystanderMillis = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                pool.submit(() -> {
                    while (release.getCount() > 0 && gw.alive()) {
                        peakRss.accumulateAndGet(rss(gw.pid()), Math::max);
                        Thread.sleep(100);
                    }
                    return null;
                });
                for (int i = 0; i < CONNECTIONS; i++) {
                    String from = "127.0.0." + (2 + i % ADDRESSES);
                    pool.submit(() -> abuse(port, from, sent, cut, done, release));
                }
                // authentic deliveries of another tenant while the abuse runs
                for (int i = 0; i < 20 && gw.alive(); i++) {
                    long t0 = System.nanoTime();
                    bystander.add(deliver(port, "bystander-shop", "bystander_shopify_secret", "by-" + i));
                    bystanderMillis.add((System.nanoTime() - t0) / 1_000_000);
                }
                boolean allSent = done.await(30, TimeUnit.SECONDS);
                // the stalled bodies stay open a little longer, the process under watch
                Thread.sleep(2_000);
                peakRss.accumulateAndGet(rss(gw.pid()), Math::max);
                boolean alive = gw.alive();
                release.countDown();

                System.out.printf("heap abuse: alive %s, peak VmRSS %d MiB (limit %d MiB), bodies sent %d, cut off %d,"
                                          + " bystander answers %s in ms %s%n", alive, peakRss.get() >> 20, limitMiB,
                                  sent.get(), cut.get(), bystander, bystanderMillis);
                assertThat(alive).as("the gateway is alive after the abuse; its output:\n" + tail(gw)).isTrue();
                assertThat(allSent).as("every abusive connection sent its body or was cut off").isTrue();
                assertThat(bystander).as("the other tenant's deliveries (ms: " + bystanderMillis + ")")
                        .hasSize(20).containsOnly(202);
                assertThat(peakRss.get()).as("peak resident memory (bytes) under the " + limitMiB + " MiB limit")
                        .isPositive().isLessThan(limitMiB * 1024 * 1024);
                String metrics = get(port, "/observe/metrics");
                assertThat(value(metrics, "tollgate_ingress_refused_total", "buffer_full"))
                        .as("bodies refused for want of room").isPositive();
            }
            // every stalled body given back once its connection is gone
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            double held;
            do {
                Thread.sleep(200);
                held = value(get(port, "/observe/metrics"), "tollgate_ingress_buffer_bytes", null);
            } while (held != 0 && System.nanoTime() < end);
            assertThat(held).isZero();
            assertThat(deliver(port, "abused-shop", "abused_shopify_secret_01", "after-abuse")).isEqualTo(202);
        }
    }

    /** One abusive connection: 1 MiB declared, all but its last byte sent with a bogus signature, then silence. */
    private static Void abuse(int port, String from, AtomicInteger sent, AtomicInteger cut, CountDownLatch done,
                              CountDownLatch release) throws InterruptedException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            OutputStream out = s.getOutputStream();
            byte[] forged = new byte[32];
            String head = "POST /webhooks/abused-shop/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\n"
                    + "X-Shopify-Hmac-Sha256: " + Base64.getEncoder().encodeToString(forged) + "\r\n"
                    + "X-Shopify-Shop-Domain: abused-shop.myshopify.com\r\nX-Shopify-Topic: orders/create\r\n"
                    + "Content-Length: " + DECLARED + "\r\n\r\n";
            try {
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                byte[] chunk = new byte[64 * 1024];
                java.util.Arrays.fill(chunk, (byte) ' ');
                int left = DECLARED - 1;
                while (left > 0) {
                    int n = Math.min(left, chunk.length);
                    out.write(chunk, 0, n);
                    left -= n;
                }
                out.flush();
                sent.incrementAndGet();
            } catch (IOException e) {
                cut.incrementAndGet();
            }
            done.countDown();
            release.await(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            cut.incrementAndGet();
            done.countDown();
        }
        return null;
    }

    private static int deliver(int port, String slug, String secret, String id) {
        byte[] body = utf8("{\"id\": \"" + id + "\"}");
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhooks/" + slug
                                                                    + "/shopify"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("X-Shopify-Hmac-Sha256", io.tollgate.api.Webhooks.shopifyHmac(secret, body))
                .header("X-Shopify-Shop-Domain", slug + ".myshopify.com")
                .header("X-Shopify-Topic", "orders/create")
                .header("X-Shopify-Event-Id", id)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            return HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void createTenant(int port, String slug, String shopifySecret, String limits) throws Exception {
        String body = Webhooks.tenantJson(slug, shopifySecret, limits);
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                                                                        + "/admin/tenants"))
                                                     .header("Authorization", "Bearer " + ADMIN)
                                                     .header("Content-Type", "application/json")
                                                     .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                             HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
    }

    private static String get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                         HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A series' value in a scrape: the first line of {@code name} (with {@code reason} when given). */
    static double value(String scrape, String name, String reason) {
        for (String line : scrape.split("\n")) {
            if ((line.startsWith(name + "{") || line.startsWith(name + " "))
                    && (reason == null || line.contains("reason=\"" + reason + "\""))) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + name + " in the scrape");
    }

    /** VmRSS of {@code pid} in bytes (0 once it is gone). */
    private static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    private static String tail(GatewayProcess gw) {
        List<String> lines = gw.lines();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    /** The image's JVM flags and the ingress pod's memory limit, read from where the build and the manifests keep them. */
    static final class ImageFlags {
        private ImageFlags() {
        }

        static String jvmFlags() throws IOException {
            Matcher m = Pattern.compile("<image\\.jvm\\.flags>([^<]+)</image\\.jvm\\.flags>")
                    .matcher(Files.readString(root().resolve("platform-api/pom.xml")));
            assertThat(m.find()).as("image.jvm.flags in platform-api/pom.xml").isTrue();
            return m.group(1).strip();
        }

        static long ingressMemoryLimitMiB() throws IOException {
            Matcher m = Pattern.compile("limits:\\s*\\n\\s*memory:\\s*(\\d+)Mi")
                    .matcher(Files.readString(root().resolve("deploy/kubernetes/base/deployment-ingress.yaml")));
            assertThat(m.find()).as("the ingress Deployment's memory limit").isTrue();
            return Long.parseLong(m.group(1));
        }

        private static Path root() {
            Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
            while (p != null && !Files.isDirectory(p.resolve("deploy/kubernetes"))) {
                p = p.getParent();
            }
            assertThat(p).as("the repository root").isNotNull();
            return p;
        }
    }
}
