package io.tollgate.api.shopify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.http.Json;
import io.tollgate.api.orders.OrderFacts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The Shopify GraphQL Admin API query for a customer's most recent orders, and the reading of its answer. Send
 * {@link #requestBody(int, String)} as the POST body to /admin/api/{version}/graphql.json; read the answer with
 * {@link #parse(byte[])}.
 */
public final class OrdersQuery {
    /** What a reply needs of an order: names, dates, statuses and tracking (both documents select it). */
    private static final String ORDER_FIELDS = """
            id
            name
            email
            createdAt
            updatedAt
            cancelledAt
            displayFinancialStatus
            displayFulfillmentStatus
            fulfillments(first: 5) {
              status
              trackingInfo(first: 5) {
                company
                number
                url
              }
            }
            """;

    /** Newest orders first, with {@link #ORDER_FIELDS}. */
    public static final String DOCUMENT = """
            query TollgateCustomerOrders($first: Int!, $query: String!) {
              orders(first: $first, query: $query, sortKey: CREATED_AT, reverse: true) {
                nodes {
            %s    }
              }
            }
            """.formatted(ORDER_FIELDS.indent(6));

    /** One order by its gid, with the same fields as {@link #DOCUMENT}'s nodes: a cached order's re-read. */
    public static final String ORDER_DOCUMENT = """
            query TollgateOrder($id: ID!) {
              order(id: $id) {
            %s  }
            }
            """.formatted(ORDER_FIELDS.indent(4));

    /** Shopify answers at most 250 nodes per page. */
    public static final int MAX_FIRST = 250;

    /**
     * The points one order node of these documents is expected to cost, counted as shopify.dev's "GraphQL Admin API
     * rate limits" counts: an object is 1, scalars and enums 0, a list sized by {@code first} that many times its
     * element: the order (1) and 5 fulfillments of 1 each with 5 tracking objects of 1 each.
     */
    static final int ORDER_COST = 1 + 5 * (1 + 5);

    /** The points {@link #DOCUMENT} with {@code first} is expected to cost: a connection is 2 plus its nodes. */
    public static int expectedCost(int first) {
        return 2 + first * ORDER_COST;
    }

    private OrdersQuery() {
    }

    /**
     * The search string for the orders of one email address: {@code email:"bob@example.com"}, with backslashes and
     * double quotes escaped so that the address stays one quoted value of Shopify's search syntax.
     */
    public static String emailSearch(String email) {
        if (email == null || email.isBlank()) {
            throw new IllegalArgumentException("an email address is needed to search orders");
        }
        String value = email.strip().replace("\\", "\\\\").replace("\"", "\\\"");
        return "email:\"" + value + "\"";
    }

    /** The JSON POST body {"query": DOCUMENT, "variables": {"first": first, "query": emailSearch(email)}}. */
    public static byte[] requestBody(int first, String email) {
        if (first < 1 || first > MAX_FIRST) {
            throw new IllegalArgumentException("first must be between 1 and " + MAX_FIRST);
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("query", DOCUMENT);
        ObjectNode variables = body.putObject("variables");
        variables.put("first", first);
        variables.put("query", emailSearch(email));
        return Json.write(body);
    }

    /** The JSON POST body {"query": ORDER_DOCUMENT, "variables": {"id": gid}}. */
    public static byte[] orderBody(String gid) {
        if (gid == null || !gid.startsWith(OrderFacts.GID_PREFIX)) {
            throw new IllegalArgumentException("an order gid is needed");
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("query", ORDER_DOCUMENT);
        body.putObject("variables").put("id", gid);
        return Json.write(body);
    }

    /** An answer's root object and its errors' descriptions, or what the answer already is (unreadable, THROTTLED). */
    private record Read(JsonNode root, List<String> errors, OrdersAnswer answer) {
    }

    private static Read read(byte[] body) {
        JsonNode root;
        try {
            root = RestOrders.readObject(body);
        } catch (IllegalArgumentException e) {
            return new Read(null, List.of(), new OrdersAnswer.Failed(e.getMessage()));
        }
        List<String> errors = new ArrayList<>();
        JsonNode errorList = root.get("errors");
        if (errorList != null && errorList.isArray()) {
            for (JsonNode error : errorList) {
                if ("THROTTLED".equals(Nodes.text(error.get("extensions"), "code"))) {
                    return new Read(root, errors, new OrdersAnswer.Throttled(throttleWait(root)));
                }
                errors.add(describe(error));
            }
        } else if (errorList != null && errorList.isTextual()) {
            errors.add(errorList.textValue()); // e.g. {"errors": "[API] Invalid API key or access token ..."}
        }
        return new Read(root, errors, null);
    }

    /**
     * Reads the answer to {@link #ORDER_DOCUMENT}: the order in a {@code Found} of one, none when Shopify has no such
     * order ({@code data.order} null), THROTTLED and failures as {@link #parse} reads them.
     */
    public static OrdersAnswer parseOne(byte[] body) {
        Read read = read(body);
        if (read.answer() != null) {
            return read.answer();
        }
        JsonNode root = read.root();
        List<String> errors = read.errors();
        JsonNode data = root.get("data");
        if (data == null || !data.isObject() || !data.has("order")) {
            return new OrdersAnswer.Failed(errors.isEmpty() ? "the answer has no data.order" : String.join("; ", errors));
        }
        JsonNode order = data.get("order");
        if (order.isNull()) {
            return new OrdersAnswer.Found(List.of(), errors);
        }
        return new OrdersAnswer.Found(List.of(order(order)), errors);
    }

    /**
     * Reads a GraphQL answer: {"data":{"orders":{"nodes":[...]}}} or {"data":{"orders":{"edges":[{"node":...}]}}},
     * a THROTTLED error, or anything else as {@link OrdersAnswer.Failed}. Never throws for a bad body.
     */
    public static OrdersAnswer parse(byte[] body) {
        Read read = read(body);
        if (read.answer() != null) {
            return read.answer();
        }
        JsonNode root = read.root();
        List<String> errors = read.errors();
        JsonNode orders = root.path("data").get("orders");
        if (orders == null || !orders.isObject()) {
            return new OrdersAnswer.Failed(errors.isEmpty() ? "the answer has no data.orders" : String.join("; ", errors));
        }
        List<OrderFacts> out = new ArrayList<>();
        for (JsonNode node : Nodes.elements(orders)) {
            out.add(order(node));
        }
        return new OrdersAnswer.Found(out, errors);
    }

    /** One {@code Order} node of the query above. */
    public static OrderFacts order(JsonNode node) {
        String name = Nodes.text(node, "name");
        String gid = Nodes.text(node, "id");
        return new OrderFacts(gid == null ? null : idOf(gid), name, Nodes.digitsOf(name), Nodes.text(node, "email"),
                Nodes.instant(node, "createdAt"), Nodes.instant(node, "updatedAt"), Nodes.instant(node, "cancelledAt"),
                Nodes.status(node, "displayFinancialStatus"), Nodes.status(node, "displayFulfillmentStatus"),
                tracking(node));
    }

    private static List<OrderFacts.Tracking> tracking(JsonNode order) {
        Set<OrderFacts.Tracking> out = new LinkedHashSet<>();
        for (JsonNode fulfillment : Nodes.elements(order.get("fulfillments"))) {
            if (Nodes.fulfillmentVoid(fulfillment)) {
                continue;
            }
            for (JsonNode info : Nodes.elements(fulfillment.get("trackingInfo"))) {
                String number = Nodes.text(info, "number");
                String url = Nodes.text(info, "url");
                if (number != null || url != null) {
                    out.add(new OrderFacts.Tracking(Nodes.text(info, "company"), number, url));
                }
            }
        }
        return List.copyOf(out);
    }

    /** "450789469" for gid://shopify/Order/450789469 (the digits are kept as text, exact); other ids as given. */
    static String idOf(String gid) {
        if (gid.startsWith(OrderFacts.GID_PREFIX)) {
            String tail = gid.substring(OrderFacts.GID_PREFIX.length());
            int query = tail.indexOf('?');
            String digits = query < 0 ? tail : tail.substring(0, query);
            if (!digits.isEmpty() && digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return digits;
            }
        }
        return gid;
    }

    /**
     * How long to wait after a THROTTLED answer: from its extensions.cost, as {@link OrdersAnswer.Throttled} says
     * (any GraphQL Admin answer carries the same figures).
     */
    public static Duration throttleWait(JsonNode root) {
        return QueryCost.of(root).map(QueryCost::untilRequestedFits).orElse(OrdersAnswer.Throttled.DEFAULT_WAIT);
    }

    private static String describe(JsonNode error) {
        String code = Nodes.text(error.get("extensions"), "code");
        String message = Nodes.text(error, "message");
        String text = (code == null ? "" : code + ": ") + (message == null ? "error" : message);
        return text.length() > 200 ? text.substring(0, 200) : text;
    }
}
