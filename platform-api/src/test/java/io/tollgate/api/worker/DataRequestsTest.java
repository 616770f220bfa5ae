package io.tollgate.api.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.TestServers;
import io.tollgate.api.Webhooks;
import io.tollgate.api.datarequests.DataRequestWatch;
import io.tollgate.api.datarequests.DataRequests;
import io.tollgate.api.observe.ProcessMeters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shopify's customers/data_request end to end, over real PostgreSQL and a gateway with its worker: after a customer's
 * orders, a Gorgias ticket and the note Tollgate posted for it exist (and the same for another customer of the same
 * tenant), Shopify's own example body, signed, opens one request whose document holds each of the customer's orders,
 * tickets with messages, notes and events, and nothing of the other customer; retries, replays and resends open no
 * second request; operators list, read and mark it delivered through the admin API; the gauges follow. The tests
 * run in order: the last one delivers the request the first two read while it is open.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DataRequestsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String SHOP = "dr-shop";
    private static final String OTHER = "dr-other";
    /** Shopify's example request (customers-data-request.json): customer 191167, john@example.com, request 9999. */
    private static final String JOHN = "john@example.com";
    private static final long JOHN_ID = 191167L;
    /** Listed in the example's orders_requested. */
    private static final long JOHN_LISTED_ORDER = 299938L;
    /** Not listed: found by the customer's id and e-mail. */
    private static final long JOHN_OTHER_ORDER = 450000101L;
    /** Bob's fixture order #1001: the other customer of the same tenant. */
    private static final long BOB_ORDER = 450789469L;
    private static final long JOHN_TICKET = 47_000_000_001L;
    private static final long BOB_TICKET = 47_000_000_002L;

    @RegisterExtension
    static final Pipeline p = Pipeline.forClass(Map.of());

    private static Pipeline.Tenant shop;
    private static Pipeline.Tenant other;
    private static final List<UUID> johnsEvents = new ArrayList<>();
    private static final List<UUID> bobsEvents = new ArrayList<>();
    private static UUID requestEvent;

    @BeforeAll
    static void customersWithOrdersTicketsAndNotes() {
        shop = p.tenant(SHOP);
        other = p.tenant(OTHER);
        johnsEvents.add(processedShopify(shop, johnsOrder(JOHN_LISTED_ORDER, 1002, "2024-02-29T18:30:00Z"),
                                         "orders/create", "evt-john-1"));
        johnsEvents.add(processedShopify(shop, johnsOrder(JOHN_OTHER_ORDER, 1003, "2024-03-12T10:04:05Z"),
                                         "orders/create", "evt-john-2"));
        bobsEvents.add(processedShopify(shop, Pipeline.order(BOB_ORDER, 1001, Instant.parse("2024-01-10T00:00:00Z")),
                                        "orders/create", "evt-bob-1"));
        johnsEvents.add(p.deliverProcessed(shop, johnsTicket(JOHN_TICKET, 57_000_000_001L,
                                                             "Where is my order #1002?"), "wh-john", WAIT));
        bobsEvents.add(p.deliverProcessed(shop, Pipeline.ticket(BOB_TICKET, 57_000_000_002L, "Order status",
                                                                "Where is my order #1001?"), "wh-bob", WAIT));
        for (long ticket : List.of(JOHN_TICKET, BOB_TICKET)) {
            assertThat(p.count("SELECT count(*) FROM notes WHERE gorgias_ticket_id = ? AND state = 'posted'", ticket))
                    .as("the note posted for ticket " + ticket).isEqualTo(1);
        }
        requestEvent = processedShopify(shop, example(SHOP), "customers/data_request", "evt-request-1");
    }

    @Test
    @Order(1)
    void theDocumentHoldsEachOfTheCustomersOrdersTicketsNotesAndEventsAndNothingOfAnother() {
        JsonNode request = onlyRequest(SHOP);
        assertThat(request.get("state").asText()).isEqualTo("open");
        assertThat(request.get("customer_id").asText()).isEqualTo(String.valueOf(JOHN_ID));
        assertThat(request.get("shopify_data_request_id").asText()).isEqualTo("9999");
        assertThat(request.get("event_id").asText()).isEqualTo(requestEvent.toString());
        assertThat(request.has("document")).as("a list item has no document").isFalse();

        JsonNode detail = json(admin("GET", "/admin/tenants/" + SHOP + "/data-requests/" + id(request), null), 200);
        JsonNode doc = detail.get("document");
        assertThat(detail.has("document_withheld")).isFalse();

        assertThat(doc.at("/request/customer/email").asText()).isEqualTo(JOHN);
        assertThat(texts(doc.get("orders"), "shopify_order_id"))
                .containsExactlyInAnyOrder(String.valueOf(JOHN_LISTED_ORDER), String.valueOf(JOHN_OTHER_ORDER));
        for (JsonNode order : doc.get("orders")) {
            assertThat(order.get("email").asText()).isEqualTo(JOHN);
            assertThat(order.at("/facts/name").asText()).isEqualTo(order.get("name").asText());
        }
        assertThat(texts(doc.get("customers"), "email")).isNotEmpty().allMatch(JOHN::equalsIgnoreCase);

        assertThat(texts(doc.get("tickets"), "gorgias_ticket_id")).containsExactly(String.valueOf(JOHN_TICKET));
        JsonNode ticket = doc.get("tickets").get(0);
        assertThat(texts(ticket.get("messages"), "body_text")).contains("Where is my order #1002?");

        assertThat(doc.get("notes")).hasSize(1);
        JsonNode note = doc.get("notes").get(0);
        assertThat(note.get("gorgias_ticket_id").asText()).isEqualTo(String.valueOf(JOHN_TICKET));
        assertThat(note.get("body_text").asText()).isNotBlank()
                .isEqualTo(p.one("SELECT body_text FROM notes WHERE gorgias_ticket_id = ?", JOHN_TICKET));
        assertThat(note.get("gorgias_message_id").asText())
                .isEqualTo(p.one("SELECT upstream_message_id::text FROM notes WHERE gorgias_ticket_id = ?",
                                 JOHN_TICKET));
        assertThat(note.get("posted_at").isTextual()).as("posted at").isTrue();

        Set<String> events = new HashSet<>(texts(doc.get("events"), "id"));
        assertThat(events).contains(requestEvent.toString())
                .containsAll(johnsEvents.stream().map(UUID::toString).toList())
                .doesNotContainAnyElementsOf(bobsEvents.stream().map(UUID::toString).toList());
        for (JsonNode event : doc.get("events")) {
            assertThat(event.get("provider").asText()).isIn("gorgias", "shopify");
            assertThat(event.get("status").asText()).isNotBlank();
            assertThat(event.has("body")).as("metadata, not bodies").isFalse();
        }

        // nothing of Bob, the tenant's other customer: his name, e-mail, order and ticket are nowhere in it
        String text = doc.toString().toLowerCase(Locale.ROOT);
        assertThat(text).doesNotContain("bob").doesNotContain("norman").doesNotContain("hostmail")
                .doesNotContain(String.valueOf(BOB_ORDER)).doesNotContain(String.valueOf(BOB_TICKET));
    }

    @Test
    @Order(2)
    void aRetryAReplayOrAResendOfTheRequestOpensNoSecondRequest() {
        UUID first = UUID.fromString(id(onlyRequest(SHOP)));
        String document = p.one("SELECT document::text FROM data_requests WHERE id = ?", first);

        HttpResponse<String> retry = p.shopify(p.server(), shop, example(SHOP), "customers/data_request",
                                               "evt-request-1");
        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
        assertThat(Webhooks.json(retry.body()).get("status").asText()).isEqualTo("duplicate");

        HttpResponse<String> replay = Webhooks.admin(p.server(), "POST", "/admin/tenants/" + SHOP + "/events/"
                + requestEvent + "/replay", null);
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(202);
        p.awaitProcessed(requestEvent, WAIT);

        // the same request sent again under a new event id (Shopify's data_request.id is the same)
        UUID resent = processedShopify(shop, example(SHOP), "customers/data_request", "evt-request-resent");
        assertThat(resent).isNotEqualTo(requestEvent);

        assertThat(p.count("SELECT count(*) FROM data_requests WHERE tenant_id = (SELECT id FROM tenants"
                                   + " WHERE slug = ?)", SHOP)).isEqualTo(1);
        assertThat(p.one("SELECT document::text FROM data_requests WHERE id = ?", first))
                .as("the first document, unchanged").isEqualTo(document);
    }

    @Test
    @Order(3)
    void operatorsListReadAndMarkRequestsDeliveredAndTheGaugesFollow() {
        // two requests of the other tenant: paging, and ids that are not SHOP's
        UUID otherFirst = processedShopify(other, request(OTHER, 10_001L, 207119551L), "customers/data_request",
                                           "evt-other-1");
        UUID otherSecond = processedShopify(other, request(OTHER, 10_002L, 207119552L), "customers/data_request",
                                            "evt-other-2");
        JsonNode page1 = json(admin("GET", "/admin/tenants/" + OTHER + "/data-requests?limit=1", null), 200);
        assertThat(page1.get("items")).hasSize(1);
        String cursor = page1.get("next_cursor").asText();
        JsonNode page2 = json(admin("GET", "/admin/tenants/" + OTHER + "/data-requests?limit=1&cursor=" + cursor,
                                    null), 200);
        assertThat(page2.get("items")).hasSize(1);
        assertThat(page2.path("next_cursor").isTextual()).as("no page after the last").isFalse();
        assertThat(List.of(page1.at("/items/0/event_id").asText(), page2.at("/items/0/event_id").asText()))
                .as("newest first").containsExactly(otherSecond.toString(), otherFirst.toString());
        String otherId = page1.at("/items/0/id").asText();

        DataRequestWatch watch = new DataRequestWatch(new DataRequests(p.pool), ProcessMeters.registry());
        long openBefore = p.count("SELECT count(*) FROM data_requests WHERE state = 'open'");
        assertThat(watch.sample().count()).isEqualTo(openBefore).isGreaterThanOrEqualTo(3);
        assertThat(Webhooks.metric(p.server(), "tollgate_data_requests_open")).isEqualTo(openBefore);

        String id = id(onlyRequest(SHOP));
        String base = "/admin/tenants/" + SHOP + "/data-requests";

        // without a token: 401; a wrong id, or another tenant's: 404, as problem documents
        HttpResponse<String> anonymous = TestServers.send(HttpRequest.newBuilder(TestServers.uri(p.server(), base))
                                                                  .GET().build());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
        for (String path : List.of(base + "/" + UUID.randomUUID(), base + "/not-a-request",
                                   "/admin/tenants/" + OTHER + "/data-requests/" + id, base + "/" + otherId)) {
            HttpResponse<String> missing = admin("GET", path, null);
            assertThat(missing.statusCode()).as(path).isEqualTo(404);
            assertThat(missing.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
            assertThat(missing.body()).doesNotContain(JOHN);
        }
        assertThat(admin("POST", "/admin/tenants/" + OTHER + "/data-requests/" + id + "/delivered", null)
                           .statusCode()).as("delivering another tenant's request").isEqualTo(404);
        assertThat(admin("POST", base + "/" + UUID.randomUUID() + "/delivered", null).statusCode()).isEqualTo(404);
        assertThat(json(admin("GET", base + "/" + id, null), 200).get("state").asText()).isEqualTo("open");

        // the document is personal data: a token without the payloads scope reads the request, not the document
        String reader = token("dr-reader", "read");
        JsonNode withheld = json(call("GET", base + "/" + id, reader), 200);
        assertThat(withheld.get("document_withheld").asBoolean()).isTrue();
        assertThat(withheld.has("document")).isFalse();
        assertThat(withheld.toString()).doesNotContain(JOHN);
        assertThat(json(call("GET", base + "/" + id, token("dr-payloads", "payloads")), 200)
                           .at("/document/request/customer/email").asText()).isEqualTo(JOHN);
        assertThat(call("POST", base + "/" + id + "/delivered", reader).statusCode()).as("read cannot deliver")
                .isEqualTo(403);

        JsonNode delivered = json(admin("POST", base + "/" + id + "/delivered", null), 200);
        assertThat(delivered.get("state").asText()).isEqualTo("delivered");
        assertThat(delivered.get("delivered_by").asText()).isEqualTo("bootstrap");
        String at = delivered.get("delivered_at").asText();
        JsonNode again = json(admin("POST", base + "/" + id + "/delivered", null), 200);
        assertThat(again.get("delivered_at").asText()).as("idempotent").isEqualTo(at);
        assertThat(json(admin("GET", base + "?state=open", null), 200).get("items")).isEmpty();
        assertThat(texts(json(admin("GET", base + "?state=delivered", null), 200).get("items"), "id"))
                .containsExactly(id);
        HttpResponse<String> badState = admin("GET", base + "?state=answered", null);
        assertThat(badState.statusCode()).isEqualTo(400);
        assertThat(badState.body()).contains("state");

        JsonNode audit = json(admin("GET", "/admin/audit?tenant=" + SHOP, null), 200);
        List<JsonNode> rows = new ArrayList<>();
        audit.get("items").forEach(r -> {
            if (r.get("action").asText().equals("data_request.delivered") && r.path("target").asText().equals(id)) {
                rows.add(r);
            }
        });
        assertThat(rows).as("audited, each call").hasSize(2);

        // the gauges: one fewer open request; the oldest open one's age as the database has it
        assertThat(watch.sample().count()).isEqualTo(openBefore - 1);
        assertThat(Webhooks.metric(p.server(), "tollgate_data_requests_open")).isEqualTo(openBefore - 1);
        p.one("UPDATE data_requests SET received_at = now() - interval '8 days' WHERE id = ?::uuid RETURNING 1",
              otherId);
        assertThat(watch.sample().oldestSeconds()).isGreaterThanOrEqualTo(8 * 86_400.0);
        assertThat(Webhooks.metric(p.server(), "tollgate_data_requests_oldest_open_seconds"))
                .isGreaterThanOrEqualTo(8 * 86_400.0);
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    /** Shopify's example customers/data_request body, naming {@code slug}'s shop. */
    private static byte[] example(String slug) {
        try (InputStream in = DataRequestsTest.class.getResourceAsStream("/shopify/customers-data-request.json")) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return body.replace("{shop}", slug).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The example with another request id and customer id. */
    private static byte[] request(String slug, long requestId, long customerId) {
        ObjectNode body = (ObjectNode) Webhooks.json(new String(example(slug), StandardCharsets.UTF_8));
        ((ObjectNode) body.get("data_request")).put("id", requestId);
        ((ObjectNode) body.get("customer")).put("id", customerId).put("email", "c" + customerId + "@example.net");
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Bob's fixture order as John's: John's e-mail, name and Shopify customer id; its own id, number, creation. */
    private static byte[] johnsOrder(long id, int number, String createdAt) {
        String bob = new String(Pipeline.order(id, number, Instant.parse(createdAt)), StandardCharsets.UTF_8);
        ObjectNode order = (ObjectNode) Webhooks.json(bob.replace(Pipeline.BOB, JOHN).replace("Bob", "John")
                                                              .replace("Norman", "Smith")
                                                              .replace("555-625-1199", "555-000-0101"));
        order.put("created_at", createdAt);
        ((ObjectNode) order.get("customer")).put("id", JOHN_ID);
        return order.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A Gorgias ticket-created body: John asks {@code text}. */
    private static byte[] johnsTicket(long ticketId, long messageId, String text) {
        return ("""
                {"ticket": {"id": %d, "subject": "Order status", "channel": "email", "status": "open",
                 "customer": {"id": 7002, "email": "%s", "firstname": "John", "lastname": "Smith", "name": "John Smith"},
                 "messages": [
                   {"id": %d, "channel": "email", "via": "email", "from_agent": false,
                    "sender": {"id": 7002, "email": "%2$s"}, "body_text": "%s", "body_html": "<p>%4$s</p>",
                    "created_datetime": "2024-03-15T10:30:00+00:00", "external_id": null}]}}""")
                .formatted(ticketId, JOHN, messageId, text).getBytes(StandardCharsets.UTF_8);
    }

    private static UUID processedShopify(Pipeline.Tenant t, byte[] body, String topic, String eventId) {
        HttpResponse<String> accepted = p.shopify(p.server(), t, body, topic, eventId);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        UUID event = Pipeline.eventId(accepted);
        p.awaitProcessed(event, WAIT);
        return event;
    }

    private static JsonNode onlyRequest(String slug) {
        JsonNode items = json(admin("GET", "/admin/tenants/" + slug + "/data-requests", null), 200).get("items");
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    private static String id(JsonNode request) {
        return request.get("id").asText();
    }

    private static List<String> texts(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.path(field).asText()));
        return out;
    }

    private static HttpResponse<String> admin(String method, String path, String body) {
        return Webhooks.admin(p.server(), method, path, body);
    }

    private static JsonNode json(HttpResponse<String> res, int status) {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(status);
        return Webhooks.json(res.body());
    }

    /** A new operator token holding only {@code scope}. */
    private static String token(String name, String scope) {
        return json(admin("POST", "/admin/tokens", "{\"name\": \"" + name + "\", \"scopes\": [\"" + scope + "\"]}"),
                    201).get("token").asText();
    }

    private static HttpResponse<String> call(String method, String path, String token) {
        return TestServers.send(HttpRequest.newBuilder(TestServers.uri(p.server(), path))
                                        .header("Authorization", "Bearer " + token)
                                        .method(method, HttpRequest.BodyPublishers.noBody()).build());
    }
}
