package io.tollgate.api.shopify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.http.Json;
import io.tollgate.api.upstream.UpstreamAnswer;
import io.tollgate.api.upstream.UpstreamResult;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The GraphQL documents for the shop's identity and its webhook subscriptions, and the readers of their answers.
 *
 * <p>API version 2025-10 added a unified {@code uri} (on {@code WebhookSubscriptionInput}, on {@code
 * WebhookSubscription} and as a filter of {@code webhookSubscriptions}) and deprecated {@code callbackUrl} and {@code
 * endpoint}; older versions only have those. So a tenant on 2025-10 or later (or {@code unstable}) is asked with
 * {@code uri}, an older one with {@code endpoint { ... on WebhookHttpEndpoint { callbackUrl } }} and input {@code
 * callbackUrl}. Answers are read liberally: whichever of {@code uri}, {@code callbackUrl} and {@code
 * endpoint.callbackUrl} is present, and connections as {@code nodes} or {@code edges}.
 */
public final class WebhookSubscriptions {
    /** The first Admin API version with the unified {@code uri} field. */
    static final String URI_SINCE = "2025-10";
    /** Subscriptions asked for per page (the API's maximum is 250). */
    static final int PAGE_SIZE = 100;

    static final String SHOP = "query TollgateShop { shop { myshopifyDomain } }";

    /** Expected points, counted as shopify.dev's "GraphQL Admin API rate limits" does: the shop object. */
    static final int SHOP_COST = 1;
    /** A mutation costs 10 points. */
    static final int MUTATION_COST = 10;

    private static final String LIST = """
            query TollgateWebhooks($first: Int!, $after: String, $topics: [WebhookSubscriptionTopic!]) {
              webhookSubscriptions(first: $first, after: $after, topics: $topics) {
                edges { node { id topic %s } }
                pageInfo { hasNextPage endCursor }
              }
            }""";

    private static final String CREATE = """
            mutation TollgateWebhookCreate($topic: WebhookSubscriptionTopic!,
                                           $webhookSubscription: WebhookSubscriptionInput!) {
              webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
                webhookSubscription { id topic %s }
                userErrors { field message }
              }
            }""";

    static final String DELETE = """
            mutation TollgateWebhookDelete($id: ID!) {
              webhookSubscriptionDelete(id: $id) {
                deletedWebhookSubscriptionId
                userErrors { field message }
              }
            }""";

    private static final String URI_FIELD = "uri";
    private static final String ENDPOINT_FIELD = "endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } }";

    private WebhookSubscriptions() {
    }

    /** One subscription: its gid, topic ({@code ORDERS_CREATE}) and destination URL (null when not HTTP). */
    public record Subscription(String id, String topic, String url) {
    }

    /** One page of {@code webhookSubscriptions}. */
    record Page(List<Subscription> subscriptions, Optional<String> endCursor) {
    }

    /**
     * Expected points of one page of {@link #listBody}: a connection (2) of {@link #PAGE_SIZE} subscriptions (1
     * each), with an endpoint object (1) each before 2025-10.
     */
    static int listCost(String apiVersion) {
        return 2 + PAGE_SIZE * (usesUri(apiVersion) ? 1 : 2);
    }

    /** Whether {@code apiVersion} has the unified {@code uri} field. */
    static boolean usesUri(String apiVersion) {
        String v = apiVersion.strip().toLowerCase(Locale.ROOT);
        return v.equals("unstable") || v.compareTo(URI_SINCE) >= 0;
    }

    static byte[] listBody(String apiVersion, List<String> topics, Optional<String> after) {
        ObjectNode vars = Json.MAPPER.createObjectNode();
        vars.put("first", PAGE_SIZE);
        if (after.isPresent()) {
            vars.put("after", after.get());
        } else {
            vars.putNull("after");
        }
        topics.forEach(vars.putArray("topics")::add);
        return request(LIST.formatted(usesUri(apiVersion) ? URI_FIELD : ENDPOINT_FIELD), vars);
    }

    static byte[] createBody(String apiVersion, String topic, String url) {
        ObjectNode vars = Json.MAPPER.createObjectNode();
        vars.put("topic", topic);
        ObjectNode input = vars.putObject("webhookSubscription");
        input.put(usesUri(apiVersion) ? "uri" : "callbackUrl", url);
        input.put("format", "JSON");
        return request(CREATE.formatted(usesUri(apiVersion) ? URI_FIELD : ENDPOINT_FIELD), vars);
    }

    static byte[] deleteBody(String id) {
        ObjectNode vars = Json.MAPPER.createObjectNode();
        vars.put("id", id);
        return request(DELETE, vars);
    }

    static byte[] shopBody() {
        return request(SHOP, Json.MAPPER.createObjectNode());
    }

    private static byte[] request(String query, ObjectNode variables) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("query", query);
        body.set("variables", variables);
        return Json.write(body);
    }

    /** {@code data.shop.myshopifyDomain}. */
    static UpstreamResult<String> shopDomain(UpstreamAnswer answer) {
        return data(answer, "shop").flatMapOk(shop -> {
            String domain = text(shop, "myshopifyDomain");
            return domain == null ? new UpstreamResult.Failed<>(answer.status(), "the answer has no myshopifyDomain")
                    : new UpstreamResult.Ok<>(domain.toLowerCase(Locale.ROOT));
        });
    }

    static UpstreamResult<Page> page(UpstreamAnswer answer) {
        return data(answer, "webhookSubscriptions").flatMapOk(conn -> {
            List<Subscription> out = new ArrayList<>();
            for (JsonNode node : elements(conn)) {
                subscription(node).ifPresent(out::add);
            }
            JsonNode info = conn.path("pageInfo");
            String end = text(info, "endCursor");
            boolean more = info.path("hasNextPage").asBoolean(false) && end != null;
            return new UpstreamResult.Ok<>(new Page(out, more ? Optional.of(end) : Optional.empty()));
        });
    }

    /** The created subscription's gid; {@code userErrors} as {@code Failed} (with the answer's HTTP status, 200). */
    static UpstreamResult<String> created(UpstreamAnswer answer) {
        return data(answer, "webhookSubscriptionCreate").flatMapOk(payload -> {
            Optional<String> refused = userErrors(payload);
            if (refused.isPresent()) {
                return new UpstreamResult.Failed<>(answer.status(), "userErrors: " + refused.get());
            }
            String id = text(payload.path("webhookSubscription"), "id");
            return id == null ? new UpstreamResult.Failed<>(answer.status(), "the answer has no subscription id")
                    : new UpstreamResult.Ok<>(id);
        });
    }

    /**
     * True when the subscription was deleted, false when Shopify no longer has it (a userError saying it does not
     * exist, or was not found); other userErrors are {@code Failed}.
     */
    static UpstreamResult<Boolean> deleted(UpstreamAnswer answer) {
        return data(answer, "webhookSubscriptionDelete").flatMapOk(payload -> {
            Optional<String> refused = userErrors(payload);
            if (refused.isPresent()) {
                String lower = refused.get().toLowerCase(Locale.ROOT);
                if (lower.contains("not exist") || lower.contains("not found")) {
                    return new UpstreamResult.Ok<>(false);
                }
                return new UpstreamResult.Failed<>(answer.status(), "userErrors: " + refused.get());
            }
            return new UpstreamResult.Ok<>(true);
        });
    }

    private static Optional<Subscription> subscription(JsonNode node) {
        String id = text(node, "id");
        String topic = text(node, "topic");
        if (id == null || topic == null) {
            return Optional.empty();
        }
        String url = text(node, "uri");
        if (url == null) {
            url = text(node, "callbackUrl");
        }
        if (url == null) {
            url = text(node.path("endpoint"), "callbackUrl");
        }
        return Optional.of(new Subscription(id, topic.toUpperCase(Locale.ROOT), url));
    }

    /**
     * {@code data.<field>} of a GraphQL answer: THROTTLED is {@code RetryLater}, errors without that field
     * {@code Failed} with their codes and messages.
     */
    private static Read data(UpstreamAnswer answer, String field) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(answer.body());
        } catch (IOException e) {
            return new Read(new UpstreamResult.Failed<>(answer.status(), "the answer is not JSON"));
        }
        if (root == null || !root.isObject()) {
            return new Read(new UpstreamResult.Failed<>(answer.status(), "the answer is not a JSON object"));
        }
        List<String> errors = new ArrayList<>();
        JsonNode list = root.get("errors");
        if (list != null && list.isArray()) {
            for (JsonNode error : list) {
                String code = text(error.path("extensions"), "code");
                if ("THROTTLED".equals(code)) {
                    return new Read(new UpstreamResult.RetryLater<>(OrdersQuery.throttleWait(root),
                                                                    "GraphQL THROTTLED"));
                }
                String message = text(error, "message");
                String one = (code == null ? "" : code + ": ") + (message == null ? "error" : message);
                errors.add(one.length() > 200 ? one.substring(0, 200) : one);
            }
        } else if (list != null && list.isTextual()) {
            errors.add(list.textValue());
        }
        JsonNode value = root.path("data").get(field);
        if (value == null || !value.isObject()) {
            return new Read(new UpstreamResult.Failed<>(answer.status(), errors.isEmpty()
                    ? "the answer has no data." + field : String.join("; ", errors)));
        }
        return new Read(new UpstreamResult.Ok<>(value));
    }

    private static Optional<String> userErrors(JsonNode payload) {
        JsonNode errors = payload.get("userErrors");
        if (errors == null || !errors.isArray() || errors.isEmpty()) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : errors) {
            String field = e.path("field").isArray() ? String.join(".", elementsText(e.path("field"))) : null;
            String message = text(e, "message");
            out.add((field == null || field.isEmpty() ? "" : field + ": ") + (message == null ? "error" : message));
        }
        return Optional.of(String.join("; ", out));
    }

    private static List<String> elementsText(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<JsonNode> elements(JsonNode connection) {
        List<JsonNode> out = new ArrayList<>();
        JsonNode nodes = connection.get("nodes");
        if (nodes != null && nodes.isArray()) {
            nodes.forEach(out::add);
        }
        JsonNode edges = connection.get("edges");
        if (edges != null && edges.isArray()) {
            edges.forEach(e -> {
                if (e.get("node") != null && e.get("node").isObject()) {
                    out.add(e.get("node"));
                }
            });
        }
        return out;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        if (v == null || !v.isValueNode() || v.isNull()) {
            return null;
        }
        String s = v.asText().strip();
        return s.isEmpty() ? null : s;
    }

    /** A read {@code data.<field>}, or why there is none. */
    private record Read(UpstreamResult<JsonNode> result) {
        <T> UpstreamResult<T> flatMapOk(java.util.function.Function<JsonNode, UpstreamResult<T>> then) {
            if (result instanceof UpstreamResult.Ok<JsonNode>(JsonNode value)) {
                return then.apply(value);
            }
            return result.cast();
        }
    }
}
