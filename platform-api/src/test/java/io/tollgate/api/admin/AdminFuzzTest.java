package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tollgate.api.TestServers;
import io.tollgate.api.config.AppConfig;
import io.tollgate.api.Tollgate;
import io.tollgate.api.http.RouteTable;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Generated hostile input for every admin route, against the real server and database. Seeded and reproducible:
 * {@code -Dtollgate.fuzz.seed=<n>} replays a run (the seed and case count are printed, and every failure names its
 * seed and case); {@code -Dtollgate.fuzz.cases=<n>} changes the number of cases.
 *
 * <p>Each case takes one admin route (from the server's own route table) and mutates one thing: a body field (NUL,
 * other control characters, unpaired surrogates, bytes that are not UTF-8, overlong and out-of-range numbers, deep
 * nesting, wrong types, empty, very long, unusual Unicode, duplicate or unknown keys), the whole body, a query
 * parameter, or a path parameter. Requests are written on a raw socket so that malformed percent-encodings reach the
 * server as sent. For every answer: no 5xx but 503; every 4xx a problem document without a stack trace or class
 * name; every 400 names its fields; a mutation that must be refused is a 400 naming the mutated field; every
 * authenticated mutating call leaves exactly one audit row with its status; health stays 200 throughout.
 */
class AdminFuzzTest {
    private static final long DEFAULT_SEED = 0x7011_6A7EL;
    private static final int DEFAULT_CASES = 3_000;
    private static final String SHOP = "fuzz-shop";
    private static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH", "DELETE");

    private static TestDatabase db;
    private static Tollgate server;
    private static WireMockServer upstream;
    private static Connection sql;
    private static final List<UUID> EVENTS = new ArrayList<>();
    /** next_cursor values seen in answers, reused as (valid) cursors. */
    private static final List<String> CURSORS = new ArrayList<>();
    /** Audit rows written outside the checked cases (tenants created to be deleted). */
    private static long setupAudited;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.empty();
        // connect calls the fixture's upstreams: a local server that answers 404 to everything, never the real ones
        upstream = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        upstream.start();
        Map<String, String> env = new HashMap<>(TestServers.env(db.jdbcUrl(), db.user(), db.password()));
        env.put("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE", "true");
        server = Tollgate.start(AppConfig.load(env));
        AdminClient admin = new AdminClient(server);
        sql = db.connect();
        AdminClient.givenSecrets(SHOP).forEach(admin::secret);
        AdminClient.Answer created = admin.post("/admin/tenants", AdminClient.tenantBody(SHOP).replace(
                "\"api_key\":", "\"base_url\": \"http://127.0.0.1:" + upstream.port() + "\", \"api_key\":").replace(
                "\"access_token\":", "\"base_url\": \"http://127.0.0.1:" + upstream.port() + "\", \"access_token\":"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).contains("\"base_url\":\"http://127.0.0.1:" + upstream.port());
        // its audit row may land just after the answer: wait for it, so case 0 does not take it for its own
        assertThat(auditRowsAfter(0)).hasSize(1);
        UUID tenant;
        try (PreparedStatement ps = sql.prepareStatement("SELECT id FROM tenants WHERE slug = ?")) {
            ps.setString(1, SHOP);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                tenant = rs.getObject(1, UUID.class);
            }
        }
        for (int i = 0; i < 6; i++) {
            EVENTS.add(insertEvent(tenant, i % 3 == 0 ? "rejected" : "dead", i));
        }
    }

    @AfterAll
    static void stop() throws SQLException {
        sql.close();
        server.close();
        upstream.stop();
        db.close();
    }

    // --- the run ---------------------------------------------------------------------------------------------

    @Test
    void everyAdminRouteSurvivesGeneratedHostileInput() {
        long seed = Long.getLong("tollgate.fuzz.seed", DEFAULT_SEED);
        int cases = Integer.getInteger("tollgate.fuzz.cases", DEFAULT_CASES);
        Random random = new Random(seed);
        Map<String, RouteSpec> specs = specs();
        List<RouteTable.Route> routes = server.routes().stream().filter(r -> r.path().startsWith("/admin")).toList();
        // the route table is the list of what to fuzz; a new route without a spec here fails this test
        assertThat(specs.keySet()).as("admin routes covered by the fuzz")
                .containsExactlyInAnyOrderElementsOf(routes.stream().map(r -> r.method() + " " + r.path()).toList());

        // routes that take a body or query parameters have more to mutate: they come up more often
        List<RouteTable.Route> weighted = new ArrayList<>();
        for (RouteTable.Route route : routes) {
            RouteSpec spec = specs.get(route.method() + " " + route.path());
            int weight = spec.body() != null ? 3 : spec.query().isEmpty() ? 1 : 2;
            for (int i = 0; i < weight; i++) {
                weighted.add(route);
            }
        }
        Generator gen = new Generator(random);
        Stats stats = new Stats();
        long started = System.nanoTime();
        System.out.printf("AdminFuzzTest seed=%d cases=%d (replay: -Dtollgate.fuzz.seed=%d)%n", seed, cases, seed);
        List<String> failures = new ArrayList<>();
        for (int n = 0; n < cases; n++) {
            RouteTable.Route route = weighted.get(random.nextInt(weighted.size()));
            Case c = gen.generate(specs.get(route.method() + " " + route.path()), route);
            try {
                check(seed, n, c, stats);
            } catch (AssertionError e) {
                // keep going, so that one run shows every kind of failure; reported together below
                failures.add(e.getMessage());
                if (failures.size() >= 25) {
                    break;
                }
            }
            if (n % 250 == 0) {
                assertThat(TestServers.get(server, "/observe/health").statusCode())
                        .as("health after case %d (seed %d)", n, seed).isEqualTo(200);
            }
        }
        assertThat(failures).as("failed cases (seed %d)", seed).isEmpty();
        assertThat(TestServers.get(server, "/observe/health").statusCode()).as("health at the end").isEqualTo(200);
        assertThat(auditRowCount()).as("audit rows: exactly one per authenticated mutating call")
                .isEqualTo(stats.audited + stats.auditedBefore + setupAudited);
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("AdminFuzzTest seed=%d cases=%d in %d ms; statuses %s; mutations %s; must-refuse %d;"
                                  + " audited %d; refused before routing %d%n", seed, cases, ms,
                          new TreeMap<>(stats.statuses), new TreeMap<>(stats.kinds), stats.mustRefuse, stats.audited,
                          stats.unparsed);
        // the run covered what it claims to: hostile cases did reach validation, and the valid ones did succeed
        assertThat(stats.mustRefuse).isGreaterThan(cases / 10);
        assertThat(stats.statuses.keySet()).contains(200, 400, 404);
    }

    private static final class Stats {
        final Map<Integer, Integer> statuses = new HashMap<>();
        final Map<String, Integer> kinds = new HashMap<>();
        int mustRefuse;
        int unparsed;
        long audited;
        final long auditedBefore = auditRowCount();
    }

    private static void check(long seed, int n, Case c, Stats stats) {
        String what = "case " + n + " (seed " + seed + "): " + c.method() + " " + abbreviate(c.target()) + " ["
                + c.kind() + "] body " + abbreviate(c.body() == null ? "none"
                                                            : new String(c.body(), StandardCharsets.UTF_8));
        long lastAudit = lastAuditId();
        Reply r = Raw.send(server.port(), c.method(), c.target(), c.body());
        boolean unparsed = r.status() == 400 && r.body().contains("/malformed-request\"");
        // collected first, so that a failed assertion below never leaves this row to be taken for the next case's
        List<int[]> rows = MUTATING.contains(c.method()) && !unparsed ? auditRowsAfter(lastAudit) : List.of();
        stats.statuses.merge(r.status(), 1, Integer::sum);
        stats.kinds.merge(c.kind(), 1, Integer::sum);
        String answer = what + "\n  answered " + r.status() + " " + r.contentType() + " " + abbreviate(r.body());

        assertThat(r.status()).as(answer).isBetween(200, 499);
        assertThat(r.body()).as(answer).doesNotContain(TestServers.ADMIN_TOKEN);
        if (r.status() >= 400) {
            assertThat(r.contentType()).as(answer).startsWith("application/problem+json");
            assertThat(r.body()).as(answer).doesNotContainIgnoringCase("exception").doesNotContain("\tat ")
                    .doesNotContain("java.").doesNotContain("com.fasterxml").doesNotContain("io.helidon")
                    .doesNotContain("io.tollgate").doesNotContain("org.postgresql");
            JsonNode problem = parse(r.body(), answer);
            assertThat(problem.path("status").asInt()).as(answer).isEqualTo(r.status());
            if (r.status() == 400) {
                List<String> fields = problem.path("errors").findValuesAsText("field");
                assertThat(fields).as(answer).isNotEmpty().allSatisfy(f -> assertThat(f).isNotBlank());
            }
        }
        if (r.status() == 200 && r.body().contains("\"next_cursor\"") && CURSORS.size() < 50) {
            CURSORS.add(parse(r.body(), answer).path("next_cursor").asText());
        }
        if (c.mustRefuse() != null) {
            stats.mustRefuse++;
            assertThat(r.status()).as(answer).isEqualTo(400);
            assertThat(parse(r.body(), answer).path("errors").findValuesAsText("field")).as(answer)
                    .containsAnyElementsOf(c.mustRefuse());
        }
        if (unparsed) {
            // refused while parsing the request, before authentication: nothing was done, nothing is audited
            stats.unparsed++;
            assertThat(auditRowsAfterNow(lastAudit)).as("no audit row for " + answer).isEmpty();
        } else if (MUTATING.contains(c.method())) {
            assertThat(rows).as("one audit row for " + answer).hasSize(1);
            assertThat(rows.getFirst()[1]).as("audited status for " + answer).isEqualTo(r.status());
            stats.audited++;
        }
    }

    // --- what each route takes ----------------------------------------------------------------------------------

    /** One admin route: the query parameters it reads and a valid body for it (null: it takes none). */
    record RouteSpec(List<String> query, Function<Random, ObjectNode> body) {
    }

    private static Map<String, RouteSpec> specs() {
        Map<String, RouteSpec> m = new LinkedHashMap<>();
        List<String> none = List.of();
        m.put("POST /admin/tenants", new RouteSpec(none, AdminFuzzTest::tenantBody));
        m.put("GET /admin/tenants", new RouteSpec(List.of("limit", "cursor", "connection"), null));
        m.put("GET /admin/tenants/{slug}", new RouteSpec(none, null));
        m.put("PATCH /admin/tenants/{slug}", new RouteSpec(none, AdminFuzzTest::patchBody));
        m.put("DELETE /admin/tenants/{slug}", new RouteSpec(none, null));
        m.put("POST /admin/tenants/{slug}/suspend", new RouteSpec(none, null));
        m.put("POST /admin/tenants/{slug}/resume", new RouteSpec(none, null));
        m.put("POST /admin/tenants/{slug}/connect", new RouteSpec(none, AdminFuzzTest::connectBody));
        m.put("POST /admin/tenants/{slug}/secrets/rotate", new RouteSpec(none, AdminFuzzTest::rotateBody));
        m.put("GET /admin/tenants/{slug}/events",
              new RouteSpec(List.of("status", "provider", "topic", "received_after", "received_before", "q", "limit",
                                    "cursor"), null));
        m.put("GET /admin/tenants/{slug}/events/{event_id}", new RouteSpec(none, null));
        m.put("POST /admin/tenants/{slug}/events/{event_id}/replay", new RouteSpec(none, null));
        m.put("POST /admin/tenants/{slug}/events/{event_id}/discard", new RouteSpec(none, null));
        m.put("GET /admin/tenants/{slug}/events/count",
              new RouteSpec(List.of("status", "provider", "topic", "received_after", "received_before", "q"), null));
        m.put("POST /admin/tenants/{slug}/events/discard", new RouteSpec(none, AdminFuzzTest::bulkBody));
        m.put("POST /admin/tenants/{slug}/events/replay", new RouteSpec(none, AdminFuzzTest::bulkBody));
        m.put("GET /admin/tenants/{slug}/events/replays/{batch}", new RouteSpec(none, null));
        m.put("GET /admin/tenants/{slug}/privacy", new RouteSpec(List.of("limit", "cursor"), null));
        m.put("GET /admin/tenants/{slug}/data-requests", new RouteSpec(List.of("state", "limit", "cursor"), null));
        m.put("GET /admin/tenants/{slug}/data-requests/{id}", new RouteSpec(none, null));
        m.put("POST /admin/tenants/{slug}/data-requests/{id}/delivered", new RouteSpec(none, null));
        // tokens made here never manage tokens, so disabling the bootstrap token (the fuzzer's own) is always 409
        m.put("POST /admin/tokens", new RouteSpec(none, r -> {
            ObjectNode b = object().put("name", "robot-" + r.nextInt(1_000_000)).put("ttl_seconds", 3_600);
            b.putArray("scopes").add("read");
            return b;
        }));
        m.put("GET /admin/tokens", new RouteSpec(none, null));
        m.put("DELETE /admin/tokens/{id}", new RouteSpec(none, null));
        m.put("GET /admin/tokens/bootstrap", new RouteSpec(none, null));
        m.put("POST /admin/tokens/bootstrap/disable", new RouteSpec(none, null));
        m.put("GET /admin/keys", new RouteSpec(none, null));
        // its limit is a query parameter of a POST; queryCase sends GETs
        m.put("POST /admin/keys/reencrypt", new RouteSpec(none, null));
        m.put("GET /admin/audit", new RouteSpec(List.of("tenant", "actor", "action", "after", "before", "limit",
                                                         "cursor"), null));
        m.put("GET /admin/attention", new RouteSpec(none, null));
        m.put("GET /admin/tenant-summaries", new RouteSpec(List.of("q", "status", "connection", "limit", "cursor"),
                                                           null));
        m.put("GET /admin/tenants/{slug}/stats", new RouteSpec(List.of("hours"), null));
        return m;
    }

    private static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    private static ObjectNode tenantBody(Random r) {
        String slug = "fz-" + Integer.toString(r.nextInt(Integer.MAX_VALUE), 36);
        ObjectNode b = object().put("slug", slug).put("name", "Fuzz " + slug);
        b.putObject("gorgias").put("domain", slug.replace("-", "")).put("username", "agent@" + slug + ".example")
                .put("api_key", "gk-" + slug + "-0123456789");
        b.putObject("shopify").put("shop_domain", slug + ".myshopify.com").put("access_token", "shpat_" + slug)
                .put("webhook_secret", "shpss_" + slug + "_0123456789").put("api_version", "2025-10");
        b.set("limits", limits());
        if (r.nextBoolean()) {
            b.put("draft_only", r.nextBoolean());
        }
        return b;
    }

    private static ObjectNode patchBody(Random r) {
        ObjectNode b = object().put("name", "Fuzzed " + r.nextInt(1000));
        if (r.nextBoolean()) {
            b.put("draft_only", r.nextBoolean());
        }
        b.putObject("gorgias").put("domain", "fuzzshop").put("username", "agent@fuzz-shop.example")
                .put("api_key", "gk-fuzz-shop-" + r.nextInt(1000) + "-0123456789");
        b.putObject("shopify").put("shop_domain", "fuzz-shop.myshopify.com").put("access_token", "shpat_fuzz")
                .put("api_version", "2025-07");
        b.set("limits", limits());
        return b;
    }

    private static ObjectNode limits() {
        return object().put("rate_per_minute", 600).put("burst", 100).put("max_payload_bytes", 1_048_576)
                .put("timeout_ms", 5_000).put("max_concurrent", 16);
    }

    private static ObjectNode connectBody(Random r) {
        ObjectNode b = object();
        var providers = b.putArray("providers");
        switch (r.nextInt(3)) {
            case 0 -> providers.add("gorgias");
            case 1 -> providers.add("shopify");
            default -> providers.add("gorgias").add("shopify");
        }
        return b;
    }

    /** A bulk discard or replay of dead events as a count call would have it (a stale count is a 409, not a 400). */
    private static ObjectNode bulkBody(Random r) {
        ObjectNode b = object().put("status", "dead").put("as_of", Instant.now().toString())
                .put("expected_count", r.nextInt(6)).put("dry_run", r.nextBoolean());
        if (r.nextBoolean()) {
            b.put("provider", r.nextBoolean() ? "gorgias" : "shopify");
        }
        if (r.nextInt(3) == 0) {
            b.put("received_after", Instant.now().minusSeconds(86_400).toString());
        }
        if (r.nextInt(3) == 0) {
            b.put("q", r.nextBoolean() ? "jane@example.com" : "50%_off \\ .*");
        }
        return b;
    }

    private static ObjectNode rotateBody(Random r) {
        return r.nextBoolean() ? object().put("provider", "gorgias").put("grace_seconds", 60)
                : object().put("provider", "shopify").put("grace_seconds", 3_600)
                .put("webhook_secret", "shpss_rotated_" + r.nextInt(1_000_000));
    }

    // --- generating cases ---------------------------------------------------------------------------------------

    /**
     * One request. {@code target} is the raw request target, percent-encoded as it goes on the wire;
     * {@code mustRefuse} names the field a 400 must name, when the mutation is one that must always be refused.
     */
    record Case(String method, String target, byte[] body, String kind, List<String> mustRefuse) {
        Case(String method, String target, byte[] body, String kind, String mustRefuse) {
            this(method, target, body, kind, mustRefuse == null ? null : List.of(mustRefuse));
        }
    }

    /** For a case that need not be refused. */
    private static final List<String> NO_FIELD = null;

    /** A placeholder in a serialised body, replaced by raw JSON text or raw bytes. */
    private static final String MARK = "\u2603fuzz\u2603";

    private static final class Generator {
        private final Random r;

        Generator(Random r) {
            this.r = r;
        }

        Case generate(RouteSpec spec, RouteTable.Route route) {
            int choice = r.nextInt(100);
            boolean hasPathParams = route.path().contains("{");
            if (spec.body() != null && choice < 70) {
                return bodyCase(spec, route);
            }
            if (!spec.query().isEmpty() && choice < 85) {
                return queryCase(spec, route);
            }
            if (hasPathParams && choice < 95) {
                String path = path(route, true);
                return new Case(route.method(), path, junkBodyMaybe(spec), "path", NO_FIELD);
            }
            return new Case(route.method(), path(route, false), validBody(spec), "valid", NO_FIELD);
        }

        private byte[] validBody(RouteSpec spec) {
            return spec.body() == null ? null : spec.body().apply(r).toString().getBytes(StandardCharsets.UTF_8);
        }

        /** Routes without a body ignore one; sometimes send junk anyway. */
        private byte[] junkBodyMaybe(RouteSpec spec) {
            if (spec.body() != null) {
                return validBody(spec);
            }
            return r.nextInt(5) == 0 ? new byte[]{'{', 0, (byte) 0xFF, '"'} : null;
        }

        private String path(RouteTable.Route route, boolean mutate) {
            String p = route.path();
            List<String> params = new ArrayList<>();
            for (String name : List.of("{slug}", "{event_id}", "{id}", "{batch}")) {
                if (p.contains(name)) {
                    params.add(name);
                }
            }
            String hostile = mutate ? params.get(r.nextInt(params.size())) : null;
            for (String name : params) {
                String value = name.equals(hostile) ? pick(HOSTILE_PATH) : switch (name) {
                    case "{slug}" -> route.method().equals("DELETE") ? victim() : SHOP;
                    case "{event_id}" -> EVENTS.get(r.nextInt(EVENTS.size())).toString();
                    default -> UUID.randomUUID().toString();
                };
                p = p.replace(name, value);
            }
            return p;
        }

        /** A tenant made to be deleted, so that DELETE with a valid slug never takes the fixture. */
        private String victim() {
            String slug = "fz-victim-" + Integer.toString(r.nextInt(Integer.MAX_VALUE), 36);
            long before = lastAuditId();
            AdminClient.Answer a = new AdminClient(server).post("/admin/tenants",
                                                                AdminClient.tenantBody(slug));
            assertThat(a.status()).as(a.body()).isEqualTo(201);
            setupAudited++;
            // its audit row may land just after the answer: wait for it, so it is not taken for the next case's
            assertThat(auditRowsAfter(before)).hasSize(1);
            return slug;
        }

        private Case queryCase(RouteSpec spec, RouteTable.Route route) {
            String param = pick(spec.query());
            String path = path(route, false);
            int k = r.nextInt(100);
            String value;
            String mustRefuse = null;
            String kind;
            if (k < 25) {
                value = pick(CONTROL_ENCODED);
                if (r.nextBoolean()) {
                    value = "ab" + value + "cd";
                }
                mustRefuse = param;
                kind = "query-control";
            } else if (k < 45 && param.equals("cursor")) {
                Map.Entry<String, Boolean> crafted = craftedCursor(route);
                value = crafted.getKey();
                mustRefuse = crafted.getValue() ? "cursor" : null;
                kind = "query-cursor";
            } else if (k < 55 && param.equals("limit")) {
                value = pick(BAD_LIMITS);
                mustRefuse = "limit";
                kind = "query-limit";
            } else {
                value = pick(ODD_QUERY_VALUES);
                if (value.equals("LONG")) {
                    value = "a".repeat(1 + r.nextInt(1_500));
                }
                kind = "query-odd";
            }
            StringBuilder target = new StringBuilder(path).append('?');
            if (r.nextBoolean()) {
                // another, valid parameter around the hostile one
                target.append("limit=").append(1 + r.nextInt(200)).append('&');
            }
            if (param.equals("limit") && target.indexOf("limit=") >= 0) {
                target.setLength(path.length() + 1);
            }
            target.append(param).append('=').append(value);
            return new Case("GET", target.toString(), null, kind, mustRefuse);
        }

        /** A cursor that decodes; true when it must be refused (a part no cursor of ours could hold). */
        private Map.Entry<String, Boolean> craftedCursor(RouteTable.Route route) {
            boolean events = route.path().endsWith("/events");
            boolean audit = route.path().equals("/admin/audit");
            int k = r.nextInt(10);
            if (k == 0 && !CURSORS.isEmpty()) {
                return Map.entry(pick(CURSORS), false);
            }
            if (k == 1) {
                byte[] raw = new byte[1 + r.nextInt(40)];
                r.nextBytes(raw);
                return Map.entry(Base64.getUrlEncoder().withoutPadding().encodeToString(raw), true);
            }
            if (k == 2) {
                // not UTF-8 after the version
                byte[] raw = {'v', '1', '|', (byte) 0xC3, (byte) 0x28, (byte) 0xFF};
                return Map.entry(Base64.getUrlEncoder().withoutPadding().encodeToString(raw), true);
            }
            String text;
            if (events) {
                text = "v1|" + pick(List.of("+300000-01-01T00:00:00Z", "-1000000-01-01T00:00:00Z",
                                             "-4714-11-24T00:00:00Z", "+294277-01-01T00:00:00Z", "yesterday",
                                             "2024-01-01T00:00:00Z\u0000", "1970-01-01T00:00:00Z"))
                        + "|" + pick(List.of("not-a-uuid", "\u0000", "", UUID.randomUUID() + "\u0000",
                                             "1-1-1-1-1", "ffffffff-ffff-ffff-ffff-ffffffffffffff"));
            } else if (audit) {
                text = "v1|" + pick(List.of("99999999999999999999", "-5", "1e3", "\u0000", "", "12\u00003",
                                             "\uD800"));
            } else {
                text = "v1|" + pick(List.of("a\u0000", "\u0000", "x|y", "\u0001", "\u007f"));
            }
            return Map.entry(Base64.getUrlEncoder().withoutPadding()
                                     .encodeToString(text.getBytes(StandardCharsets.UTF_8)), true);
        }

        private Case bodyCase(RouteSpec spec, RouteTable.Route route) {
            String path = path(route, false);
            ObjectNode body = spec.body().apply(r);
            if (r.nextInt(12) == 0) {
                return new Case(route.method(), path, pick(wholeBodies(body)), "body-whole", NO_FIELD);
            }
            List<String[]> leaves = new ArrayList<>();
            collect(body, "", leaves);
            String[] leaf = leaves.get(r.nextInt(leaves.size()));
            String field = leaf[0];
            ObjectNode parent = parentOf(body, field);
            String key = leaf[1];
            JsonNode old = parent.get(key);
            String oldText = old.isTextual() ? old.asText() : old.toString();
            int k = r.nextInt(15);
            switch (k) {
                case 0, 1 -> {
                    parent.put(key, insert(oldText, MARK));
                    return text(route, path, body, "\\u0000", "nul", field);
                }
                case 2 -> {
                    parent.put(key, insert(oldText, MARK));
                    return text(route, path, body, pick(CONTROL_ESCAPES), "control", field);
                }
                case 3 -> {
                    parent.put(key, insert(oldText, MARK));
                    return text(route, path, body, pick(List.of("\\ud800", "\\udbff", "\\udc00", "\\udfff",
                                                                "\\udc00\\ud800", "\\ud83d")), "surrogate", field);
                }
                case 4 -> {
                    parent.put(key, insert(oldText, MARK));
                    byte[] raw = pick(List.of(new byte[]{(byte) 0xC3, (byte) 0x28}, new byte[]{(byte) 0xFF},
                                              new byte[]{(byte) 0xC0, (byte) 0x80},
                                              new byte[]{(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                                              new byte[]{(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80},
                                              new byte[]{0}, new byte[]{0x1F}, new byte[]{'\n'}));
                    // refused as malformed, or (a decoder that maps an overlong NUL or an encoded surrogate to
                    // a char) as unstorable text in the field
                    return new Case(route.method(), path, replaceBytes(body.toString(), raw), "raw-bytes",
                                    List.of("(body)", field));
                }
                case 5 -> {
                    parent.put(key, MARK);
                    String digits = (r.nextBoolean() ? "-" : "") + "9".repeat(101 + r.nextInt(5_000))
                            + (r.nextBoolean() ? "" : ".5");
                    return raw(route, path, body, digits, "huge-number", field);
                }
                case 6 -> {
                    parent.put(key, MARK);
                    return raw(route, path, body, pick(EDGE_NUMBERS), "edge-number", (String) null);
                }
                case 7 -> {
                    parent.put(key, MARK);
                    int depth = 17 + r.nextInt(r.nextBoolean() ? 40 : 5_000);
                    String nested = r.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth)
                            : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
                    return raw(route, path, body, nested, "deep", "(body)");
                }
                case 8 -> {
                    parent.put(key, MARK);
                    String wrong = pick(List.of("true", "false", "null", "[]", "{}", "\"123\"", "123", "[1,2]",
                                                "{\"a\":1}", "0"));
                    return raw(route, path, body, wrong, "wrong-type", (String) null);
                }
                case 9 -> {
                    parent.put(key, pick(List.of("", " ", "\u00a0", "\u3000", "\t".repeat(0) + "  x  ")));
                    return new Case(route.method(), path, utf8(body), "empty", NO_FIELD);
                }
                case 10 -> {
                    parent.put(key, String.valueOf((char) ('a' + r.nextInt(26))).repeat(1 + r.nextInt(
                            r.nextBoolean() ? 600 : 70_000)));
                    return new Case(route.method(), path, utf8(body), "long", NO_FIELD);
                }
                case 11 -> {
                    parent.put(key, insert(oldText, pick(UNICODE)));
                    return new Case(route.method(), path, utf8(body), "unicode", NO_FIELD);
                }
                case 12 -> {
                    String json = body.toString();
                    String dup = ",\"" + key + "\":" + parent.get(key).toString();
                    parent.put(key, MARK);
                    String marked = body.toString();
                    // key:"MARK" becomes key:<old>,key:<old>
                    String withDup = marked.replace("\"" + MARK + "\"", parentValue(json, field) + dup);
                    return new Case(route.method(), path, withDup.getBytes(StandardCharsets.UTF_8), "duplicate",
                                    field);
                }
                case 13 -> {
                    // the key holds an escape; the 400 names it with the character written as \\uXXXX
                    String[] bad = pick(List.of(new String[]{"\\u0000", "\\u0000"}, new String[]{"\\u0001", "\\u0001"},
                                                new String[]{"\\ud800", "\\ud800"}, new String[]{"\\n", "\\u000a"}));
                    parent.put("k" + MARK, 1);
                    String parentPath = field.contains(".") ? field.substring(0, field.lastIndexOf('.')) : "";
                    String named = parentPath.isEmpty() ? "k" + bad[1] : parentPath + ".k" + bad[1];
                    // Jackson itself refuses an unpaired surrogate in a key as malformed
                    return new Case(route.method(), path, body.toString().replace(MARK, bad[0])
                            .getBytes(StandardCharsets.UTF_8), "bad-key", List.of(named, "(body)"));
                }
                default -> {
                    parent.put("surprise_" + r.nextInt(100), r.nextInt(100));
                    return new Case(route.method(), path, utf8(body), "unknown-key", NO_FIELD);
                }
            }
        }

        private List<byte[]> wholeBodies(ObjectNode valid) {
            byte[] ok = utf8(valid);
            byte[] truncated = java.util.Arrays.copyOf(ok, 1 + r.nextInt(ok.length - 1));
            byte[] bom = new byte[ok.length + 3];
            bom[0] = (byte) 0xEF;
            bom[1] = (byte) 0xBB;
            bom[2] = (byte) 0xBF;
            System.arraycopy(ok, 0, bom, 3, ok.length);
            return List.of(new byte[0], ascii("null"), ascii("[]"), ascii("\"x\""), ascii("{}"), ascii("   "),
                           truncated, ascii(valid + " {}"), ascii(valid + "}"), bom,
                           valid.toString().getBytes(StandardCharsets.UTF_16BE), new byte[]{0, '{', '}'},
                           ascii(" ".repeat(70_000) + "{}"), ascii("\"\\u0000\""), ascii("[" + valid + "]"),
                           ascii("{\"\\u0000\": 1}"), ascii("1".repeat(5_000)));
        }

        private Case text(RouteTable.Route route, String path, ObjectNode body, String escape, String kind,
                          String field) {
            return new Case(route.method(), path, body.toString().replace(MARK, escape)
                    .getBytes(StandardCharsets.UTF_8), kind, field);
        }

        private Case raw(RouteTable.Route route, String path, ObjectNode body, String json, String kind,
                         String field) {
            return new Case(route.method(), path, body.toString().replace("\"" + MARK + "\"", json)
                    .getBytes(StandardCharsets.UTF_8), kind, field);
        }

        private String insert(String s, String what) {
            int at = r.nextInt(s.length() + 1);
            return s.substring(0, at) + what + s.substring(at);
        }

        private <T> T pick(List<T> from) {
            return from.get(r.nextInt(from.size()));
        }
    }

    private static final List<String> CONTROL_ENCODED = List.of("%00", "%01", "%07", "%0A", "%0D", "%1B", "%1F",
                                                                "%7F", "%C2%80", "%C2%85", "%C2%9F");
    private static final List<String> CONTROL_ESCAPES = List.of("\\u0001", "\\b", "\\t", "\\n", "\\r", "\\f",
                                                                "\\u001b", "\\u001f", "\\u007f", "\\u0085",
                                                                "\\u009f");
    private static final List<String> BAD_LIMITS = List.of("99999999999999999999", "-1", "0", "201", "1e2", "ten",
                                                           "%EF%BC%91", "%D9%A5", "1.5", "0x10", "%2B%2B1",
                                                           "2147483648");
    private static final List<String> ODD_QUERY_VALUES = List.of("%ZZ", "%", "%E2%82", "%C3%28", "%FF%FE",
                                                                 "%ED%A0%80", "%F0%9F%92%A9", "", "+", "%20",
                                                                 "%2B5", "dead", "DEAD", "processed", "5", "200",
                                                                 "fuzz-shop", "LONG", "%26%3D", "a%2Fb",
                                                                 "%E2%80%AE", "%EF%BB%BF");
    private static final List<String> HOSTILE_PATH = List.of("no-such-shop", "%00", "a%00b", "%C3%28", "%ZZ",
                                                             "x".repeat(300), "%F0%9F%92%A9", "%2e%2e", "A",
                                                             "-bad-", "not-a-uuid", "%0A",
                                                             "00000000-0000-0000-0000-000000000000",
                                                             "%E2%80%AE", UUID.randomUUID().toString());
    private static final List<String> EDGE_NUMBERS = List.of("1e400", "-1e400", "99999999999999999999", "-1", "0",
                                                             "2147483648", "-9223372036854775809", "1.5", "-0.0",
                                                             "1E2", "0.1e-400", "9223372036854775807", "1e-7",
                                                             "100000", "1000001");
    private static final List<String> UNICODE = List.of("\uD83D\uDCA9", "\u202Eevil", "e\u0301",
                                                        "\u0645\u062A\u062C\u0631",
                                                        "\u5E97", "\uFEFF", "\uFF11\uFF12", "\u01C5", "\u200B",
                                                        "\uFFFD", "\uD834\uDD1E");

    private static byte[] utf8(ObjectNode body) {
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The body with the placeholder (inside a JSON string) replaced by raw bytes. */
    private static byte[] replaceBytes(String json, byte[] raw) {
        int at = json.indexOf(MARK);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(json.substring(0, at).getBytes(StandardCharsets.UTF_8));
        out.writeBytes(raw);
        out.writeBytes(json.substring(at + MARK.length()).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** Every field of the body, as {dotted path, key}, objects included. */
    private static void collect(ObjectNode node, String prefix, List<String[]> out) {
        node.fieldNames().forEachRemaining(k -> {
            String path = prefix.isEmpty() ? k : prefix + "." + k;
            out.add(new String[]{path, k});
            if (node.get(k) instanceof ObjectNode child) {
                collect(child, path, out);
            }
        });
    }

    private static ObjectNode parentOf(ObjectNode root, String path) {
        ObjectNode n = root;
        String[] parts = path.split("\\.");
        for (int i = 0; i < parts.length - 1; i++) {
            n = (ObjectNode) n.get(parts[i]);
        }
        return n;
    }

    /** The JSON text of the value at {@code path} in the serialised body {@code json}. */
    private static String parentValue(String json, String path) {
        JsonNode n = parse(json, path);
        for (String p : path.split("\\.")) {
            n = n.get(p);
        }
        return n.toString();
    }

    private static String escape(String key) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            b.append(Character.isISOControl(c) || Character.isSurrogate(c)
                             ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }

    private static JsonNode parse(String json, String context) {
        try {
            return AdminClient.JSON.readTree(json);
        } catch (IOException e) {
            return fail("not JSON: " + context, e);
        }
    }

    private static String abbreviate(String s) {
        String printable = escape(s);
        return printable.length() <= 300 ? printable : printable.substring(0, 300) + "...(" + s.length() + " chars)";
    }

    // --- the audit log, read directly ----------------------------------------------------------------------

    private static long lastAuditId() {
        try (PreparedStatement ps = sql.prepareStatement("SELECT coalesce(max(id), 0) FROM audit_log");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The audit rows after {@code afterId} as they are now, without waiting. */
    private static List<long[]> auditRowsAfterNow(long afterId) {
        List<long[]> rows = new ArrayList<>();
        try (PreparedStatement ps = sql.prepareStatement("SELECT id, status FROM audit_log WHERE id > ?")) {
            ps.setLong(1, afterId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new long[]{rs.getLong(1), rs.getInt(2)});
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }

    private static long auditRowCount() {
        try (PreparedStatement ps = sql.prepareStatement("SELECT count(*) FROM audit_log");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The audit rows (id, status) after {@code afterId}. The row of a call is written once its handler is done,
     * which can be just after the answer reached the client, so this waits (up to a generous bound) for the first.
     */
    private static List<int[]> auditRowsAfter(long afterId) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        List<int[]> rows = new ArrayList<>();
        while (true) {
            rows.clear();
            try (PreparedStatement ps = sql.prepareStatement("SELECT id, status FROM audit_log WHERE id > ?"
                                                                     + " ORDER BY id")) {
                ps.setLong(1, afterId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new int[]{(int) rs.getLong(1), rs.getInt(2)});
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            if (!rows.isEmpty() || Instant.now().isAfter(deadline)) {
                return rows;
            }
            try {
                Thread.sleep(2); // poll interval while the row is on its way
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static UUID insertEvent(UUID tenant, String status, int minutesAgo) throws SQLException {
        UUID id = UUID.randomUUID();
        String body = status.equals("rejected") ? "not json {" : "{\"n\": " + minutesAgo + "}";
        try (PreparedStatement ps = sql.prepareStatement("""
                INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, headers,
                                            status, received_at)
                VALUES (?, ?, 'shopify', 'orders/create', ?, sha256(?::bytea), ?::bytea, '{}'::jsonb, ?,
                        now() - make_interval(mins => ?))""")) {
            ps.setObject(1, id);
            ps.setObject(2, tenant);
            ps.setString(3, "orders/create:" + id);
            ps.setBytes(4, body.getBytes(StandardCharsets.UTF_8));
            ps.setBytes(5, body.getBytes(StandardCharsets.UTF_8));
            ps.setString(6, status);
            ps.setInt(7, minutesAgo);
            ps.executeUpdate();
        }
        return id;
    }

    // --- a raw HTTP/1.1 client: the request target goes out exactly as generated -------------------------------

    record Reply(int status, String contentType, String body) {
    }

    static final class Raw {
        private Raw() {
        }

        static Reply send(int port, String method, String target, byte[] body) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                StringBuilder head = new StringBuilder()
                        .append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                        .append("Host: 127.0.0.1:").append(port).append("\r\n")
                        .append("Authorization: Bearer ").append(TestServers.ADMIN_TOKEN).append("\r\n")
                        .append("Connection: close\r\n");
                if (body != null) {
                    head.append("Content-Type: application/json\r\n");
                }
                if (body != null || MUTATING.contains(method)) {
                    head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n");
                }
                head.append("\r\n");
                out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                try {
                    if (body != null) {
                        out.write(body);
                    }
                    out.flush();
                } catch (IOException e) {
                    // the server may answer (413) and close before reading a large body; read its answer
                }
                return parse(s.getInputStream());
            } catch (IOException e) {
                throw new UncheckedIOException("no answer to " + method + " " + abbreviate(target), e);
            }
        }

        /** One answer, read by its framing (the server need not close the connection after it). */
        private static Reply parse(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("no complete answer: " + abbreviate(head.toString(
                            StandardCharsets.ISO_8859_1)));
                }
                head.write(c);
                byte[] h = head.toByteArray();
                int n = h.length;
                if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                    break;
                }
            }
            String[] lines = head.toString(StandardCharsets.ISO_8859_1).trim().split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            lines[i].substring(colon + 1).trim());
            }
            byte[] body;
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                while (true) {
                    String sizeLine = line(in);
                    int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                    if (size == 0) {
                        break;
                    }
                    out.write(in.readNBytes(size));
                    line(in);
                }
                body = out.toByteArray();
            } else if (headers.containsKey("content-length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            } else {
                body = in.readAllBytes();
            }
            return new Reply(status, headers.getOrDefault("content-type", ""),
                             new String(body, StandardCharsets.UTF_8));
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }
    }

    @SuppressWarnings("unused")
    private static String describe(Map<String, Integer> m) {
        return m.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }
}
