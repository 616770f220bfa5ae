package io.tollgate.api.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.TestServers;
import io.tollgate.api.Webhooks;
import io.tollgate.tenant.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shopify's privacy erasures end to end, on the real pipeline (PostgreSQL, gateway, worker posting notes to a Gorgias
 * stand-in): two customers' orders and tickets, then Shopify's own customers/redact and shop/redact example bodies
 * (test resources privacy/, see README.txt there), signed as Shopify signs them. After an erasure a scan of every
 * column of every table of the public schema (each cast to text; bytea searched for the UTF-8 bytes) finds none of the
 * erased customer's values, while the other customer's and the other tenant's data are still there.
 */
class PrivacyErasureTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final Pipeline p = Pipeline.forClass(Map.of());

    /** Bob, the customer of Shopify's order fixture (shopify-python-api-order.json), and his values in it. */
    private static final long BOB_CUSTOMER = 207119551L;
    private static final long BOB_ORDER = 450789469L;
    private static final List<String> BOB_VALUES = List.of(Pipeline.BOB, "555-625-1199", "Bob", "Norman",
                                                           "Chestnut Street 92", "Louisville");
    /** Alice: the same fixture with her own values in place of Bob's. */
    private static final String ALICE = "alice.quinn@example.org";
    private static final List<String> ALICE_VALUES = List.of(ALICE, "555-300-4242", "Alice", "Quinn", "Birch Lane 7",
                                                             "Duluth");
    private static final long ALICE_CUSTOMER = 5_200_000_001L;
    private static final long ALICE_ORDER = 5_100_000_001L;

    @Test
    void customersRedactErasesEveryCopyOfThatCustomerAndNothingElse() throws SQLException {
        Pipeline.Tenant t = p.tenant("pv-shop");
        Pipeline.Tenant other = p.tenant("pv-other");
        Delivered shop = deliverBoth(t, 61_000_000_001L);
        deliverBoth(other, 61_000_000_101L);
        // Bob asked for his data first: the operator's document holds his orders, ticket and note
        UUID asked = Pipeline.eventId(p.shopify(p.server(), t, dataRequest(t), "customers/data_request",
                                                "evt-pv-request-1"));
        p.awaitProcessed(asked, WAIT);
        assertThat(hits(t.slug(), BOB_VALUES)).as("the scan sees Bob before the erasure")
                .contains("webhook_events.body", "customers.email", "orders.email", "messages.body_text",
                          "messages.sender_email", "notes.body_text", "data_requests.document");

        byte[] redact = customersRedact(t);
        UUID erasure = Pipeline.eventId(p.shopify(p.server(), t, redact, "customers/redact", "evt-pv-redact-1"));
        p.awaitProcessed(erasure, WAIT);

        assertThat(hits(t.slug(), BOB_VALUES)).as("Bob's values anywhere in the tenant's data").isEmpty();
        assertThat(hits(t.slug(), ALICE_VALUES)).as("Alice's data of the same tenant")
                .contains("webhook_events.body", "customers.email", "orders.email", "messages.body_text",
                          "messages.sender_email", "notes.body_text");
        assertThat(hits(other.slug(), BOB_VALUES)).as("Bob's data with another tenant")
                .contains("webhook_events.body", "customers.email", "orders.email", "messages.body_text",
                          "notes.body_text");
        String posted = "SELECT count(*) FROM notes n JOIN tenants t ON t.id = n.tenant_id WHERE t.slug = ?"
                + " AND n.gorgias_ticket_id = ? AND n.state = 'posted'";
        assertThat(p.count(posted, t.slug(), shop.bobTicket))
                .as("the note ledger rows stay (a resent ticket is not answered twice)").isPositive()
                .isEqualTo(p.count(posted + " AND n.body_text IS NULL AND n.body_html IS NULL", t.slug(),
                                   shop.bobTicket));

        // retries of the erased deliveries are still duplicates: Shopify's (event id), Gorgias's (webhook id, body hash)
        assertDuplicate(p.shopify(p.server(), t, bobOrder(), "orders/create", "evt-bob-order"));
        assertDuplicate(p.deliver(t, shop.bobTicketBody, "wh-bob-ticket"));
        assertDuplicate(p.deliver(t, shop.bobMessageBody, null));
        assertDuplicate(p.shopify(p.server(), t, redact, "customers/redact", "evt-pv-redact-1"));
        assertThat(hits(t.slug(), BOB_VALUES)).as("after the retries").isEmpty();

        // what the operator sees: the record with its counts and the notes to erase in Gorgias, and the audit row
        JsonNode record = privacy(t).get("items").get(0);
        assertThat(record.get("topic").asText()).isEqualTo("customers/redact");
        assertThat(record.get("event_id").asText()).isEqualTo(erasure.toString());
        JsonNode rows = record.get("rows");
        assertThat(rows.get("webhook_events").asLong()).as("order, customer, ticket and message bodies")
                .isGreaterThanOrEqualTo(4);
        assertThat(rows.get("tickets").asLong()).isEqualTo(1);
        assertThat(rows.get("messages").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(rows.get("orders").asLong()).isEqualTo(1);
        assertThat(rows.get("customers").asLong()).as("Bob's Shopify and Gorgias rows").isEqualTo(2);
        assertThat(rows.get("notes").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(rows.get("data_requests").asLong()).as("Bob's data-request document").isEqualTo(1);
        assertThat(p.count("SELECT count(*) FROM data_requests d JOIN tenants t ON t.id = d.tenant_id"
                                   + " WHERE t.slug = ? AND d.state = 'open'", t.slug()))
                .as("the request itself stays for the operator").isEqualTo(1);
        assertThat(record.get("total_rows").asLong()).isGreaterThan(9);
        assertThat(record.get("gorgias_notes").toString())
                .contains("\"ticket_id\":" + shop.bobTicket).contains("\"message_id\":555000111")
                .doesNotContain(String.valueOf(shop.aliceTicket));
        assertThat(record.toString()).doesNotContain("bob").doesNotContain("Bob").doesNotContain("1199");
        assertThat(p.one("SELECT detail::text FROM audit_log WHERE token_name = 'system' AND tenant_slug = ?"
                                 + " AND action = 'privacy.customers.redact' AND target = ?", t.slug(),
                         erasure.toString()))
                .contains("\"webhook_events\"").doesNotContain("bob").doesNotContain("Bob");
        assertThat(TestServers.get(p.server(), "/admin/tenants/" + t.slug() + "/privacy").statusCode())
                .as("no token").isEqualTo(401);

        // the same request again (a new delivery): no error, nothing left, recorded with zero rows
        UUID again = Pipeline.eventId(p.shopify(p.server(), t, redact, "customers/redact", "evt-pv-redact-2"));
        p.awaitProcessed(again, WAIT);
        JsonNode second = privacy(t).get("items").get(0);
        assertThat(second.get("event_id").asText()).isEqualTo(again.toString());
        assertThat(second.get("total_rows").asLong()).isZero();
        assertThat(second.get("gorgias_notes")).isEmpty();
        assertThat(privacy(t).get("items")).hasSize(2);
        assertThat(hits(t.slug(), BOB_VALUES)).isEmpty();
    }

    @Test
    void shopRedactErasesEveryCustomerOfTheShopAndKeepsTheTenant() throws SQLException {
        Pipeline.Tenant t = p.tenant("pv-gone");
        Pipeline.Tenant other = p.tenant("pv-stays");
        Delivered shop = deliverBoth(t, 62_000_000_001L);
        deliverBoth(other, 62_000_000_101L);

        byte[] redact = resource("shopify-shop-redact.json").replace("{shop}", t.slug())
                .getBytes(StandardCharsets.UTF_8);
        UUID erasure = Pipeline.eventId(p.shopify(p.server(), t, redact, "shop/redact", "evt-pv-shop-redact"));
        p.awaitProcessed(erasure, WAIT);

        assertThat(hits(t.slug(), BOB_VALUES)).as("Bob's values").isEmpty();
        assertThat(hits(t.slug(), ALICE_VALUES)).as("Alice's values").isEmpty();
        assertThat(Webhooks.admin(p.server(), "GET", "/admin/tenants/" + t.slug(), null).statusCode())
                .as("the tenant stays until an operator deletes it").isEqualTo(200);
        for (String table : List.of("gorgias_credentials", "shopify_credentials", "webhook_secrets")) {
            assertThat(p.count("SELECT count(*) FROM " + table + " x JOIN tenants t ON t.id = x.tenant_id"
                                       + " WHERE t.slug = ?", t.slug())).as(table).isPositive();
        }
        assertThat(hits(other.slug(), BOB_VALUES)).contains("webhook_events.body", "customers.email");
        assertThat(hits(other.slug(), ALICE_VALUES)).contains("webhook_events.body", "customers.email");

        assertDuplicate(p.shopify(p.server(), t, bobOrder(), "orders/create", "evt-bob-order"));
        assertDuplicate(p.deliver(t, shop.aliceTicketBody, "wh-alice-ticket"));
        JsonNode record = privacy(t).get("items").get(0);
        assertThat(record.get("topic").asText()).isEqualTo("shop/redact");
        assertThat(record.get("rows").get("tickets").asLong()).isEqualTo(2);
        assertThat(record.get("rows").get("orders").asLong()).isEqualTo(2);
        assertThat(record.get("gorgias_notes").toString()).contains("\"ticket_id\":" + shop.bobTicket)
                .contains("\"ticket_id\":" + shop.aliceTicket);

        UUID again = Pipeline.eventId(p.shopify(p.server(), t, redact, "shop/redact", "evt-pv-shop-redact-2"));
        p.awaitProcessed(again, WAIT);
        assertThat(privacy(t).get("items").get(0).get("total_rows").asLong()).as("again: nothing left").isZero();
    }

    /** What {@link #deliverBoth} delivered. */
    private record Delivered(long bobTicket, long aliceTicket, byte[] bobTicketBody, byte[] bobMessageBody,
                             byte[] aliceTicketBody) {
    }

    /**
     * Bob's and Alice's orders (orders/create), Bob's customers/update, a ticket of each (ticket-created, with their
     * Gorgias customer) and a message event of Bob's without a webhook id; each processed, each ticket answered by a
     * posted note.
     */
    private Delivered deliverBoth(Pipeline.Tenant t, long firstTicket) {
        p.stub.stubFor(post(urlPathMatching("/admin/api/.*/graphql.json")).atPriority(1)
                               .withRequestBody(containing(ALICE))
                               .willReturn(okJson(aliceValues(Pipeline.ordersAnswer())
                                                          .replace(String.valueOf(BOB_ORDER),
                                                                   String.valueOf(ALICE_ORDER)))));
        awaitProcessed(p.shopify(p.server(), t, bobOrder(), "orders/create", "evt-bob-order"));
        awaitProcessed(p.shopify(p.server(), t, aliceOrder(), "orders/create", "evt-alice-order"));
        awaitProcessed(p.shopify(p.server(), t, Fixtures.bytes("shopify-python-api-customer.json"),
                                 "customers/update", "evt-bob-customer"));
        long bobTicket = firstTicket;
        long aliceTicket = firstTicket + 1;
        byte[] bobTicketBody = ticket(bobTicket, bobTicket * 10, 7001, Pipeline.BOB, "Bob", "Norman",
                                      "Hi, Bob Norman here, call me on 555-625-1199: where is #1001?");
        byte[] aliceTicketBody = aliceValues(new String(ticket(aliceTicket, aliceTicket * 10, 7002, Pipeline.BOB,
                                                               "Bob", "Norman", "Hi, Bob Norman here, call me on"
                                                                       + " 555-625-1199: where is #1001?"),
                                                        StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        p.deliverProcessed(t, bobTicketBody, "wh-bob-ticket", WAIT);
        p.deliverProcessed(t, aliceTicketBody, "wh-alice-ticket", WAIT);
        byte[] bobMessage = Pipeline.messageCreated(bobTicket, bobTicket * 10 + 1, "Bob again: any news?");
        p.deliverProcessed(t, bobMessage, null, WAIT);
        for (long ticket : List.of(bobTicket, aliceTicket)) {
            Pipeline.await(() -> p.count("SELECT count(*) FROM notes WHERE gorgias_ticket_id = ? AND state = 'posted'"
                                                 + " AND body_text IS NOT NULL", ticket) >= 1,
                           WAIT, () -> "no posted note on ticket " + ticket);
        }
        return new Delivered(bobTicket, aliceTicket, bobTicketBody, bobMessage, aliceTicketBody);
    }

    private void awaitProcessed(HttpResponse<String> accepted) {
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        p.awaitProcessed(Pipeline.eventId(accepted), WAIT);
    }

    private static void assertDuplicate(HttpResponse<String> res) {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(Webhooks.json(res.body()).get("status").asText()).isEqualTo("duplicate");
    }

    private JsonNode privacy(Pipeline.Tenant t) {
        HttpResponse<String> res = Webhooks.admin(p.server(), "GET", "/admin/tenants/" + t.slug() + "/privacy", null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return Webhooks.json(res.body());
    }

    /** Shopify's customers/redact example with the tenant's shop and Bob's id, e-mail, phone and order. */
    private static byte[] customersRedact(Pipeline.Tenant t) {
        ObjectNode body = (ObjectNode) Webhooks.json(resource("shopify-customers-redact.json")
                                                             .replace("{shop}", t.slug()));
        ((ObjectNode) body.get("customer")).put("id", BOB_CUSTOMER).put("email", Pipeline.BOB)
                .put("phone", "555-625-1199");
        body.putArray("orders_to_redact").add(BOB_ORDER);
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Shopify's customers/data_request example with the tenant's shop and Bob's id, e-mail and phone. */
    private static byte[] dataRequest(Pipeline.Tenant t) {
        String example;
        try (InputStream in = PrivacyErasureTest.class.getResourceAsStream("/shopify/customers-data-request.json")) {
            example = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ObjectNode body = (ObjectNode) Webhooks.json(example.replace("{shop}", t.slug()));
        ((ObjectNode) body.get("customer")).put("id", BOB_CUSTOMER).put("email", Pipeline.BOB)
                .put("phone", "555-625-1199");
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bobOrder() {
        return Webhooks.json(new String(Fixtures.bytes("shopify-python-api-order.json"), StandardCharsets.UTF_8))
                .get("order").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] aliceOrder() {
        ObjectNode o = (ObjectNode) Webhooks.json(aliceValues(new String(bobOrder(), StandardCharsets.UTF_8)));
        o.put("id", ALICE_ORDER).put("name", "#1101").put("order_number", 1101);
        ((ObjectNode) o.get("customer")).put("id", ALICE_CUSTOMER);
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Bob's values replaced by Alice's, everywhere in the text. */
    private static String aliceValues(String text) {
        String out = text;
        for (int i = 0; i < BOB_VALUES.size(); i++) {
            out = out.replace(BOB_VALUES.get(i), ALICE_VALUES.get(i));
        }
        return out;
    }

    /** A Gorgias ticket-created body: the customer (Gorgias id, e-mail, names) asks {@code text}. */
    private static byte[] ticket(long ticketId, long messageId, long customerId, String email, String first,
                                 String last, String text) {
        return ("""
                {"ticket": {"id": %d, "subject": "Where is my order?", "channel": "email", "status": "open",
                 "customer": {"id": %d, "email": "%s", "firstname": "%s", "lastname": "%s", "name": "%4$s %5$s"},
                 "messages": [
                   {"id": %d, "channel": "email", "via": "email", "from_agent": false,
                    "sender": {"id": %2$d, "email": "%3$s"}, "body_text": "%s", "body_html": "<p>%7$s</p>",
                    "created_datetime": "2024-01-15T10:30:00+00:00", "external_id": null}]}}""")
                .formatted(ticketId, customerId, email, first, last, messageId, text).getBytes(StandardCharsets.UTF_8);
    }

    private static String resource(String name) {
        try (InputStream in = PrivacyErasureTest.class.getResourceAsStream("/privacy/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Every column of every table in the public schema that holds one of {@code values}, as "table.column": a table
     * with a {@code tenant_id} only in the rows of the tenant {@code slug}, every other table whole. Columns are cast
     * to text (e-mails compared case-insensitively), bytea searched for the values' UTF-8 bytes.
     */
    private List<String> hits(String slug, List<String> values) throws SQLException {
        List<String> found = new ArrayList<>();
        try (Connection c = p.db.connect()) {
            Map<String, List<String[]>> columns = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
                      JOIN information_schema.tables t
                        ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                     WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                     ORDER BY c.table_name, c.ordinal_position""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(new String[] {rs.getString(2), rs.getString(3)});
                }
            }
            assertThat(columns).containsKeys("webhook_events", "jobs", "tickets", "messages", "notes", "orders",
                                             "customers", "audit_log", "connections", "privacy_erasures",
                                             "data_requests");
            for (Map.Entry<String, List<String[]>> table : columns.entrySet()) {
                boolean tenantScoped = table.getValue().stream().anyMatch(col -> col[0].equals("tenant_id"));
                for (String[] col : table.getValue()) {
                    for (String value : values) {
                        String match = col[1].equals("bytea")
                                ? "position(convert_to(?, 'UTF8') in \"" + col[0] + "\") > 0"
                                : value.contains("@") ? "position(lower(?) in lower(\"" + col[0] + "\"::text)) > 0"
                                : "position(? in \"" + col[0] + "\"::text) > 0";
                        String sql = "SELECT count(*) FROM \"" + table.getKey() + "\" WHERE " + match
                                + (tenantScoped ? " AND tenant_id = (SELECT id FROM tenants WHERE slug = ?)" : "");
                        try (PreparedStatement ps = c.prepareStatement(sql)) {
                            ps.setString(1, value);
                            if (tenantScoped) {
                                ps.setString(2, slug);
                            }
                            try (ResultSet rs = ps.executeQuery()) {
                                rs.next();
                                String where = table.getKey() + "." + col[0];
                                if (rs.getLong(1) > 0 && !found.contains(where)) {
                                    found.add(where);
                                }
                            }
                        }
                    }
                }
            }
        }
        return found;
    }
}
