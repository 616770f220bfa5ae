package io.tollgate.api.http;

import io.tollgate.api.ProductionLog;
import io.tollgate.api.RawHttp;
import io.tollgate.api.RawHttp.Answer;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.Webhooks.TestTenant;
import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tollgate.api.RawHttp.ascii;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Broken HTTP from a stranger who knows a merchant's webhook URL: malformed framing, headers, paths, methods and
 * bodies, half requests and stalls, over raw sockets against the real server. Every answer must be a clear 4xx (or one
 * of the framework's protocol answers 501/505, or 503) or a quiet close; never a 500 or a stack trace; the server
 * must stay healthy; and the production log must grow by at most one short line per refused request.
 */
class HttpFramingFuzzTest {
    /** The server's read timeout here: short, so stalls are cut quickly. */
    private static final int READ_TIMEOUT_SECONDS = 2;
    /**
     * A short line: one JSON log line of a refused request is about 260 bytes (field names, the tenant and a 36-character
     * request id around a one-line message); a stack trace or an echoed request would be far more.
     */
    private static final int SHORT_LINE_BYTES = 320;
    /** How long a client waits for an answer or the close; well past the read timeout, on a busy machine. */
    private static final Duration CLIENT_WAIT = Duration.ofSeconds(20);
    private static final long DEFAULT_SEED = 0x7011_6a7eL;
    private static final int DEFAULT_CASES = 3000;

    private static TestDatabase db;
    private static Tollgate server;
    private static TestTenant tenant;

    @BeforeAll
    static void start() {
        db = TestDatabase.empty();
        Map<String, String> env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
        env.put("TOLLGATE_READ_TIMEOUT_SECONDS", String.valueOf(READ_TIMEOUT_SECONDS));
        server = Tollgate.start(AppConfig.load(env));
        tenant = Webhooks.create(server, "fuzz-shop", "fuzz_shopify_secret_0123", null);
    }

    @AfterAll
    static void stop() {
        server.close();
        db.close();
    }

    private static String webhookHead(String framingHeader) {
        return "POST /webhooks/fuzz-shop/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + framingHeader + "\r\n\r\n";
    }

    private static final String CHUNKED = "Transfer-Encoding: chunked";

    /** The tester's cases: each is broken framing on an authentic tenant URL, with no credentials at all. */
    private static Map<String, String> brokenFraming() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("non-hex chunk size", webhookHead(CHUNKED) + "zz\r\nhello\r\n0\r\n\r\n");
        cases.put("negative chunk size", webhookHead(CHUNKED) + "-5\r\nhello\r\n0\r\n\r\n");
        cases.put("overflowing chunk size", webhookHead(CHUNKED) + "ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n");
        cases.put("padded chunk size", webhookHead(CHUNKED) + " 5 \r\nhello\r\n0\r\n\r\n");
        cases.put("LF-only chunk lines", webhookHead(CHUNKED) + "5\nhello\n0\n\n");
        cases.put("chunk extension", webhookHead(CHUNKED) + "5;ext=1\r\nhello\r\n0\r\n\r\n");
        cases.put("chunked body cut short", webhookHead(CHUNKED) + "50\r\nhello");
        cases.put("Content-Length larger than sent", webhookHead("Content-Length: 100") + "{\"a\": 1}");
        return cases;
    }

    @Test
    void brokenFramingOnAWebhookUrlIsA400CountedAsMalformedWithoutAStackTrace() throws Exception {
        double before = Webhooks.metric(server, "tollgate_webhooks_total", "tenant", "fuzz-shop",
                                        "outcome", "malformed");
        Map<String, String> cases = brokenFraming();
        try (ProductionLog log = ProductionLog.start()) {
            Map<String, Answer> answers = new LinkedHashMap<>();
            for (var c : cases.entrySet()) {
                // the client half-closes: it has sent all it will, and still listens for the answer
                answers.put(c.getKey(), RawHttp.exchange(server.port(), ascii(c.getValue()), true, CLIENT_WAIT));
            }
            printLog(log, cases.size());
            for (var c : answers.entrySet()) {
                Answer a = c.getValue();
                assertThat(a.status()).as(c.getKey() + ": " + a.raw()).isEqualTo(400);
                assertThat(a.header("Content-Type")).as(c.getKey()).isEqualTo("application/problem+json");
                assertThat(a.header("Connection")).as(c.getKey()).isEqualToIgnoringCase("close");
                assertThat(Webhooks.json(a.body()).get("status").asInt()).isEqualTo(400);
                assertNoInternals(c.getKey(), a);
            }
            assertLogBounded(log, cases.size());
        }
        double after = Webhooks.metric(server, "tollgate_webhooks_total", "tenant", "fuzz-shop",
                                       "outcome", "malformed");
        assertThat(after - before).isEqualTo(cases.size());
    }

    @Test
    void brokenFramingOnTheAdminApiIsA4xxWithOrWithoutAToken() throws Exception {
        try (ProductionLog log = ProductionLog.start()) {
            Map<String, Answer> answers = new LinkedHashMap<>();
            for (String auth : List.of("", "Authorization: Bearer " + TestServers.ADMIN_TOKEN + "\r\n")) {
                for (var c : brokenFraming().entrySet()) {
                    String request = c.getValue().replace("POST /webhooks/fuzz-shop/shopify HTTP/1.1\r\n",
                                                          "POST /admin/tenants HTTP/1.1\r\n" + auth);
                    answers.put(c.getKey() + (auth.isEmpty() ? "" : " with token"),
                                RawHttp.exchange(server.port(), ascii(request), true, CLIENT_WAIT));
                }
            }
            printLog(log, answers.size());
            for (var c : answers.entrySet()) {
                Answer a = c.getValue();
                assertThat(a.timedOut()).as(c.getKey()).isFalse();
                assertThat(a.status()).as(c.getKey() + ": " + a.raw()).isBetween(400, 499);
                assertThat(a.header("Content-Type")).as(c.getKey()).isEqualTo("application/problem+json");
                assertNoInternals(c.getKey(), a);
            }
            assertLogBounded(log, answers.size());
        }
    }

    @Test
    void aChunkWithoutItsCrlfIsCutOffAfterTheReadTimeout() throws Exception {
        // the data of the chunk is complete, the CRLF after it never comes, the client keeps the connection open
        try (ProductionLog log = ProductionLog.start()) {
            Answer a = RawHttp.exchange(server.port(), ascii(webhookHead(CHUNKED) + "5\r\nhello"), false,
                                        CLIENT_WAIT);
            assertThat(a.timedOut()).as("the server neither answered nor closed within " + CLIENT_WAIT).isFalse();
            assertThat(a.elapsed()).isGreaterThanOrEqualTo(Duration.ofSeconds(READ_TIMEOUT_SECONDS).minusMillis(200));
            assertThat(a.status()).as(a.raw()).isIn(-1, 408);
            if (a.status() == 408) {
                assertThat(a.header("Content-Type")).isEqualTo("application/problem+json");
                assertThat(a.header("Connection")).isEqualToIgnoringCase("close");
            }
            assertNoInternals("stall", a);
            assertLogBounded(log, 1);
        }
        assertThat(TestServers.get(server, "/observe/health").statusCode()).isEqualTo(200);
    }

    @Test
    void stalledHeadersAndIdleConnectionsAreClosedAfterTheReadTimeout() throws Exception {
        for (String half : List.of("", "POST /webhooks/fuzz-shop/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Sl")) {
            Answer a = RawHttp.exchange(server.port(), ascii(half), false, CLIENT_WAIT);
            assertThat(a.timedOut()).as("stalled after '" + half + "'").isFalse();
            assertThat(a.status()).isIn(-1, 400, 408);
        }
    }

    @Test
    void slowClientsThatDropTheConnectionLeaveAtMostOneShortLineEach() throws Exception {
        String[] halves = {
                webhookHead("Content-Length: 500") + "{\"id\": 1, \"email\": \"a",
                webhookHead(CHUNKED) + "40\r\n{\"id\": 1",
                "POST /webhooks/fuzz-shop/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le",
                "POST /admin/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                        + TestServers.ADMIN_TOKEN + "\r\nContent-Length: 300\r\n\r\n{\"slug\": ",
        };
        int drops = 0;
        try (ProductionLog log = ProductionLog.start()) {
            for (int round = 0; round < 25; round++) {
                for (String half : halves) {
                    try (Socket s = new Socket("127.0.0.1", server.port())) {
                        if (round % 2 == 1) {
                            s.setSoLinger(true, 0); // the close is a reset rather than an orderly close
                        }
                        OutputStream out = s.getOutputStream();
                        out.write(ascii(half));
                        out.flush();
                        Thread.sleep(20); // slow: the server is waiting for the rest when the client goes
                    }
                    drops++;
                }
            }
            // the server notices each drop; give it a moment to log whatever it logs
            awaitHealthy();
            Thread.sleep(500);
            assertLogBounded(log, drops);
        }
    }

    // --- the generated fuzz -------------------------------------------------------------------------------------

    @Test
    void generatedBrokenRequestsNeverGetA500OrAStackTraceAndTheLogStaysSmall() throws Exception {
        long seed = Long.getLong("tollgate.fuzz.seed", DEFAULT_SEED);
        int cases = Integer.getInteger("tollgate.fuzz.cases", DEFAULT_CASES);
        System.out.printf("HttpFramingFuzzTest: seed=%d (0x%x) cases=%d"
                                  + " (rerun with -Dtollgate.fuzz.seed=%d -Dtollgate.fuzz.cases=%d)%n",
                          seed, seed, cases, seed, cases);
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger closedQuietly = new AtomicInteger();
        Map<Integer, AtomicInteger> statuses = new java.util.concurrent.ConcurrentSkipListMap<>();
        long t0 = System.nanoTime();
        int logBytes;
        int logLines;
        String logText;
        try (ProductionLog log = ProductionLog.start();
             ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> batches = new ArrayList<>();
            int batchSize = 250;
            for (int from = 0; from < cases; from += batchSize) {
                int start = from;
                int end = Math.min(cases, from + batchSize);
                batches.add(pool.submit(() -> {
                    for (int i = start; i < end; i++) {
                        FuzzCase c = FuzzCase.generate(new Random(seed * 1_000_003L + i), tenant);
                        Answer a = RawHttp.exchange(server.port(), c.bytes(), c.halfClose(), CLIENT_WAIT);
                        statuses.computeIfAbsent(a.status(), k -> new AtomicInteger()).incrementAndGet();
                        if (a.status() == -1) {
                            closedQuietly.incrementAndGet();
                        } else if (a.status() >= 400) {
                            refused.incrementAndGet();
                        }
                        String problem = judge(a);
                        if (problem != null) {
                            failures.add("case " + i + " (" + c.description() + "): " + problem + "\n--- sent:\n"
                                         + printable(c.bytes()) + "\n--- got:\n" + printable(ascii(a.raw())));
                        }
                    }
                    String health = health();
                    if (health != null) {
                        failures.add("after cases " + start + ".." + end + ": " + health);
                    }
                    return null;
                }));
            }
            for (Future<?> f : batches) {
                f.get();
            }
            awaitHealthy();
            Thread.sleep(300);
            logBytes = log.bytes();
            logLines = log.lines();
            logText = log.text();
        }
        System.out.printf("HttpFramingFuzzTest: %d cases in %d ms; answers by status %s; refused %d, closed without"
                          + " an answer %d; log %d bytes, %d lines (%.1f bytes, %.3f lines per case)%n",
                          cases, (System.nanoTime() - t0) / 1_000_000, statuses, refused.get(), closedQuietly.get(),
                          logBytes, logLines, (double) logBytes / cases, (double) logLines / cases);
        assertThat(failures).as("seed " + seed + ": " + failures.size() + " failing cases; first:\n"
                                + String.join("\n\n", failures.subList(0, Math.min(5, failures.size()))))
                .isEmpty();
        // a stack trace as the text format writes it, or inside a JSON line
        assertThat(logText).as("no stack trace in the log").doesNotContain("\tat ", "\\tat ");
        assertThat(logLines).as("at most one line per request:\n" + head(logText)).isLessThanOrEqualTo(cases);
        assertThat(logBytes).as("at most one short line per request:\n" + head(logText))
                .isLessThanOrEqualTo(cases * SHORT_LINE_BYTES);
    }

    /** Why an answer is wrong, or null. */
    private static String judge(Answer a) {
        if (a.timedOut()) {
            return "neither answered nor closed within " + CLIENT_WAIT;
        }
        if (a.status() == -2) {
            return "not an HTTP answer";
        }
        if (a.status() >= 500 && a.status() != 503 && a.status() != 501 && a.status() != 505) {
            return "answered " + a.status();
        }
        if (a.status() >= 400 && !"application/problem+json".equals(a.header("Content-Type"))) {
            return "a " + a.status() + " that is not a problem document";
        }
        return internals(a.raw());
    }

    private static String internals(String raw) {
        for (String leak : List.of("Exception", "at io.", "at java.", "java.", "io.helidon", "\tat ")) {
            if (raw.contains(leak)) {
                return "the answer shows '" + leak + "'";
            }
        }
        return null;
    }

    private static void assertNoInternals(String what, Answer a) {
        assertThat(internals(a.raw())).as(what + ": " + a.raw()).isNull();
    }

    private static void printLog(ProductionLog log, int requests) throws InterruptedException {
        Thread.sleep(200); // records from the connection threads that finish after the answer
        System.out.printf("HttpFramingFuzzTest: %s: log %d bytes, %d lines for %d requests (%.1f bytes per request)%n",
                          StackWalker.getInstance().walk(f -> f.map(StackWalker.StackFrame::getMethodName)
                                  .filter(m -> !m.equals("printLog") && !m.equals("assertLogBounded"))
                                  .findFirst().orElseThrow()),
                          log.bytes(), log.lines(), requests, (double) log.bytes() / requests);
    }

    private static void assertLogBounded(ProductionLog log, int requests) throws InterruptedException {
        printLog(log, requests);
        String text = log.text();
        assertThat(text).as("no stack trace in the log:\n" + head(text)).doesNotContain("\tat ", "\\tat ");
        assertThat(log.lines()).as("at most one line per refused request:\n" + head(text))
                .isLessThanOrEqualTo(requests);
        assertThat(log.bytes()).as("at most one short line per refused request:\n" + head(text))
                .isLessThanOrEqualTo(requests * SHORT_LINE_BYTES);
    }

    private static String health() {
        try {
            int status = TestServers.get(server, "/observe/health").statusCode();
            return status == 200 ? null : "/observe/health answered " + status;
        } catch (RuntimeException e) {
            return "/observe/health failed: " + e;
        }
    }

    private static void awaitHealthy() {
        assertThat(health()).isNull();
    }

    private static String head(String text) {
        return text.length() > 3000 ? text.substring(0, 3000) + "\n[... " + text.length() + " chars]" : text;
    }

    private static String printable(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        int n = Math.min(bytes.length, 600);
        for (int i = 0; i < n; i++) {
            int c = bytes[i] & 0xff;
            if (c == '\n') {
                b.append("\\n\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c < 0x20 || c >= 0x7f) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.append((char) c);
            }
        }
        return n < bytes.length ? b + "[... " + bytes.length + " bytes]" : b.toString();
    }

    /** One generated request: its bytes, whether the client half-closes after them, and what was chosen. */
    record FuzzCase(byte[] bytes, boolean halfClose, String description) {
        private static final String[] METHODS = {"POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "HEAD",
                "OPTIONS", "TRACE", "CONNECT", "post", "P0ST", "GET\u0000", "BREW", "", "POST POST"};
        private static final String[] VERSIONS = {"HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0",
                "HTTP/2.0", "HTTP/9.9", "HTTP/1.1 ", "http/1.1", "HTTP/1", "HTTX/1.1", ""};

        static FuzzCase generate(Random r, TestTenant tenant) {
            List<String> what = new ArrayList<>();
            String method = r.nextBoolean() ? "POST" : pick(r, METHODS);
            String path = path(r, tenant);
            String version = r.nextBoolean() ? "HTTP/1.1" : pick(r, VERSIONS);
            String eol = r.nextInt(12) == 0 ? pick(r, "\n", "\r", "\n\r") : "\r\n";
            what.add(method + " " + path.substring(0, Math.min(path.length(), 40)) + " " + version);

            byte[] body = body(r, tenant, what);
            List<String> headers = new ArrayList<>();
            if (r.nextInt(10) != 0) {
                headers.add("Host: " + (r.nextInt(4) != 0 ? "127.0.0.1"
                        : pick(r, "localhost:99999", "", "a b", "[::1", "h@x", "127.0.0.1, 127.0.0.2")));
            }
            if (r.nextBoolean()) {
                headers.add("Content-Type: " + pick(r, "application/json", "text/plain", "application/json; charset=x",
                                                    "", ";;;", "multipart/form-data; boundary="));
            }
            if (r.nextInt(3) == 0) {
                // an authentic signature over the body, so some bodies get as far as the JSON check and beyond
                headers.add("X-Shopify-Hmac-Sha256: " + Webhooks.shopifyHmac(tenant.shopifySecret(), body));
                headers.add("X-Shopify-Shop-Domain: " + tenant.shopDomain());
                headers.add("X-Shopify-Topic: orders/create");
                headers.add("X-Shopify-Event-Id: " + r.nextInt(50));
            }
            if (r.nextInt(4) == 0) {
                headers.add("Authorization: " + pick(r, "Bearer " + TestServers.ADMIN_TOKEN, "Bearer x", "Basic",
                                                      "Bearer", "bearer  " + TestServers.ADMIN_TOKEN));
            }
            for (int n = r.nextInt(3) == 0 ? 1 + r.nextInt(3) : 0; n > 0; n--) {
                headers.add(strangeHeader(r, what));
            }

            ByteArrayOutputStream framed = new ByteArrayOutputStream();
            boolean complete = frame(r, body, headers, framed, what);
            Collections.shuffle(headers, r);

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            write(out, method + " " + path + " " + version + eol);
            for (String h : headers) {
                write(out, h + eol);
            }
            write(out, eol);
            out.writeBytes(framed.toByteArray());
            if (complete && r.nextInt(8) == 0) {
                write(out, "GET /observe/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                what.add("pipelined");
            }
            // a client that has sent everything half-closes, or keeps the connection open for the answer; one that
            // sent an incomplete request always half-closes here (stalls have their own tests)
            boolean halfClose = !complete || !eol.equals("\r\n") || r.nextBoolean();
            return new FuzzCase(out.toByteArray(), halfClose, String.join(", ", what));
        }

        private static String path(Random r, TestTenant tenant) {
            String base = pick(r, "/webhooks/" + tenant.slug() + "/shopify", "/webhooks/" + tenant.slug() + "/shopify",
                               "/webhooks/" + tenant.slug() + "/gorgias", "/webhooks/unknown-shop/shopify",
                               "/webhooks/" + tenant.slug() + "/paypal", "/webhooks/", "/webhooks", "/admin/tenants",
                               "/admin/tenants/" + tenant.slug(), "/admin/tenants/" + tenant.slug() + "/events",
                               "/admin/tokens", "/observe/health", "/openapi", "/", "*",
                               "http://127.0.0.1/webhooks/" + tenant.slug() + "/shopify");
            return switch (r.nextInt(10)) {
                case 0 -> base + pick(r, "/..", "/../../etc/passwd", "%", "%zz", "%00", "%2e%2e/", "//", ";x=1",
                                      "?" + "a=".repeat(r.nextInt(50)), "#frag", "\u00e9", " /x", "\t");
                case 1 -> base.replace(tenant.slug(), pick(r, "A", "-x-", "a".repeat(70), "%66uzz-shop",
                                                           "fuzz_shop", "fuzz-shop\u0000"));
                case 2 -> "/" + "a/".repeat(r.nextInt(3000));
                default -> base;
            };
        }

        private static byte[] body(Random r, TestTenant tenant, List<String> what) {
            String body = switch (r.nextInt(8)) {
                case 0 -> "";
                case 1 -> "{\"id\": " + r.nextLong() + ", \"email\": \"fuzz@example.com\"}";
                case 2 -> "{\"id\": 1, \"deep\": " + "[".repeat(r.nextInt(3000)) + "}";
                case 3 -> "not json \u0000\u0001";
                case 4 -> "{\"a\": \"" + "x".repeat(r.nextInt(70_000)) + "\"}";
                case 5 -> "[1, 2, 3]";
                case 6 -> "{\"n\": 1e999999999, \"s\": \"\\ud800\"}";
                default -> {
                    byte[] raw = new byte[r.nextInt(200)];
                    r.nextBytes(raw);
                    what.add("random body");
                    yield new String(raw, StandardCharsets.ISO_8859_1);
                }
            };
            return body.getBytes(StandardCharsets.ISO_8859_1);
        }

        private static String strangeHeader(Random r, List<String> what) {
            String h = switch (r.nextInt(12)) {
                case 0 -> "X-Long: " + "v".repeat(r.nextInt(20_000));
                case 1 -> "Bad Name: value";
                case 2 -> "NoColon";
                case 3 -> ": empty-name";
                case 4 -> "X-Folded: a\r\n continued";
                case 5 -> "X-Ctl: a\u0000b";
                case 6 -> "X-Latin: \u00ff\u00fe";
                case 7 -> "Expect: 100-continue";
                case 8 -> "Content-Encoding: " + pick(r, "gzip", "deflate", "br", "x-unknown");
                case 9 -> "Connection: " + pick(r, "close", "keep-alive", "upgrade", "Upgrade, HTTP2-Settings");
                case 10 -> "Upgrade: " + pick(r, "h2c", "websocket", "x");
                default -> "X-Dup: 1";
            };
            what.add(h.length() > 30 ? h.substring(0, 30) : h);
            return h;
        }

        /** Frames the body after the headers; adds the framing headers. Returns whether the request is complete. */
        private static boolean frame(Random r, byte[] body, List<String> headers, ByteArrayOutputStream out,
                                     List<String> what) {
            int style = r.nextInt(14);
            switch (style) {
                case 0, 1, 2 -> {
                    headers.add("Content-Length: " + body.length);
                    out.writeBytes(body);
                    what.add("content-length");
                    return true;
                }
                case 3 -> {
                    headers.add("Content-Length: " + (body.length + 1 + r.nextInt(100)));
                    out.writeBytes(body);
                    what.add("content-length larger than the body");
                    return false;
                }
                case 4 -> {
                    String v = pick(r, "-1", "abc", "1e3", "+5", " 5 ", "99999999999999999999", "0x10", "5, 6", "");
                    headers.add("Content-Length: " + v);
                    out.writeBytes(body);
                    what.add("content-length '" + v + "'");
                    return false;
                }
                case 5 -> {
                    headers.add("Content-Length: " + body.length);
                    headers.add("Content-Length: " + (body.length + 3));
                    out.writeBytes(body);
                    what.add("two content-lengths");
                    return false;
                }
                case 6 -> {
                    String te = pick(r, "gzip", "chunked, chunked", "identity", "Chunked", "gzip, chunked",
                                     "chunked, gzip", "x");
                    headers.add("Transfer-Encoding: " + te);
                    chunks(r, body, out, false);
                    what.add("transfer-encoding '" + te + "'");
                    return false;
                }
                case 7 -> {
                    headers.add("Transfer-Encoding: chunked");
                    headers.add("Content-Length: " + body.length);
                    chunks(r, body, out, false);
                    what.add("chunked and content-length");
                    return false;
                }
                case 8, 9, 10 -> {
                    headers.add("Transfer-Encoding: chunked");
                    chunks(r, body, out, false);
                    what.add("chunked");
                    return true;
                }
                case 11, 12 -> {
                    headers.add("Transfer-Encoding: chunked");
                    what.add("chunked, broken: " + chunks(r, body, out, true));
                    return false;
                }
                default -> {
                    what.add("no framing");
                    out.writeBytes(body);
                    return body.length == 0;
                }
            }
        }

        /** Writes {@code body} in chunks; with {@code broken}, one thing about them is wrong. Returns what. */
        private static String chunks(Random r, byte[] body, ByteArrayOutputStream out, boolean broken) {
            int breakage = broken ? r.nextInt(9) : -1;
            int at = 0;
            boolean first = true;
            while (at < body.length) {
                int n = Math.min(body.length - at, 1 + r.nextInt(Math.max(1, Math.min(body.length, 5000))));
                String size = Integer.toHexString(n);
                String sizeLine = first ? switch (breakage) {
                    case 0 -> "zz";
                    case 1 -> "-" + size;
                    case 2 -> "ffffffffffffffffffff";
                    case 3 -> " " + size + " ";
                    case 4 -> size + ";name=value";
                    case 5 -> Integer.toHexString(n + 1 + r.nextInt(50));
                    default -> size;
                } : size;
                String eol = breakage == 6 ? "\n" : "\r\n";
                write(out, sizeLine + eol);
                out.write(body, at, n);
                write(out, breakage == 7 && first ? "XX" : eol);
                at += n;
                first = false;
            }
            if (breakage == 8) {
                return "cut short";
            }
            write(out, "0\r\n\r\n");
            return switch (breakage) {
                case 0 -> "non-hex size";
                case 1 -> "negative size";
                case 2 -> "overflowing size";
                case 3 -> "padded size";
                case 4 -> "extension";
                case 5 -> "size larger than data";
                case 6 -> "LF only";
                case 7 -> "no CRLF after data";
                default -> "none";
            };
        }

        private static void write(ByteArrayOutputStream out, String s) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }

        @SafeVarargs
        private static <T> T pick(Random r, T... options) {
            return options[r.nextInt(options.length)];
        }
    }
}
