package io.tollgate.api.standin;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.http.Json;
import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.shopify.OrdersAnswer;
import io.tollgate.api.shopify.OrdersQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stand-in answers as the upstreams it stands in for document: credentials required (401 otherwise), required
 * fields of a posted message (400 otherwise), a posted note read back by every read of the ticket, and Shopify's
 * orders query answered with the documentation order for its customer's address only.
 */
class StandInTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(
            (StandIn.GORGIAS_USERNAME + ":" + StandIn.GORGIAS_API_KEY).getBytes(StandardCharsets.UTF_8));
    private static StandIn standIn;

    @BeforeAll
    static void start() {
        standIn = StandIn.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        standIn.close();
    }

    @Test
    void everyCallNeedsTheAccountsCredentials() throws Exception {
        assertThat(send("GET", "/api/account", null, null).statusCode()).isEqualTo(401);
        String wrong = "Basic " + Base64.getEncoder().encodeToString(
                (StandIn.GORGIAS_USERNAME + ":not-the-key").getBytes(StandardCharsets.UTF_8));
        assertThat(send("GET", "/api/tickets/" + StandIn.TICKET_ID, wrong, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/account", BASIC, null).statusCode()).isEqualTo(200);

        HttpResponse<String> noToken = HTTP.send(HttpRequest.newBuilder(uri("/admin/api/2025-10/graphql.json"))
                                                         .POST(HttpRequest.BodyPublishers.ofByteArray(
                                                                 OrdersQuery.requestBody(10, "bob.norman@hostmail.com")))
                                                         .header("Content-Type", "application/json").build(),
                                                 HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(noToken.body()).contains("Invalid API key or access token");
    }

    @Test
    void aPostedNoteIsReadBackByEveryReadOfTheTicketAndAnIncompleteOneRefused() throws Exception {
        String incomplete = "{\"channel\": \"internal-note\", \"via\": \"api\", \"body_text\": \"no sender\"}";
        HttpResponse<String> refused = send("POST", "/api/tickets/" + StandIn.TICKET_ID + "/messages", BASIC,
                                            incomplete);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("sender");

        String note = "{\"channel\": \"internal-note\", \"via\": \"api\", \"from_agent\": true,"
                + " \"sender\": {\"email\": \"agent@acme.example\"}, \"body_text\": \"Order #1001 is on its way.\","
                + " \"external_id\": \"tollgate:standin-test\"}";
        HttpResponse<String> posted = send("POST", "/api/tickets/" + StandIn.TICKET_ID + "/messages", BASIC, note);
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(201);
        long id = Json.MAPPER.readTree(posted.body()).get("id").longValue();

        JsonNode ticket = json(send("GET", "/api/tickets/" + StandIn.TICKET_ID, BASIC, null));
        assertThat(ticket.path("customer").path("email").asText()).isEqualTo("bob.norman@hostmail.com");
        assertThat(ids(ticket.get("messages"))).containsExactly(StandIn.CUSTOMER_MESSAGE_ID, id);
        assertThat(ticket.get("messages").get(0).path("from_agent").booleanValue()).isFalse();
        assertThat(ticket.get("messages").get(0).path("body_text").asText()).contains("#1001");

        JsonNode listed = json(send("GET", "/api/messages?ticket_id=" + StandIn.TICKET_ID
                + "&order_by=created_datetime:asc&limit=100", BASIC, null));
        assertThat(ids(listed.get("data"))).containsExactly(StandIn.CUSTOMER_MESSAGE_ID, id);
        assertThat(listed.path("meta").path("next_cursor").isNull()).isTrue();
        JsonNode older = json(send("GET", "/api/tickets/" + StandIn.TICKET_ID + "/messages?limit=100", BASIC, null));
        assertThat(ids(older.get("data"))).containsExactly(StandIn.CUSTOMER_MESSAGE_ID, id);
        assertThat(older.get("data").get(1).path("external_id").asText()).isEqualTo("tollgate:standin-test");
        assertThat(standIn.messages()).hasSize(2);

        assertThat(send("GET", "/api/tickets/999", BASIC, null).statusCode()).isEqualTo(404);
        assertThat(json(send("GET", "/api/messages?ticket_id=999", BASIC, null)).get("data")).isEmpty();
    }

    @Test
    void theOrdersQueryFindsTheDocumentationOrderForItsCustomerOnly() throws Exception {
        OrdersAnswer bob = OrdersQuery.parse(graphql(OrdersQuery.requestBody(10, "bob.norman@hostmail.com")));
        assertThat(bob).isInstanceOf(OrdersAnswer.Found.class);
        List<OrderFacts> orders = ((OrdersAnswer.Found) bob).orders();
        assertThat(orders).hasSize(1);
        OrderFacts order = orders.getFirst();
        assertThat(order.id()).isEqualTo("450789469");
        assertThat(order.name()).isEqualTo("#1001");
        assertThat(order.number()).isEqualTo(1001);
        assertThat(order.financialStatus()).isEqualTo("AUTHORIZED");
        assertThat(order.updatedAt()).isNotNull();

        OrdersAnswer other = OrdersQuery.parse(graphql(OrdersQuery.requestBody(10, "someone@else.example")));
        assertThat(((OrdersAnswer.Found) other).orders()).isEmpty();
    }

    @Test
    void theShopIsTheOneItsTokenBelongsTo() throws Exception {
        byte[] body = "{\"query\": \"query TollgateShop { shop { myshopifyDomain } }\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(Json.MAPPER.readTree(graphql(body)).path("data").path("shop").path("myshopifyDomain").asText())
                .isEqualTo(StandIn.SHOP_DOMAIN);
        byte[] noQuery = "{\"variables\": {}}".getBytes(StandardCharsets.UTF_8);
        assertThat(shopify(noQuery).statusCode()).isEqualTo(400);
    }

    private static byte[] graphql(byte[] body) throws Exception {
        HttpResponse<String> r = shopify(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body().getBytes(StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> shopify(byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri("/admin/api/2025-10/graphql.json"))
                                 .header("X-Shopify-Access-Token", StandIn.SHOPIFY_ACCESS_TOKEN)
                                 .header("Content-Type", "application/json")
                                 .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                         HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> send(String method, String path, String auth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).method(method, body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body());
    }

    private static List<Long> ids(JsonNode list) {
        List<Long> out = new ArrayList<>();
        list.forEach(m -> out.add(m.get("id").longValue()));
        return out;
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + standIn.port() + path);
    }
}
