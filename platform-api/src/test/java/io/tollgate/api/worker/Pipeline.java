package io.tollgate.api.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.tollgate.api.GorgiasTickets;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.testing.Fixtures;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole pipeline for end-to-end tests: a real PostgreSQL, gateways started as production starts them (worker on),
 * and one WireMock server standing in for both Gorgias ({@code /api/tickets/...}) and Shopify
 * ({@code /admin/api/.../graphql.json}), reached through the tenants' {@code base_url} overrides.
 */
final class Pipeline implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    static final String BOB = "bob.norman@hostmail.com";
    /** Shopify's REST fixture order #1001 (shopify-python-api-order.json) carries this tracking number. */
    static final String TRACKING_1001 = "1Z2345";

    private final Map<String, String> overrides;
    /** Gorgias's tickets, as the worker reads them before drafting: see {@link #deliver}. */
    final GorgiasTickets tickets = new GorgiasTickets();
    TestDatabase db;
    WireMockServer stub;
    Map<String, String> env;
    Database pool;
    final List<Tollgate> servers = new ArrayList<>();

    private Pipeline(Map<String, String> overrides) {
        this.overrides = overrides;
    }

    private Pipeline open() {
        db = TestDatabase.migrated();
        stub = new WireMockServer(WireMockConfiguration.options().dynamicPort().containerThreads(20)
                                          .extensions(tickets));
        stub.start();
        env = new HashMap<>(TestServers.env(db.jdbcUrl(), db.user(), db.password()));
        env.put("TOLLGATE_WORKER_ENABLED", "true");
        env.put("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE", "true");
        env.put("TOLLGATE_WORKER_POLL_MS", "20");
        env.put("TOLLGATE_WORKER_REAP_MS", "100");
        env.put("TOLLGATE_WORKER_RETRY_BASE_MS", "50");
        env.put("TOLLGATE_WORKER_RETRY_MAX_SECONDS", "1");
        env.putAll(overrides);
        pool = Database.open(db.settings());
        stubDefaults();
        return this;
    }

    static Pipeline start(Map<String, String> overrides) {
        Pipeline p = create(overrides);
        p.startServer();
        return p;
    }

    /** The database and the stub, with no gateway yet: the test starts (and stops) its gateways itself. */
    static Pipeline create(Map<String, String> overrides) {
        return new Pipeline(overrides).open();
    }

    /**
     * The pipeline of a whole test class, as {@link #start} makes it: register it as a static
     * {@code @RegisterExtension} field; it starts before the class's tests and is closed after them.
     */
    static Pipeline forClass(Map<String, String> overrides) {
        return new Pipeline(overrides);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        open();
        startServer();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** The first gateway still running: the one tenants are created through and deliveries go to by default. */
    Tollgate server() {
        return servers.getFirst();
    }

    /** Stops a gateway as production stops it ({@link Tollgate#close}); the pipeline no longer uses it. */
    void stop(Tollgate t) {
        servers.remove(t);
        t.close();
    }

    Tollgate startServer() {
        return startServer(Map.of());
    }

    Tollgate startServer(Map<String, String> extra) {
        Map<String, String> e = new HashMap<>(env);
        e.putAll(extra);
        Tollgate t = Tollgate.start(AppConfig.load(e));
        servers.add(t);
        return t;
    }

    /**
     * Shopify answers Bob's orders (#1001 with its fixture tracking); Gorgias accepts notes and answers ticket reads
     * from {@link #tickets}.
     */
    void stubDefaults() {
        stub.stubFor(post(urlPathMatching("/admin/api/.*/graphql.json")).atPriority(10)
                             .willReturn(okJson(ordersAnswer())));
        stub.stubFor(post(urlPathMatching("/api/tickets/[0-9]+/messages")).atPriority(10)
                             .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                                                 .withBody("{\"id\": 555000111, \"channel\": \"internal-note\"}")));
        GorgiasTickets.stub(stub);
    }

    /** A GraphQL orders answer built from Shopify's REST fixture order #1001 (its name, email, dates, tracking). */
    /** Shopify answers {@code t}'s order look-ups (Bob's orders, as by default) only after {@code delayMs}. */
    void shopifyAnswersAfter(Tenant t, long delayMs) {
        stub.stubFor(post(urlPathMatching("/admin/api/.*/graphql.json")).atPriority(1)
                             .withHeader("X-Shopify-Access-Token", equalTo(t.accessToken()))
                             .willReturn(okJson(ordersAnswer()).withFixedDelay((int) delayMs)));
    }

    static String ordersAnswer() {
        JsonNode o = Webhooks.json(new String(Fixtures.bytes("shopify-python-api-order.json"),
                                              StandardCharsets.UTF_8)).get("order");
        JsonNode f = o.get("fulfillments").get(0);
        return """
                {"data": {"orders": {"nodes": [
                  {"id": "gid://shopify/Order/%d", "name": "%s", "email": "%s", "createdAt": "%s", "updatedAt": "%s",
                   "cancelledAt": null, "displayFinancialStatus": "AUTHORIZED", "displayFulfillmentStatus": "FULFILLED",
                   "fulfillments": [{"status": "SUCCESS", "trackingInfo": [
                     {"company": "UPS", "number": "%s", "url": "%s"}]}]}
                ]}}, "extensions": {"cost": {"requestedQueryCost": 12, "actualQueryCost": 6,
                  "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1994, "restoreRate": 100.0}}}}"""
                .formatted(o.get("id").asLong(), o.get("name").asText(), o.get("email").asText(),
                           java.time.OffsetDateTime.parse(o.get("created_at").asText()).toInstant(),
                           java.time.OffsetDateTime.parse(o.get("updated_at").asText()).toInstant(),
                           f.get("tracking_number").asText(), f.get("tracking_url").asText());
    }

    /** A tenant whose Gorgias and Shopify are the stub. */
    record Tenant(String slug, String username, String apiKey, String accessToken, String gorgiasSecret) {
    }

    Tenant tenant(String slug) {
        return tenant(server(), slug, null);
    }

    Tenant tenant(Tollgate via, String slug) {
        return tenant(via, slug, null);
    }

    /** @param limits a JSON object for the tenant's {@code limits}, or null for the defaults */
    Tenant tenant(String slug, String limits) {
        return tenant(server(), slug, limits);
    }

    Tenant tenant(Tollgate via, String slug, String limits) {
        String base = "http://127.0.0.1:" + stub.port();
        String username = "agent@" + slug + ".example";
        String apiKey = "gk-" + slug + "-0123456789";
        String token = "shpat_" + slug + "_0123456789";
        String body = """
                {"slug": "%1$s", "name": "Shop %1$s",
                 "gorgias": {"domain": "%2$s", "username": "%3$s", "api_key": "%4$s", "base_url": "%6$s"},
                 "shopify": {"shop_domain": "%1$s.myshopify.com", "access_token": "%5$s",
                             "webhook_secret": "shpss_%1$s", "base_url": "%6$s"}%7$s}""".formatted(
                slug, slug.replace("-", ""), username, apiKey, token, base,
                limits == null ? "" : ", \"limits\": " + limits);
        HttpResponse<String> res = Webhooks.admin(via, "POST", "/admin/tenants", body);
        if (res.statusCode() != 201) {
            throw new AssertionError("could not create " + slug + ": " + res.body());
        }
        tickets.account(username, apiKey);
        return new Tenant(slug, username, apiKey, token,
                          Webhooks.json(res.body()).get("gorgias_webhook_secret").asText());
    }

    /**
     * A Gorgias delivery as an HTTP integration sends it (the X-Tollgate-Token header); webhookId may be null. What
     * the body says about its ticket becomes the ticket's state in Gorgias first ({@link GorgiasTickets#remember}: a
     * new ticket, or messages it did not have), as the real Gorgias has it before it sends the event.
     */
    HttpResponse<String> deliver(Tenant t, byte[] body, String webhookId) {
        return deliver(server(), t, body, webhookId);
    }

    HttpResponse<String> deliver(Tollgate to, Tenant t, byte[] body, String webhookId) {
        tickets.remember(t.username(), body);
        HttpRequest.Builder b = HttpRequest.newBuilder(TestServers.uri(to, "/webhooks/" + t.slug() + "/gorgias"))
                .header("Content-Type", "application/json")
                .header("X-Tollgate-Token", t.gorgiasSecret())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (webhookId != null) {
            b.header("X-Gorgias-Webhook-Id", webhookId);
        }
        return TestServers.send(b.build());
    }

    /** A Shopify delivery signed as Shopify signs it, with the tenant's webhook secret ({@code shpss_<slug>}). */
    HttpResponse<String> shopify(Tollgate to, Tenant t, byte[] body, String topic, String eventId) {
        return Webhooks.post(to, "/webhooks/" + t.slug() + "/shopify", body,
                             "X-Shopify-Hmac-Sha256", Webhooks.shopifyHmac("shpss_" + t.slug(), body),
                             "X-Shopify-Shop-Domain", t.slug() + ".myshopify.com",
                             "X-Shopify-Topic", topic,
                             "X-Shopify-Api-Version", "2025-10",
                             "X-Shopify-Event-Id", eventId);
    }

    /**
     * Shopify's fixture order #1001 (shopify-python-api-order.json, its "order" object) as another order: id
     * {@code id}, name {@code #<number>}, updated {@code updatedAt}; the rest (customer, lines, fulfillment) as is.
     */
    static byte[] order(long id, int number, Instant updatedAt) {
        ObjectNode o = (ObjectNode) Webhooks.json(new String(Fixtures.bytes("shopify-python-api-order.json"),
                                                             StandardCharsets.UTF_8)).get("order");
        o.put("id", id);
        o.put("name", "#" + number);
        o.put("order_number", number);
        o.put("updated_at", updatedAt.toString());
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    static UUID eventId(HttpResponse<String> accepted) {
        return UUID.fromString(Webhooks.json(accepted.body()).get("event_id").asText());
    }

    /** Delivers {@code body} to {@code t} and waits until its event is processed (failing if it ends dead). */
    UUID deliverProcessed(Tenant t, byte[] body, String webhookId, Duration within) {
        UUID event = eventId(deliver(t, body, webhookId));
        awaitProcessed(event, within);
        return event;
    }

    /** Waits until the event is processed or dead, and fails unless it is processed. */
    void awaitProcessed(UUID event, Duration within) {
        assertThat(awaitStatus(event, within, "processed", "dead")).isEqualTo("processed");
    }

    /** Waits until the event's status is one of {@code done} (e.g. processed, skipped, dead). */
    String awaitStatus(UUID event, Duration within, String... done) {
        long deadline = System.nanoTime() + within.toNanos();
        Set<String> wanted = Set.of(done);
        String status = null;
        while (System.nanoTime() < deadline) {
            status = status(event);
            if (wanted.contains(status)) {
                return status;
            }
            sleep(20);
        }
        throw new AssertionError("event " + event + " is " + status + ", not " + wanted + " after " + within
                                         + "; job: " + job(event));
    }

    String status(UUID event) {
        return one("SELECT status FROM webhook_events WHERE id = ?", event);
    }

    String job(UUID event) {
        return one("SELECT status || ' attempts=' || attempts || ' last_error=' || coalesce(last_error, '-')"
                           + " FROM " + JOB_OF_EVENT, event);
    }

    /**
     * The job of the event given as the one parameter, for {@code FROM}: its row in {@code jobs} while unfinished, what
     * its event keeps of it once finished (the row is deleted then). Columns: status, attempts, last_error.
     */
    static final String JOB_OF_EVENT = """
            (SELECT coalesce(j.status, CASE WHEN e.job_finished_at IS NOT NULL THEN 'done' END) AS status,
                    coalesce(j.attempts, e.job_attempts) AS attempts,
                    CASE WHEN j.id IS NULL THEN e.job_last_error ELSE j.last_error END AS last_error
               FROM webhook_events e LEFT JOIN jobs j ON j.event_id = e.id WHERE e.id = ?) job""";

    /** Waits until {@code condition} holds, polling; fails with {@code state()} when it does not in time. */
    static void await(BooleanSupplier condition, Duration within, Supplier<String> state) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not so after " + within + ": " + state.get());
            }
            sleep(20);
        }
    }

    long count(String sql, Object... params) {
        return Long.parseLong(one(sql, params));
    }

    String one(String sql, Object... params) {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /** The notes posted to a ticket (every POST the stub received for it, answered or not). */
    List<LoggedRequest> notePosts(long ticketId) {
        return stub.findAll(postRequestedFor(urlMatching("/api/tickets/" + ticketId + "/messages")));
    }

    /** Tollgate's look-ups of a ticket's messages (GET, any query), before posting after an uncertain attempt. */
    List<LoggedRequest> messageLookups(long ticketId) {
        return stub.findAll(getRequestedFor(urlPathEqualTo("/api/tickets/" + ticketId + "/messages")));
    }

    /** A Gorgias ticket-created body: Bob asks about {@code text} on ticket {@code ticketId}. */
    static byte[] ticket(long ticketId, long messageId, String subject, String text) {
        return ("""
                {"ticket": {"id": %d, "subject": "%s", "channel": "email", "status": "open",
                 "customer": {"id": 7001, "email": "%s", "firstname": "Bob", "lastname": "Norman", "name": "Bob Norman"},
                 "messages": [
                   {"id": %d, "channel": "email", "via": "email", "from_agent": false,
                    "sender": {"id": 7001, "email": "%3$s"}, "body_text": "%s", "body_html": "<p>%5$s</p>",
                    "created_datetime": "2024-01-15T10:30:00+00:00", "external_id": null}]}}""")
                .formatted(ticketId, subject, BOB, messageId, text).getBytes(StandardCharsets.UTF_8);
    }

    /** ticket-message-created for a customer message: {"message": {...}} with the ticket id only. */
    static byte[] messageCreated(long ticketId, long messageId, String text) {
        return ("""
                {"message": {"id": %d, "ticket_id": %d, "channel": "email", "from_agent": false,
                 "sender": {"email": "%s"}, "body_text": "%s", "created_datetime": "2024-01-15T10:30:00Z"}}""")
                .formatted(messageId, ticketId, BOB, text).getBytes(StandardCharsets.UTF_8);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        for (Tollgate t : servers) {
            try {
                t.close();
            } catch (RuntimeException e) {
                // closing the rest
            }
        }
        if (stub != null) {
            stub.stop();
        }
        if (pool != null) {
            pool.close();
        }
        if (db != null) {
            db.close();
        }
    }
}
