package io.tollgate.api.shopify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.http.Json;
import io.tollgate.api.orders.OrderFacts;
import io.tollgate.tenant.testing.Fixtures;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Orders for the tests: Shopify's own REST fixture order #1001 (Bob Norman, from the tenant-config test-jar), copies
 * of it with another name, number, date or status, and the hand-written GraphQL answers under src/test/resources/shopify.
 */
public final class ShopifySamples {
    public static final String BOB = "bob.norman@hostmail.com";

    private ShopifySamples() {
    }

    /** The bare REST order object of shopify-python-api-order.json (what an orders/* webhook body looks like). */
    public static ObjectNode bobsOrderJson() {
        try {
            return (ObjectNode) Json.MAPPER.readTree(Fixtures.bytes("shopify-python-api-order.json")).get("order");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bob's fixture order #1001 as facts. */
    public static OrderFacts order1001() {
        return RestOrders.parse(Fixtures.bytes("shopify-python-api-order.json")).getFirst();
    }

    /** A copy of Bob's fixture order with another name, order number and creation time (ISO-8601 with offset). */
    public static OrderFacts bobsOrder(String name, long number, String createdAt) {
        ObjectNode order = bobsOrderJson();
        order.put("name", name);
        order.put("order_number", number);
        order.put("number", number - 1000);
        order.put("created_at", createdAt);
        order.put("id", 450789469L + number);
        return RestOrders.order(order);
    }

    /** Bob's orders #1001 (2008), #1002 (2024-02-29) and #1003 (2024-03-12), deliberately not in date order. */
    public static List<OrderFacts> bobsOrders() {
        return List.of(
                bobsOrder("#1002", 1002, "2024-02-29T18:30:00-05:00"),
                bobsOrder("#1003", 1003, "2024-03-12T10:04:05-05:00"),
                order1001());
    }

    public static byte[] resource(String name) {
        try (InputStream in = ShopifySamples.class.getResourceAsStream("/shopify/" + name)) {
            if (in == null) {
                throw new IllegalStateException("test resource shopify/" + name + " is missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The three orders of graphql-customer-orders.json (#1003, #1002, #1001). */
    public static List<OrderFacts> graphqlOrders() {
        OrdersAnswer answer = OrdersQuery.parse(resource("graphql-customer-orders.json"));
        return ((OrdersAnswer.Found) answer).orders();
    }
}
