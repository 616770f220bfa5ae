package io.tollgate.api.shopify;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.http.Json;
import io.tollgate.api.orders.OrderFacts;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads Shopify's REST order object: the body of the orders/create, orders/updated, orders/fulfilled (etc.) webhooks,
 * which is the bare order, and the REST Admin answers {"order": {...}} and {"orders": [...]}. Unknown fields are
 * ignored and any field may be missing or null.
 */
public final class RestOrders {
    private RestOrders() {
    }

    /**
     * The orders in a REST body: {"orders": [...]}, {"order": {...}}, or a bare order object.
     *
     * @throws IllegalArgumentException if the body is not a JSON object (the message never quotes the body)
     */
    public static List<OrderFacts> parse(byte[] body) {
        JsonNode root = readObject(body);
        JsonNode orders = root.get("orders");
        if (orders != null && orders.isArray()) {
            List<OrderFacts> out = new ArrayList<>();
            for (JsonNode order : Nodes.elements(orders)) {
                out.add(order(order));
            }
            return List.copyOf(out);
        }
        JsonNode order = root.get("order");
        if (order != null && order.isObject()) {
            return List.of(order(order));
        }
        return List.of(order(root));
    }

    /** One REST order object (the bare webhook body). */
    public static OrderFacts order(JsonNode order) {
        long number = Nodes.positiveLong(order, "order_number");
        String name = Nodes.text(order, "name");
        if (number == 0) {
            // REST "number" is order_number - 1000 on default stores; the name is the better fallback
            number = Nodes.digitsOf(name);
        }
        String id = Nodes.id(order, "id");
        if (id == null) {
            String gid = Nodes.text(order, "admin_graphql_api_id");
            id = gid == null ? null : OrdersQuery.idOf(gid);
        }
        String email = Nodes.text(order, "email");
        if (email == null) {
            email = Nodes.text(order, "contact_email");
        }
        return new OrderFacts(id, name, number, email,
                Nodes.instant(order, "created_at"), Nodes.instant(order, "updated_at"),
                Nodes.instant(order, "cancelled_at"),
                Nodes.status(order, "financial_status"), fulfillmentStatus(order), tracking(order));
    }

    private static String fulfillmentStatus(JsonNode order) {
        JsonNode value = order.get("fulfillment_status");
        if (value != null && value.isNull()) {
            return "UNFULFILLED"; // Shopify: null means none of the line items has been fulfilled
        }
        String status = Nodes.status(order, "fulfillment_status");
        return "PARTIAL".equals(status) ? "PARTIALLY_FULFILLED" : status;
    }

    private static List<OrderFacts.Tracking> tracking(JsonNode order) {
        Set<OrderFacts.Tracking> out = new LinkedHashSet<>();
        for (JsonNode fulfillment : Nodes.elements(order.get("fulfillments"))) {
            if (Nodes.fulfillmentVoid(fulfillment)) {
                continue;
            }
            String company = Nodes.text(fulfillment, "tracking_company");
            List<String> numbers = Nodes.strings(fulfillment.get("tracking_numbers"));
            List<String> urls = Nodes.strings(fulfillment.get("tracking_urls"));
            String number = Nodes.text(fulfillment, "tracking_number");
            String url = Nodes.text(fulfillment, "tracking_url");
            if (numbers.isEmpty()) {
                numbers = new ArrayList<>();
                numbers.add(number);
            }
            for (int i = 0; i < Math.max(numbers.size(), urls.size()); i++) {
                String n = i < numbers.size() ? numbers.get(i) : null;
                String u = i < urls.size() ? urls.get(i) : (i == 0 ? url : null);
                if (n != null || u != null) {
                    out.add(new OrderFacts.Tracking(company, n, u));
                }
            }
        }
        return List.copyOf(out);
    }

    static JsonNode readObject(byte[] body) {
        JsonNode root;
        try {
            root = body == null ? null : Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("the body is not valid JSON");
        } catch (IOException e) {
            throw new IllegalArgumentException("the body could not be read");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the body is not a JSON object");
        }
        return root;
    }
}
