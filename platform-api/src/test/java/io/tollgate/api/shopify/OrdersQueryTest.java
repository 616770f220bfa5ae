package io.tollgate.api.shopify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.http.Json;
import io.tollgate.api.orders.OrderFacts;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrdersQueryTest {

    @Test
    void readsTheNodesOfAnOrdersAnswer() {
        OrdersAnswer answer = OrdersQuery.parse(ShopifySamples.resource("graphql-customer-orders.json"));

        assertThat(answer).isInstanceOf(OrdersAnswer.Found.class);
        OrdersAnswer.Found found = (OrdersAnswer.Found) answer;
        assertThat(found.errors()).isEmpty();
        assertThat(found.orders()).extracting(OrderFacts::name).containsExactly("#1003", "#1002", "#1001");
        assertThat(found.orders()).extracting(OrderFacts::number).containsExactly(1003L, 1002L, 1001L);

        OrderFacts newest = found.orders().getFirst();
        assertThat(newest.id()).as("2^53 + 1, digit for digit").isEqualTo("9007199254740993");
        assertThat(newest.gid()).isEqualTo("gid://shopify/Order/9007199254740993");
        assertThat(newest.email()).isEqualTo(ShopifySamples.BOB);
        assertThat(newest.createdAt()).isEqualTo(Instant.parse("2024-03-12T15:04:05Z"));
        assertThat(newest.updatedAt()).isEqualTo(Instant.parse("2024-03-14T09:12:44Z"));
        assertThat(newest.cancelledAt()).isNull();
        assertThat(newest.financialStatus()).isEqualTo("PAID");
        assertThat(newest.fulfillmentStatus()).isEqualTo("FULFILLED");
        assertThat(newest.tracking()).as("the USPS parcel belongs to a CANCELLED fulfillment").containsExactly(
                new OrderFacts.Tracking("UPS", "1Z999AA10123456784",
                        "https://www.ups.com/track?loc=en_US&tracknum=1Z999AA10123456784"));

        OrderFacts middle = found.orders().get(1);
        assertThat(middle.id()).isEqualTo("5812345678901");
        assertThat(middle.financialStatus()).isEqualTo("PARTIALLY_REFUNDED");
        assertThat(middle.fulfillmentStatus()).isEqualTo("PARTIALLY_FULFILLED");
        assertThat(middle.tracking()).containsExactly(
                new OrderFacts.Tracking("DHL Express", "1234567890",
                        "https://www.dhl.com/en/express/tracking.html?AWB=1234567890"),
                new OrderFacts.Tracking("DHL Express", "1234567891", null));

        assertThat(found.orders().get(2).tracking()).isEmpty();
        assertThat(found.orders().get(2).fulfillmentStatus()).isEqualTo("UNFULFILLED");
    }

    @Test
    void readsTheEdgesFormLikeTheNodesForm() throws Exception {
        JsonNode root = Json.MAPPER.readTree(ShopifySamples.resource("graphql-customer-orders.json"));
        ObjectNode orders = (ObjectNode) root.get("data").get("orders");
        ArrayNode edges = Json.MAPPER.createArrayNode();
        orders.get("nodes").forEach(node -> edges.addObject().put("cursor", "eyJsYXN0X2lkIjoxfQ==").set("node", node));
        orders.remove("nodes");
        orders.set("edges", edges);
        // trackingInfo as a connection too, in case a version answers one
        ObjectNode fulfillment = (ObjectNode) edges.get(1).get("node").get("fulfillments").get(0);
        ObjectNode connection = Json.MAPPER.createObjectNode();
        connection.set("nodes", fulfillment.get("trackingInfo"));
        fulfillment.set("trackingInfo", connection);

        OrdersAnswer answer = OrdersQuery.parse(Json.write(root));

        assertThat(answer).isEqualTo(new OrdersAnswer.Found(ShopifySamples.graphqlOrders(), List.of()));
    }

    @Test
    void recognisesAThrottledAnswerAndSaysHowLongToWait() {
        OrdersAnswer answer = OrdersQuery.parse(ShopifySamples.resource("graphql-throttled.json"));

        // (752 requested - 12 available) / 50 per second = 14.8 s, rounded up
        assertThat(answer).isEqualTo(new OrdersAnswer.Throttled(Duration.ofSeconds(15)));
    }

    @Test
    void aThrottledAnswerWithoutCostFiguresGetsTheDefaultWait() {
        OrdersAnswer answer = OrdersQuery.parse("""
                {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}
                """.getBytes(StandardCharsets.UTF_8));

        assertThat(answer).isEqualTo(new OrdersAnswer.Throttled(OrdersAnswer.Throttled.DEFAULT_WAIT));
    }

    @Test
    void otherErrorsWithoutDataAreAFailureNamingTheCode() {
        OrdersAnswer answer = OrdersQuery.parse("""
                {"errors": [{"message": "Access denied for orders field.",
                             "extensions": {"code": "ACCESS_DENIED",
                                            "documentation": "https://shopify.dev/api/usage/access-scopes"}}],
                 "data": null}
                """.getBytes(StandardCharsets.UTF_8));

        assertThat(answer).isEqualTo(new OrdersAnswer.Failed("ACCESS_DENIED: Access denied for orders field."));
        assertThat(OrdersQuery.parse("{\"errors\": \"[API] Invalid API key or access token\"}"
                .getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new OrdersAnswer.Failed("[API] Invalid API key or access token"));
    }

    @Test
    void dataWithErrorsIsFoundAndCarriesTheErrors() {
        OrdersAnswer answer = OrdersQuery.parse("""
                {"data": {"orders": {"nodes": [{"id": "gid://shopify/Order/1", "name": "#1001", "email": null}]}},
                 "errors": [{"message": "This app is not approved to access the Order object's email field.",
                             "path": ["orders", "nodes", 0, "email"],
                             "extensions": {"code": "ACCESS_DENIED"}}]}
                """.getBytes(StandardCharsets.UTF_8));

        assertThat(answer).isInstanceOf(OrdersAnswer.Found.class);
        OrdersAnswer.Found found = (OrdersAnswer.Found) answer;
        assertThat(found.orders()).extracting(OrderFacts::name).containsExactly("#1001");
        assertThat(found.orders().getFirst().email()).isNull();
        assertThat(found.errors()).containsExactly(
                "ACCESS_DENIED: This app is not approved to access the Order object's email field.");
    }

    @Test
    void aBodyThatIsNoGraphqlAnswerIsAFailureNotAnException() {
        assertThat(OrdersQuery.parse("<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new OrdersAnswer.Failed("the body is not valid JSON"));
        assertThat(OrdersQuery.parse(new byte[0])).isInstanceOf(OrdersAnswer.Failed.class);
        assertThat(OrdersQuery.parse(null)).isInstanceOf(OrdersAnswer.Failed.class);
        assertThat(OrdersQuery.parse("{\"data\": {}}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new OrdersAnswer.Failed("the answer has no data.orders"));
    }

    @Test
    void toleratesNullsEverywhereInANode() {
        OrdersAnswer answer = OrdersQuery.parse("""
                {"data": {"orders": {"nodes": [
                  null,
                  {"id": null, "name": null, "email": null, "createdAt": null, "updatedAt": "not a date",
                   "cancelledAt": null, "displayFinancialStatus": null, "displayFulfillmentStatus": null,
                   "fulfillments": [null, {"status": null, "trackingInfo": null},
                                    {"trackingInfo": [null, {"company": null, "number": null, "url": null}]}]},
                  {"id": "gid://shopify/Order/12?x=y", "name": "SHOP-00042-EU", "extra": {"deep": [1, 2]}}
                ]}}}
                """.getBytes(StandardCharsets.UTF_8));

        List<OrderFacts> orders = ((OrdersAnswer.Found) answer).orders();
        assertThat(orders).hasSize(2);
        assertThat(orders.getFirst()).isEqualTo(
                new OrderFacts(null, null, 0, null, null, null, null, null, null, List.of()));
        assertThat(orders.get(1).id()).isEqualTo("12");
        assertThat(orders.get(1).number()).as("first run of digits in a custom name").isEqualTo(42);
    }

    @Test
    void theRequestBodyCarriesTheDocumentAndAnEscapedEmailSearch() throws Exception {
        JsonNode body = Json.MAPPER.readTree(OrdersQuery.requestBody(5, " bob\"x\\y@example.com "));

        assertThat(body.get("query").asText()).isEqualTo(OrdersQuery.DOCUMENT);
        assertThat(body.get("variables").get("first").asInt()).isEqualTo(5);
        assertThat(body.get("variables").get("query").asText()).isEqualTo("email:\"bob\\\"x\\\\y@example.com\"");
        assertThat(OrdersQuery.emailSearch(ShopifySamples.BOB)).isEqualTo("email:\"bob.norman@hostmail.com\"");
        assertThatThrownBy(() -> OrdersQuery.requestBody(0, ShopifySamples.BOB))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OrdersQuery.requestBody(251, ShopifySamples.BOB))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OrdersQuery.emailSearch(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDocumentDeclaresAndUsesItsVariablesAndAsksForEveryFieldThatIsRead() {
        String doc = OrdersQuery.DOCUMENT;

        assertThat(doc).startsWith("query TollgateCustomerOrders($first: Int!, $query: String!) {");
        assertThat(doc).contains("orders(first: $first, query: $query, sortKey: CREATED_AT, reverse: true)");
        assertThat(doc.chars().filter(c -> c == '{').count()).isEqualTo(doc.chars().filter(c -> c == '}').count());
        assertThat(doc.chars().filter(c -> c == '(').count()).isEqualTo(doc.chars().filter(c -> c == ')').count());
        for (String field : List.of("id", "name", "email", "createdAt", "updatedAt", "cancelledAt",
                "displayFinancialStatus", "displayFulfillmentStatus", "fulfillments(first: 5)", "status",
                "trackingInfo(first: 5)", "company", "number", "url")) {
            assertThat(doc).containsPattern("(?m)^\\s+" + java.util.regex.Pattern.quote(field) + "( \\{)?$");
        }
    }
}
