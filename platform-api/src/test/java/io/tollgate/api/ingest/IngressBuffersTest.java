package io.tollgate.api.ingest;

import io.tollgate.api.RawHttp;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.Webhooks.TestTenant;
import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tollgate.api.Webhooks.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Room for a body is taken before a byte of it is read (issue 15, finding 2): the client address's bodies, the
 * tenant's concurrency, the process's budget of buffered bytes (a tenant at most half of it). Refusals are 503
 * problem documents with {@code Retry-After} on a closing connection; what headers alone decide is answered before the
 * body; every path gives its room back. Each test speaks from its own loopback addresses.
 */
class IngressBuffersTest {
    private static final long BUDGET = 1024 * 1024;
    private static TestDatabase db;
    private static Tollgate server;
    private static TestTenant roomy;
    private static TestTenant single;
    private static TestTenant other;
    private final List<Socket> stalled = new ArrayList<>();

    @BeforeAll
    static void start() {
        db = TestDatabase.empty();
        Map<String, String> env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
        env.put("TOLLGATE_INGRESS_BUFFER_BYTES", String.valueOf(BUDGET));
        env.put("TOLLGATE_INGRESS_BODIES_PER_ADDRESS", "2");
        // stalled bodies stay stalled for the whole test
        env.put("TOLLGATE_READ_TIMEOUT_SECONDS", "60");
        server = Tollgate.start(AppConfig.load(env));
        roomy = Webhooks.create(server, "roomy-shop", "roomy_shopify_secret_01",
                                "{\"max_payload_bytes\": 1048576, \"max_concurrent\": 100, \"timeout_ms\": 1000}");
        single = Webhooks.create(server, "single-shop", "single_shopify_secret_1",
                                 "{\"max_concurrent\": 1, \"timeout_ms\": 500}");
        other = Webhooks.create(server, "other-shop", "other_shopify_secret_01", "{\"max_payload_bytes\": 1048576}");
    }

    @AfterAll
    static void stop() {
        server.close();
        db.close();
    }

    @AfterEach
    void everythingIsGivenBack() throws Exception {
        releaseStalled();
        awaitGauge("tollgate_ingress_bodies_reading", 0);
    }

    /** Closes the stalled deliveries' connections (clients gone mid-body) and waits until their room is back. */
    private void releaseStalled() throws IOException, InterruptedException {
        for (Socket s : stalled) {
            s.close();
        }
        stalled.clear();
        awaitHeld(0);
    }

    @Test
    void aThirdBodyFromOneAddressWaitsItsDeadlineThenIsRefusedUnreadWhileOtherAddressesPass() throws Exception {
        stall("127.0.0.2", roomy, 1000);
        stall("127.0.0.2", roomy, 1000);
        awaitHeld(2000);
        double before = metric("tollgate_ingress_refused_total", "reason", "address_busy");

        RawHttp.Answer third = signed("127.0.0.2", roomy, body(100), "a-3");
        assertRefusedUnread(third, "/address-busy");
        assertThat(third.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(Integer.parseInt(third.header("Retry-After"))).isBetween(1, 60);
        assertThat(metric("tollgate_ingress_refused_total", "reason", "address_busy") - before).isEqualTo(1);

        assertThat(signed("127.0.0.3", roomy, body(100), "a-4").status()).isEqualTo(202);

        // a client gone mid-body gives its room back: the address may send again
        releaseStalled();
        assertThat(signed("127.0.0.2", roomy, body(100), "a-5").status()).isEqualTo(202);
    }

    @Test
    void aTenantHoldsAtMostHalfTheBudgetSoAnotherTenantIsStillServed() throws Exception {
        stall("127.0.0.4", roomy, 400_000);
        awaitHeld(400_000);

        RawHttp.Answer over = signed("127.0.0.5", roomy, body(200_000), "b-1");
        assertRefusedUnread(over, "/buffer-full");
        assertThat(json(over.body()).get("status").asInt()).isEqualTo(503);
        assertThat(over.header("Retry-After")).isNotNull();

        // the budget has room for another tenant's body of the same size
        assertThat(signed("127.0.0.5", other, body(200_000), "b-2").status()).isEqualTo(202);

        releaseStalled();
        assertThat(signed("127.0.0.5", roomy, body(200_000), "b-3").status()).isEqualTo(202);
    }

    @Test
    void theTenantsConcurrencyIsTakenBeforeItsBodyIsRead() throws Exception {
        stall("127.0.0.6", single, 1000);
        awaitHeld(1000);

        RawHttp.Answer busy = signed("127.0.0.7", single, body(100), "c-1");
        assertRefusedUnread(busy, "/tenant-busy");
        // the other tenants are not held by it
        assertThat(signed("127.0.0.7", other, body(100), "c-2").status()).isEqualTo(202);
    }

    @Test
    void whatTheHeadersAloneRefuseHoldsNeitherTheTenantsPermitNorTheBudgetAndIs401OnceItsBodyIsIn()
            throws Exception {
        // two unsigned bodies of the single-permit tenant trickle in from one address: they hold its turns ...
        Socket first = stallUnsigned("127.0.0.8", single, 5000);
        stallUnsigned("127.0.0.8", single, 5000);
        awaitGauge("tollgate_ingress_bodies_reading", 2);
        RawHttp.Answer third = signed("127.0.0.8", single, body(100), "d-0");
        assertProblem(third, 503, "/address-busy");
        // ... but neither the tenant's one permit nor any of the budget
        assertThat(signed("127.0.0.9", single, body(100), "d-1").status()).isEqualTo(202);
        awaitHeld(0);

        // its body in, the unsigned delivery is a 401
        first.setSoTimeout(15_000);
        first.getOutputStream().write(new byte[5000 - 9]);
        first.getOutputStream().flush();
        RawHttp.Answer refused = RawHttp.read(first.getInputStream(), System.nanoTime());
        assertProblem(refused, 401, "/invalid-signature");

        // another shop's domain, a wrong Gorgias token: 401 as well, without a permit or budget
        String[] otherDomain = {"X-Shopify-Hmac-Sha256: " + java.util.Base64.getEncoder().encodeToString(new byte[32]),
                                "X-Shopify-Shop-Domain: elsewhere.myshopify.com"};
        String[] wrongToken = {"X-Tollgate-Token: not-the-secret-0123456789"};
        for (String[] headers : List.of(otherDomain, wrongToken)) {
            String provider = headers == wrongToken ? "gorgias" : "shopify";
            try (Socket s = open("127.0.0.10")) {
                s.setSoTimeout(15_000);
                s.getOutputStream().write(head("/webhooks/roomy-shop/" + provider, 2, headers));
                s.getOutputStream().write("{}".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                RawHttp.Answer a = RawHttp.read(s.getInputStream(), System.nanoTime());
                assertProblem(a, 401, "/invalid-signature");
            }
        }
        // a legitimate delivery with its token is unaffected
        assertThat(Webhooks.post(server, "/webhooks/roomy-shop/gorgias", Webhooks.utf8("{\"ticket\": {\"id\": 1}}"),
                                 "X-Tollgate-Token", roomy.gorgiasSecret(), "X-Gorgias-Webhook-Id", "d-2")
                           .statusCode()).isEqualTo(202);
    }

    /** A Shopify delivery without a signature whose body never completes (9 bytes of it sent). */
    private Socket stallUnsigned(String from, TestTenant t, int declared) throws IOException {
        Socket s = open(from);
        stalled.add(s);
        s.getOutputStream().write(head("/webhooks/" + t.slug() + "/shopify", declared, new String[]{
                "X-Shopify-Shop-Domain: " + t.shopDomain()}));
        s.getOutputStream().write("{\"id\": 12".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    @Test
    void aChunkedBodyIsCountedAsItArrives() throws Exception {
        try (Socket s = open("127.0.0.9")) {
            String head = "POST /webhooks/roomy-shop/shopify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    + "X-Shopify-Hmac-Sha256: " + java.util.Base64.getEncoder().encodeToString(new byte[32]) + "\r\n"
                    + "X-Shopify-Shop-Domain: roomy-shop.myshopify.com\r\n\r\n";
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(chunk(20_000));
            out.flush();
            // the first buffer (16 KiB), doubled once for the rest of the 20,000 bytes: 32 KiB held, not the limit
            awaitHeld(32 * 1024);
        }
    }

    private static byte[] chunk(int n) {
        byte[] data = new byte[n];
        java.util.Arrays.fill(data, (byte) ' ');
        byte[] size = (Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[size.length + n + 2];
        System.arraycopy(size, 0, all, 0, size.length);
        System.arraycopy(data, 0, all, size.length, n);
        all[all.length - 2] = '\r';
        all[all.length - 1] = '\n';
        return all;
    }

    /** A delivery whose body never completes: its head and 10 bytes, then silence (closed after the test). */
    private void stall(String from, TestTenant t, int declared) throws IOException {
        Socket s = open(from);
        stalled.add(s);
        s.getOutputStream().write(head("/webhooks/" + t.slug() + "/shopify", declared, new String[]{
                "X-Shopify-Hmac-Sha256: " + java.util.Base64.getEncoder().encodeToString(new byte[32]),
                "X-Shopify-Shop-Domain: " + t.shopDomain()}));
        s.getOutputStream().write("{\"id\": 12".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** A complete signed Shopify delivery from {@code from}, and its answer. */
    private static RawHttp.Answer signed(String from, TestTenant t, byte[] body, String id) throws IOException {
        try (Socket s = open(from)) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            out.write(head("/webhooks/" + t.slug() + "/shopify", body.length, new String[]{
                    "X-Shopify-Hmac-Sha256: " + Webhooks.shopifyHmac(t.shopifySecret(), body),
                    "X-Shopify-Shop-Domain: " + t.shopDomain(), "X-Shopify-Topic: orders/create",
                    "X-Shopify-Event-Id: " + id}));
            try {
                out.write(body);
                out.flush();
            } catch (IOException e) {
                // refused and closed before the body was read: the answer is there to read
            }
            return RawHttp.read(s.getInputStream(), System.nanoTime());
        }
    }

    /** The answer is a problem document of {@code status} whose type ends in {@code type}. */
    private static void assertProblem(RawHttp.Answer answer, int status, String type) {
        assertThat(answer.status()).as(answer.raw()).isEqualTo(status);
        assertThat(json(answer.body()).get("type").asText()).endsWith(type);
    }

    /** Refused before its body was read: a 503 problem document of {@code type}, and the connection closes. */
    private static void assertRefusedUnread(RawHttp.Answer answer, String type) {
        assertProblem(answer, 503, type);
        assertThat(answer.closed()).as("the unread body's connection closes").isTrue();
    }

    private static byte[] body(int size) {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) ' ');
        b[0] = '{';
        b[size - 1] = '}';
        return b;
    }

    private static byte[] head(String path, int length, String[] headers) {
        StringBuilder h = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                    + "Content-Type: application/json\r\nContent-Length: " + length
                                                    + "\r\n");
        for (String header : headers) {
            h.append(header).append("\r\n");
        }
        return h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Socket open(String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
        return s;
    }

    private static double metric(String name, String... labels) {
        return Webhooks.metric(server, name, labels);
    }

    /** Waits until ingress holds exactly {@code bytes} of bodies (tollgate_ingress_buffer_bytes). */
    private static void awaitHeld(double bytes) throws InterruptedException {
        awaitGauge("tollgate_ingress_buffer_bytes", bytes);
    }

    private static void awaitGauge(String name, double expected) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        double value = -1;
        while (System.nanoTime() < end) {
            value = HeapAbuseProcessTest.value(TestServers.get(server, "/observe/metrics").body(), name, null);
            if (value == expected) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(name + " is " + value + ", not " + expected);
    }
}
