package io.tollgate.api.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.tollgate.api.LogCapture;
import io.tollgate.api.Webhooks;
import io.tollgate.tenant.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * CONTRACT §2 over HTTP: signed Gorgias deliveries go in, internal notes come out at the Gorgias stub, exactly once
 * per customer message.
 */
class WorkerEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    @RegisterExtension
    static final Pipeline p = Pipeline.forClass(Map.of());

    @Test
    void aCustomerAskingAbout1001GetsOneNoteNamingItAndItsTracking() {
        Pipeline.Tenant t = p.tenant("e2e-happy");
        long ticket = 41_000_000_001L;
        HttpResponse<String> res = p.deliver(t, Pipeline.ticket(ticket, 51_000_000_001L, "Where is my order?",
                                                                "Hi, where is my order #1001?"), "wh-happy-1");
        assertThat(res.statusCode()).isEqualTo(202);
        UUID event = Pipeline.eventId(res);

        p.awaitProcessed(event, WAIT);

        List<LoggedRequest> posts = p.notePosts(ticket);
        assertThat(posts).hasSize(1);
        LoggedRequest note = posts.getFirst();
        String basic = "Basic " + Base64.getEncoder().encodeToString(
                (t.username() + ":" + t.apiKey()).getBytes(StandardCharsets.UTF_8));
        assertThat(note.getHeader("Authorization")).isEqualTo(basic);
        JsonNode body = Webhooks.json(note.getBodyAsString());
        assertThat(body.get("channel").asText()).isEqualTo("internal-note");
        assertThat(body.get("via").asText()).isEqualTo("api");
        assertThat(body.get("from_agent").asBoolean()).isTrue();
        assertThat(body.at("/sender/email").asText()).isEqualTo(t.username());
        assertThat(body.get("external_id").asText()).isEqualTo("tollgate:" + event);
        assertThat(body.get("body_text").asText()).contains("#1001").contains(Pipeline.TRACKING_1001);
        assertThat(body.get("body_html").asText()).contains("#1001").contains(Pipeline.TRACKING_1001);

        List<LoggedRequest> graphql = p.stub.findAll(postRequestedFor(urlPathMatching("/admin/api/.*/graphql.json"))
                                                             .withHeader("X-Shopify-Access-Token",
                                                                         com.github.tomakehurst.wiremock.client.WireMock
                                                                                 .equalTo(t.accessToken())));
        assertThat(graphql).isNotEmpty();
        assertThat(graphql.getFirst().getUrl()).isEqualTo("/admin/api/2025-10/graphql.json");
        assertThat(graphql.getFirst().getBodyAsString()).contains(Pipeline.BOB).contains("sortKey");

        // the ledger holds the note and its upstream id; the metrics count it
        assertThat(p.one("SELECT state || ' ' || upstream_message_id || ' ' || draft_source FROM notes"
                                 + " WHERE gorgias_ticket_id = ?", ticket)).isEqualTo("posted 555000111 template");
        assertThat(Webhooks.metric(p.server(), "tollgate_drafts_posted_total", "tenant", t.slug())).isEqualTo(1.0);
        assertThat(Webhooks.metric(p.server(), "tollgate_jobs_total", "tenant", t.slug(), "outcome", "done"))
                .isEqualTo(1.0);
        String scrape = io.tollgate.api.TestServers.get(p.server(), "/observe/metrics").body();
        assertThat(scrape.lines().filter(l -> l.startsWith("tollgate_queue_depth{")))
                .anyMatch(l -> l.contains("status=\"queued\"")).anyMatch(l -> l.contains("status=\"dead\""));
        assertThat(scrape).contains("\ntollgate_queue_oldest_seconds");
        assertThat(Webhooks.metric(p.server(), "tollgate_upstream_requests_total", "upstream", "gorgias", "status",
                                   "201")).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void duplicatesAndTheSameMessageUnderOtherWebhookIdsMakeOneNote() {
        Pipeline.Tenant t = p.tenant("e2e-dups");
        long ticket = 41_000_000_002L;
        long message = 51_000_000_002L;
        byte[] created = Pipeline.ticket(ticket, message, "Order #1001", "Where is it?");
        UUID first = Pipeline.eventId(p.deliver(t, created, "wh-dup-1"));
        HttpResponse<String> again = p.deliver(t, created, "wh-dup-1");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(Pipeline.eventId(again)).isEqualTo(first);
        // ticket-message-created for the same first message, and the same ticket state re-sent under a new id
        UUID messageEvent = Pipeline.eventId(p.deliver(t, Pipeline.messageCreated(ticket, message, "Where is it?"),
                                                       "wh-dup-2"));
        UUID resent = Pipeline.eventId(p.deliver(t, created, "wh-dup-3"));

        for (UUID e : List.of(first, messageEvent, resent)) {
            p.awaitProcessed(e, WAIT);
        }
        assertThat(p.notePosts(ticket)).hasSize(1);
        assertThat(p.one("SELECT count(*) FROM notes WHERE gorgias_ticket_id = ?", ticket)).isEqualTo("1");
    }

    @Test
    void aReplayThroughTheAdminApiPostsNoSecondNote() {
        Pipeline.Tenant t = p.tenant("e2e-replay");
        long ticket = 41_000_000_003L;
        UUID event = p.deliverProcessed(t, Pipeline.ticket(ticket, 51_000_000_003L, "Hi", "Order #1001?"),
                                               "wh-replay-1", WAIT);

        HttpResponse<String> replay = Webhooks.admin(p.server(), "POST",
                                                     "/admin/tenants/" + t.slug() + "/events/" + event + "/replay",
                                                     null);
        assertThat(replay.statusCode()).isEqualTo(202);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!"done".equals(p.one("SELECT status FROM " + Pipeline.JOB_OF_EVENT, event))
                || !"processed".equals(p.status(event))) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Pipeline.sleep(20);
        }
        assertThat(p.one("SELECT attempts FROM " + Pipeline.JOB_OF_EVENT, event)).isEqualTo("1");
        assertThat(p.notePosts(ticket)).hasSize(1);
    }

    @Test
    void tollgatesOwnNoteAndAnAgentsInternalNoteComingBackDraftNothing() throws Exception {
        Pipeline.Tenant t = p.tenant("e2e-loop");
        long ticket = 41_000_000_004L;
        UUID event = p.deliverProcessed(t, Pipeline.ticket(ticket, 51_000_000_004L, "Hi", "Order #1001?"),
                                               "wh-loop-1", WAIT);

        // Tollgate's own note, as Gorgias sends it back in ticket-message-created
        byte[] own = ("""
                {"message": {"id": 555000111, "ticket_id": %d, "channel": "internal-note", "via": "api",
                 "from_agent": true, "sender": {"email": "%s"}, "body_text": "Suggested reply",
                 "external_id": "tollgate:%s"}}""").formatted(ticket, t.username(), event)
                .getBytes(StandardCharsets.UTF_8);
        UUID ownEvent = Pipeline.eventId(p.deliver(t, own, "wh-loop-own"));
        // an agent's internal note: Gorgias' own shape (the pipedream fixture), on this ticket
        ObjectNodeEdit agent = new ObjectNodeEdit(Fixtures.bytes("gorgias-internal-note-created-pipedream-synthetic.json"));
        agent.node.put("ticket_id", ticket);
        UUID agentEvent = Pipeline.eventId(p.deliver(t, agent.bytes(), "wh-loop-agent"));

        assertThat(p.awaitStatus(ownEvent, WAIT, "skipped", "processed", "dead")).isEqualTo("skipped");
        assertThat(p.awaitStatus(agentEvent, WAIT, "skipped", "processed", "dead")).isEqualTo("skipped");
        assertThat(p.notePosts(ticket)).hasSize(1);
        assertThat(p.one("SELECT last_error FROM " + Pipeline.JOB_OF_EVENT, ownEvent)).contains("Tollgate posted");
    }

    @Test
    void gorgiasAnswering429WithRetryAfter2TwiceGivesOneNoteAndWaitsEachTime() {
        Pipeline.Tenant t = p.tenant("e2e-429");
        long ticket = 41_000_000_005L;
        String url = "/api/tickets/" + ticket + "/messages";
        p.stub.stubFor(post(urlEqualTo(url)).inScenario("429").whenScenarioStateIs(Scenario.STARTED)
                               .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2"))
                               .willSetStateTo("once"));
        p.stub.stubFor(post(urlEqualTo(url)).inScenario("429").whenScenarioStateIs("once")
                               .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2"))
                               .willSetStateTo("twice"));
        p.stub.stubFor(post(urlEqualTo(url)).inScenario("429").whenScenarioStateIs("twice")
                               .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                                                   .withBody("{\"id\": 777}")));

        UUID event = p.deliverProcessed(t, Pipeline.ticket(ticket, 51_000_000_005L, "Hi", "Order #1001?"),
                                               "wh-429", WAIT);

        List<LoggedRequest> posts = p.notePosts(ticket);
        assertThat(posts).hasSize(3);
        for (int i = 1; i < posts.size(); i++) {
            long gap = posts.get(i).getLoggedDate().getTime() - posts.get(i - 1).getLoggedDate().getTime();
            assertThat(gap).as("POST %d came %d ms after a 429 with Retry-After: 2", i + 1, gap)
                    .isGreaterThanOrEqualTo(2000);
        }
        assertThat(posts).extracting(r -> Webhooks.json(r.getBodyAsString()).get("external_id").asText())
                .containsOnly("tollgate:" + event);
        assertThat(p.one("SELECT state || ' ' || upstream_message_id FROM notes WHERE gorgias_ticket_id = ?", ticket))
                .isEqualTo("posted 777");
        assertThat(p.one("SELECT attempts FROM " + Pipeline.JOB_OF_EVENT, event)).isEqualTo("3");
    }

    @Test
    void aRejectedNoteIsDeadWithTheUpstreamsStatusRequestIdAndBodyAndNoCredential() {
        Pipeline.Tenant t = p.tenant("e2e-401");
        long ticket = 41_000_000_006L;
        p.stub.stubFor(post(urlEqualTo("/api/tickets/" + ticket + "/messages"))
                               .willReturn(aResponse().withStatus(401).withHeader("X-Request-Id", "req-e2e-401")
                                                   .withHeader("Content-Type", "application/json")
                                                   .withBody("{\"error\": \"Invalid API key " + t.apiKey() + "\"}")));
        try (LogCapture logs = LogCapture.start()) {
            UUID event = Pipeline.eventId(p.deliver(t, Pipeline.ticket(ticket, 51_000_000_006L, "Hi", "#1001?"),
                                                    "wh-401"));
            assertThat(p.awaitStatus(event, WAIT, "dead", "processed")).isEqualTo("dead");

            // as the production JSON log writes them: the worker's lines about this job name its tenant and event
            List<JsonNode> upstream = logs.records().stream()
                    .filter(r -> r.get("message").asText().startsWith("upstream call failed")).toList();
            assertThat(upstream).as(logs.lines().toString()).singleElement().satisfies(r -> {
                assertThat(r.get("level").asText()).isEqualTo("WARNING");
                assertThat(r.get("logger").asText()).isEqualTo("io.tollgate.api.upstream.UpstreamCaller");
                assertThat(r.get("tenant").asText()).isEqualTo(t.slug());
                assertThat(r.get("event_id").asText()).isEqualTo(event.toString());
                assertThat(r.has("request_id")).as("a job is no HTTP request").isFalse();
            });
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (logs.records().stream().noneMatch(r -> r.get("message").asText().startsWith("event " + event
                    + " is dead"))) {
                assertThat(System.nanoTime()).as("the worker logs the dead event").isLessThan(deadline);
                Pipeline.sleep(20);
            }
            assertThat(logs.records()).filteredOn(r -> r.get("message").asText().startsWith("event " + event))
                    .singleElement().satisfies(r -> {
                        assertThat(r.get("tenant").asText()).isEqualTo(t.slug());
                        assertThat(r.get("event_id").asText()).isEqualTo(event.toString());
                    });
            // the gateway's lines (not those of the stub's own Jetty, which logs what it received)
            assertThat(logs.records()).filteredOn(r -> r.get("logger").asText().matches(
                            "(io\\.tollgate|io\\.helidon|org\\.postgresql|com\\.zaxxer)\\..*")).isNotEmpty()
                    .noneMatch(r -> r.toString().contains(t.apiKey()) || r.toString().contains(t.accessToken()));

            JsonNode detail = Webhooks.json(Webhooks.admin(p.server(), "GET", "/admin/tenants/" + t.slug()
                    + "/events/" + event, null).body());
            String shown = detail.toString();
            assertThat(shown).contains("HTTP 401").contains("req-e2e-401").contains("Invalid API key")
                    .doesNotContain(t.apiKey());
            String ours = logs.from("io.tollgate", "io.helidon", "org.postgresql", "com.zaxxer");
            String line = ours.lines().filter(l -> l.contains("upstream call failed")).findFirst().orElse("");
            assertThat(line).contains("tenant=" + t.slug()).contains("event=" + event).contains("HTTP 401")
                    .contains("req-e2e-401").doesNotContain(t.apiKey());
            assertThat(ours.lines().filter(l -> l.contains(t.apiKey())).toList()).isEmpty();
        }
        assertThat(p.notePosts(ticket)).hasSize(1);
    }

    @Test
    void ordersFromShopifysWebhooksAreUsedWithoutAskingShopify() {
        Pipeline.Tenant t = p.tenant("e2e-cache");
        // orders/create with Shopify's fixture order #1001, signed as Shopify signs it
        byte[] order = Webhooks.json(new String(Fixtures.bytes("shopify-python-api-order.json"),
                                                StandardCharsets.UTF_8)).get("order").toString()
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> res = Webhooks.post(p.server(), "/webhooks/" + t.slug() + "/shopify", order,
                                                 "X-Shopify-Hmac-Sha256", Webhooks.shopifyHmac("shpss_" + t.slug(), order),
                                                 "X-Shopify-Shop-Domain", t.slug() + ".myshopify.com",
                                                 "X-Shopify-Topic", "orders/create",
                                                 "X-Shopify-Event-Id", "evt-cache-1");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
        p.awaitProcessed(Pipeline.eventId(res), WAIT);
        int graphqlBefore = p.stub.findAll(postRequestedFor(urlPathMatching("/admin/api/.*/graphql.json"))
                                                   .withHeader("X-Shopify-Access-Token",
                                                               com.github.tomakehurst.wiremock.client.WireMock
                                                                       .equalTo(t.accessToken()))).size();
        assertThat(graphqlBefore).isZero();

        long ticket = 41_000_000_007L;
        UUID event = p.deliverProcessed(t, Pipeline.ticket(ticket, 51_000_000_007L, "Hi", "Order #1001?"),
                                               "wh-cache", WAIT);
        assertThat(Webhooks.json(p.notePosts(ticket).getFirst().getBodyAsString()).get("body_text").asText())
                .contains("#1001").contains("January 10, 2008"); // the fixture order's own date
        assertThat(p.stub.findAll(postRequestedFor(urlPathMatching("/admin/api/.*/graphql.json"))
                                          .withHeader("X-Shopify-Access-Token",
                                                      com.github.tomakehurst.wiremock.client.WireMock
                                                              .equalTo(t.accessToken())))).isEmpty();
    }

    @Test
    void anOrdersEditedDeliveryIsStoredAcknowledgedAndSkippedWithItsReasonShown() {
        Pipeline.Tenant t = p.tenant("e2e-edited");
        byte[] edit = ("{\"order_edit\": {\"id\": 78912328, \"order_id\": 450789469, \"notify_customer\": false,"
                + " \"created_at\": \"2008-01-12T09:00:00-05:00\", \"staff_note\": \"\","
                + " \"line_items\": {\"additions\": [], \"removals\": [{\"id\": 518995019, \"delta\": 1}]}}}")
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> res = p.shopify(p.server(), t, edit, "orders/edited", "evt-edited-1");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
        UUID event = Pipeline.eventId(res);
        assertThat(p.awaitStatus(event, WAIT, "skipped", "processed", "dead")).isEqualTo("skipped");

        JsonNode detail = Webhooks.json(Webhooks.admin(p.server(), "GET", "/admin/tenants/" + t.slug()
                + "/events/" + event, null).body());
        assertThat(detail.at("/event/status").asText()).isEqualTo("skipped");
        assertThat(detail.at("/job/last_error").asText()).as(detail.toString())
                .isEqualTo(io.tollgate.api.shopify.ShopifyEvents.ORDER_EDIT_SKIPPED);
    }

    @Test
    void anOrderReplayedAsAppUninstalledIsSkippedWithItsReasonShownAndAGenuineUninstallDisables() {
        Pipeline.Tenant replayed = p.tenant("e2e-replayed");
        Pipeline.Tenant gone = p.tenant("e2e-gone");
        // both shops' tokens are refused, as an uninstalled app's are: only the body decides
        for (Pipeline.Tenant t : List.of(replayed, gone)) {
            p.stub.stubFor(post(urlPathMatching("/admin/api/.*/graphql.json")).atPriority(1)
                                   .withHeader("X-Shopify-Access-Token",
                                               com.github.tomakehurst.wiremock.client.WireMock.equalTo(t.accessToken()))
                                   .willReturn(aResponse().withStatus(401)
                                                       .withHeader("Content-Type", "application/json")
                                                       .withBody("{\"errors\":\"[API] Invalid API key or access"
                                                                 + " token (unrecognized login or wrong password)\"}")));
        }
        // a captured, correctly signed orders/create body, replayed under app/uninstalled with a new event id
        byte[] order = Webhooks.json(new String(Fixtures.bytes("shopify-python-api-order.json"),
                                                StandardCharsets.UTF_8)).get("order").toString()
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> forged = p.shopify(p.server(), replayed, order, "app/uninstalled", "evt-replayed-1");
        assertThat(forged.statusCode()).as(forged.body()).isEqualTo(202);
        UUID event = Pipeline.eventId(forged);
        assertThat(p.awaitStatus(event, WAIT, "skipped", "processed", "dead")).isEqualTo("skipped");

        JsonNode detail = Webhooks.json(Webhooks.admin(p.server(), "GET", "/admin/tenants/" + replayed.slug()
                + "/events/" + event, null).body());
        assertThat(detail.at("/event/status").asText()).isEqualTo("skipped");
        assertThat(detail.at("/job/last_error").asText()).as(detail.toString())
                .contains("not applied").contains("shape of app/uninstalled").doesNotContain("bob.norman");
        assertThat(Webhooks.json(Webhooks.admin(p.server(), "GET", "/admin/tenants/" + replayed.slug(), null).body())
                           .at("/shopify").has("disabled_at")).as("the replay disabled nothing").isFalse();

        // the shop object of the other tenant's shop, whose token Shopify refuses: disabled
        byte[] shop = ("{\"id\": 548380009, \"name\": \"Super Toys\", \"domain\": \"toys.example\","
                + " \"myshopify_domain\": \"" + gone.slug() + ".myshopify.com\"}").getBytes(StandardCharsets.UTF_8);
        UUID uninstall = Pipeline.eventId(p.shopify(p.server(), gone, shop, "app/uninstalled", "evt-gone-1"));
        assertThat(p.awaitStatus(uninstall, WAIT, "processed", "skipped", "dead")).isEqualTo("processed");
        assertThat(Webhooks.json(Webhooks.admin(p.server(), "GET", "/admin/tenants/" + gone.slug(), null).body())
                           .at("/shopify").has("disabled_at")).isTrue();
        assertThat(Webhooks.json(Webhooks.admin(p.server(), "GET", "/admin/tenants/" + replayed.slug(), null).body())
                           .at("/shopify").has("disabled_at")).isFalse();
    }

    @Test
    void aShopRedactNamingAnotherShopErasesNothing() {
        Pipeline.Tenant t = p.tenant("e2e-redact");
        byte[] order = Webhooks.json(new String(Fixtures.bytes("shopify-python-api-order.json"),
                                                StandardCharsets.UTF_8)).get("order").toString()
                .getBytes(StandardCharsets.UTF_8);
        UUID cached = Pipeline.eventId(p.shopify(p.server(), t, order, "orders/create", "evt-redact-order"));
        p.awaitProcessed(cached, WAIT);
        String orders = "SELECT count(*) FROM orders o JOIN tenants t ON t.id = o.tenant_id WHERE t.slug = ?";
        assertThat(p.count(orders, t.slug())).isEqualTo(1);

        // a signed shop/redact of another shop (the same app's webhook secret signs every shop's deliveries)
        byte[] other = "{\"shop_id\": 954889, \"shop_domain\": \"someone-else.myshopify.com\"}"
                .getBytes(StandardCharsets.UTF_8);
        UUID redact = Pipeline.eventId(p.shopify(p.server(), t, other, "shop/redact", "evt-redact-other"));
        assertThat(p.awaitStatus(redact, WAIT, "skipped", "processed", "dead")).isEqualTo("skipped");
        assertThat(p.count(orders, t.slug())).as("the cache is kept").isEqualTo(1);
        assertThat(p.job(redact)).contains("another shop");

        // the tenant's own shop/redact erases it
        byte[] own = ("{\"shop_id\": 954889, \"shop_domain\": \"" + t.slug() + ".myshopify.com\"}")
                .getBytes(StandardCharsets.UTF_8);
        UUID mine = Pipeline.eventId(p.shopify(p.server(), t, own, "shop/redact", "evt-redact-own"));
        assertThat(p.awaitStatus(mine, WAIT, "processed", "skipped", "dead")).isEqualTo("processed");
        assertThat(p.count(orders, t.slug())).isZero();
    }

    @Test
    void anEventIsDeadAfterItsTenantsRetryBudgetWithItsAttemptsAndLastErrorShown() {
        Pipeline.Tenant t = p.tenant("e2e-budget", "{\"retry_attempts\": 3}");
        assertThat(Webhooks.json(Webhooks.admin(p.server(), "GET", "/admin/tenants/e2e-budget", null).body())
                           .at("/limits/retry_attempts").asInt()).isEqualTo(3);
        long ticket = 41_000_000_008L;
        p.stub.stubFor(post(urlEqualTo("/api/tickets/" + ticket + "/messages"))
                               .willReturn(aResponse().withStatus(503).withHeader("X-Request-Id", "req-down")
                                                   .withBody("upstream maintenance")));
        UUID event = Pipeline.eventId(p.deliver(t, Pipeline.ticket(ticket, 51_000_000_008L, "Hi", "#1001?"),
                                                "wh-budget"));

        assertThat(p.awaitStatus(event, WAIT, "dead", "processed")).isEqualTo("dead");

        assertThat(p.notePosts(ticket)).hasSize(3);
        JsonNode detail = Webhooks.json(Webhooks.admin(p.server(), "GET", "/admin/tenants/" + t.slug() + "/events/"
                + event, null).body());
        assertThat(detail.toString()).contains("HTTP 503").contains("req-down").contains("upstream maintenance")
                .contains("attempt 3 of 3");
        JsonNode dead = Webhooks.json(Webhooks.admin(p.server(), "GET", "/admin/tenants/" + t.slug()
                + "/events?status=dead", null).body());
        assertThat(dead.toString()).contains(event.toString());
        assertThat(Webhooks.metric(p.server(), "tollgate_jobs_total", "tenant", t.slug(), "outcome", "dead"))
                .isEqualTo(1.0);
        assertThat(Webhooks.metric(p.server(), "tollgate_jobs_total", "tenant", t.slug(), "outcome", "retry"))
                .isEqualTo(2.0);
    }

    @Test
    void aGorgiasObjectNamingNoTicketIsSkippedSayingWhy() {
        Pipeline.Tenant t = p.tenant("e2e-shape");
        UUID event = Pipeline.eventId(p.deliver(t, "{\"event\": \"ping\"}".getBytes(StandardCharsets.UTF_8),
                                                "wh-shape"));
        assertThat(p.awaitStatus(event, WAIT, "dead", "processed", "skipped")).isEqualTo("skipped");
        assertThat(p.one("SELECT attempts || ' ' || last_error FROM " + Pipeline.JOB_OF_EVENT, event))
                .isEqualTo("1 skipped: the event names no ticket");
    }

    /** A JSON fixture to edit. */
    private static final class ObjectNodeEdit {
        final com.fasterxml.jackson.databind.node.ObjectNode node;

        ObjectNodeEdit(byte[] json) {
            node = (com.fasterxml.jackson.databind.node.ObjectNode) Webhooks.json(
                    new String(json, StandardCharsets.UTF_8));
        }

        byte[] bytes() {
            return node.toString().getBytes(StandardCharsets.UTF_8);
        }
    }
}
