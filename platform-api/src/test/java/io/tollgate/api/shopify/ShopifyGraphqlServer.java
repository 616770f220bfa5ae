package io.tollgate.api.shopify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;

/**
 * Shopify's GraphQL Admin API ({@code POST /admin/api/{version}/graphql.json}) as a small stateful server that limits
 * as Shopify does (shopify.dev, "GraphQL Admin API rate limits", https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits):
 * <ul>
 *   <li>a registered {@code X-Shopify-Access-Token}, else HTTP 401 {@code {"errors": "[API] Invalid API key or access
 *   token ..."}};</li>
 *   <li>a JSON object with a {@code query} string as the body, else HTTP 400;</li>
 *   <li>a cost per query computed from the document as the docs count it (objects 1, scalars and enums 0, a
 *   connection 2 plus {@code first} times its node, a list with {@code first} that many times its element, a mutation
 *   10); more than 1,000 requested is MAX_COST_EXCEEDED;</li>
 *   <li>a leaky bucket per shop (its size and restore rate set per shop, as plans differ): the requested cost is
 *   taken before the query runs and what it did not cost given back after; a query that does not fit is answered
 *   HTTP 200 with {@code errors[].extensions.code} THROTTLED and is not run;</li>
 *   <li>{@code extensions.cost} ({@code requestedQueryCost}, {@code actualQueryCost}, {@code throttleStatus}) on every
 *   GraphQL answer;</li>
 *   <li>before API version 2025-10, a document or an input naming {@code uri} is refused with the error the schema
 *   gives for an unknown field (HTTP 200, {@code errors[]}), as {@code uri} came with 2025-10.</li>
 * </ul>
 * It answers the documents of {@link OrdersQuery} (a shop's orders, searched by {@code email:"..."}, and one order by
 * gid) and of {@link WebhookSubscriptions} (shop, create). Orders are kept as GraphQL {@code Order} nodes.
 */
public final class ShopifyGraphqlServer implements AutoCloseable {
    /** Shopify refuses a single query that requests more than this. */
    static final int MAX_QUERY_COST = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern GRAPHQL = Pattern.compile("/admin/api/([^/]+)/graphql\\.json");
    private static final Pattern VERSION = Pattern.compile("\\d{4}-\\d{2}");

    private final WireMockServer server;
    private final AtomicLong ids = new AtomicLong(5000);
    private final Map<String, Shop> byToken = new HashMap<>();
    private final Map<String, Shop> byDomain = new HashMap<>();

    /** One shop: its bucket and its data. */
    private static final class Shop {
        final String domain;
        double maximum;
        double restoreRate;
        double available;
        long at = System.nanoTime();
        final Map<String, ObjectNode> orders = new LinkedHashMap<>();
        final List<ObjectNode> subscriptions = new ArrayList<>();
        long answered;
        long throttled;
        double spent;
        double lowest;

        Shop(String domain, double maximum, double restoreRate) {
            this.domain = domain;
            this.maximum = maximum;
            this.restoreRate = restoreRate;
            this.available = maximum;
            this.lowest = maximum;
        }

        void restore() {
            long now = System.nanoTime();
            available = Math.min(maximum, available + restoreRate * (now - at) / 1e9);
            at = now;
        }
    }

    public ShopifyGraphqlServer() {
        server = new WireMockServer(WireMockConfiguration.options().dynamicPort().containerThreads(30)
                                            .extensions(new Answerer()));
        server.start();
        server.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(404)));
    }

    /** Where it listens: a tenant's Shopify base URL. */
    public URI base() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    /** A shop reached with {@code accessToken}, whose bucket holds {@code maximum} points, restored at {@code rate}/s. */
    public synchronized void shop(String accessToken, String domain, double maximum, double rate) {
        Shop s = new Shop(domain, maximum, rate);
        byToken.put(accessToken, s);
        byDomain.put(domain, s);
    }

    /** Adds or replaces an order: a GraphQL {@code Order} node as {@link OrdersQuery#DOCUMENT} selects it. */
    public synchronized void order(String domain, ObjectNode order) {
        byDomain.get(domain).orders.put(order.get("id").asText(), order.deepCopy());
    }

    /** Spends points of the shop's bucket as another app's queries would (its level goes no lower than 0). */
    public synchronized void drain(String domain, double points) {
        Shop s = byDomain.get(domain);
        s.restore();
        s.available = Math.max(0, s.available - points);
    }

    /** GraphQL answers given to the shop (THROTTLED ones included). */
    public synchronized long answered(String domain) {
        return byDomain.get(domain).answered;
    }

    /** THROTTLED answers given to the shop. */
    public synchronized long throttled(String domain) {
        return byDomain.get(domain).throttled;
    }

    /** Points the shop's queries actually cost, in all. */
    public synchronized double spent(String domain) {
        return byDomain.get(domain).spent;
    }

    /** The webhook subscriptions made on the shop: {topic, url}. */
    public synchronized List<JsonNode> subscriptions(String domain) {
        return List.copyOf(byDomain.get(domain).subscriptions);
    }

    @Override
    public void close() {
        server.stop();
    }

    private final class Answerer implements ResponseDefinitionTransformerV2 {
        @Override
        public String getName() {
            return "shopify-graphql";
        }

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            Request req = event.getRequest();
            String path = req.getUrl();
            int q = path.indexOf('?');
            Matcher m = GRAPHQL.matcher(q < 0 ? path : path.substring(0, q));
            if (!m.matches() || !req.getMethod().getName().equals("POST")) {
                return json(404, "{\"errors\": \"Not Found\"}");
            }
            try {
                synchronized (ShopifyGraphqlServer.this) {
                    return answer(req, m.group(1));
                }
            } catch (RuntimeException e) {
                return json(500, "{\"errors\": \"Internal Server Error\"}");
            }
        }
    }

    private ResponseDefinition answer(Request req, String version) {
        Shop shop = byToken.get(req.getHeader("X-Shopify-Access-Token"));
        if (shop == null) {
            return json(401, "{\"errors\": \"[API] Invalid API key or access token (unrecognized login or wrong "
                    + "password)\"}");
        }
        if (!VERSION.matcher(version).matches() && !version.equals("unstable")) {
            return json(404, "{\"errors\": \"Not Found\"}");
        }
        JsonNode body;
        try {
            body = JSON.readTree(req.getBodyAsString());
        } catch (Exception e) {
            body = null;
        }
        if (body == null || !body.isObject() || !body.path("query").isTextual()) {
            return json(400, "{\"errors\": {\"query\": \"Required parameter missing or invalid\"}}");
        }
        String query = body.get("query").asText();
        JsonNode vars = body.path("variables");
        boolean modern = version.equals("unstable") || version.compareTo("2025-10") >= 0;
        shop.restore();
        int requested;
        try {
            requested = new Cost(query, vars).total();
        } catch (IllegalArgumentException e) {
            return graphqlError(shop, 0, "Parse error: " + e.getMessage(), "PARSE_ERROR");
        }
        if (!modern && Pattern.compile("\\buri\\b").matcher(query).find()) {
            return graphqlError(shop, requested, "Field 'uri' doesn't exist on type 'WebhookSubscription'",
                                "undefinedField");
        }
        if (!modern && vars.path("webhookSubscription").has("uri")) {
            return graphqlError(shop, requested, "Variable $webhookSubscription of type WebhookSubscriptionInput! was"
                    + " provided invalid value for uri (Field is not defined on WebhookSubscriptionInput)",
                                "argumentLiteralsIncompatible");
        }
        if (requested > MAX_QUERY_COST) {
            return graphqlError(shop, requested, "Query cost is " + requested + ", which exceeds the single query max"
                    + " cost limit (" + MAX_QUERY_COST + ").", "MAX_COST_EXCEEDED");
        }
        shop.answered++;
        if (requested > shop.available) {
            shop.throttled++;
            ObjectNode out = JSON.createObjectNode();
            out.putArray("errors").addObject().put("message", "Throttled")
                    .putObject("extensions").put("code", "THROTTLED")
                    .put("documentation", "https://shopify.dev/api/usage/rate-limits");
            cost(out, shop, requested, null);
            return json(200, out.toString());
        }
        shop.available -= requested;
        shop.lowest = Math.min(shop.lowest, shop.available);
        ObjectNode out = JSON.createObjectNode();
        int actual = run(shop, query, vars, modern, requested, out.putObject("data"));
        shop.available = Math.min(shop.maximum, shop.available + (requested - actual));
        shop.spent += actual;
        cost(out, shop, requested, actual);
        return json(200, out.toString());
    }

    /** Runs a document; returns what it actually cost. */
    private int run(Shop shop, String query, JsonNode vars, boolean modern, int requested, ObjectNode data) {
        if (query.contains("TollgateCustomerOrders")) {
            String search = vars.path("query").asText();
            String email = search.startsWith("email:\"") && search.endsWith("\"")
                    ? search.substring(7, search.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\") : "";
            int first = vars.path("first").asInt(0);
            ArrayNode nodes = data.putObject("orders").putArray("nodes");
            shop.orders.values().stream().filter(o -> o.path("email").asText().equalsIgnoreCase(email))
                    .sorted((a, b) -> b.path("createdAt").asText().compareTo(a.path("createdAt").asText()))
                    .limit(first).forEach(o -> nodes.add(o.deepCopy()));
            return 2 + nodes.size() * OrdersQuery.ORDER_COST;
        }
        if (query.contains("TollgateOrder(")) {
            ObjectNode order = shop.orders.get(vars.path("id").asText());
            if (order == null) {
                data.putNull("order");
                return 1;
            }
            data.set("order", order.deepCopy());
            return requested;
        }
        if (query.contains("TollgateShop")) {
            data.putObject("shop").put("myshopifyDomain", shop.domain);
            return requested;
        }
        if (query.contains("TollgateWebhookCreate")) {
            JsonNode input = vars.path("webhookSubscription");
            String url = input.path(modern ? "uri" : "callbackUrl").asText(null);
            ObjectNode payload = data.putObject("webhookSubscriptionCreate");
            ArrayNode errors = payload.putArray("userErrors");
            if (url == null) {
                payload.putNull("webhookSubscription");
                errors.addObject().put("message", "Address can't be blank").putArray("field")
                        .add("webhookSubscription").add(modern ? "uri" : "callbackUrl");
                return requested;
            }
            ObjectNode sub = JSON.createObjectNode();
            sub.put("id", "gid://shopify/WebhookSubscription/" + ids.incrementAndGet());
            sub.put("topic", vars.path("topic").asText());
            if (modern) {
                sub.put("uri", url);
            } else {
                sub.putObject("endpoint").put("__typename", "WebhookHttpEndpoint").put("callbackUrl", url);
            }
            shop.subscriptions.add(JSON.createObjectNode().put("topic", vars.path("topic").asText()).put("url", url));
            payload.set("webhookSubscription", sub);
            return requested;
        }
        throw new IllegalArgumentException("this server does not know the document");
    }

    private ResponseDefinition graphqlError(Shop shop, int requested, String message, String code) {
        ObjectNode out = JSON.createObjectNode();
        out.putArray("errors").addObject().put("message", message).putObject("extensions").put("code", code);
        cost(out, shop, requested, 0);
        return json(200, out.toString());
    }

    private static void cost(ObjectNode out, Shop shop, int requested, Integer actual) {
        ObjectNode cost = out.putObject("extensions").putObject("cost");
        cost.put("requestedQueryCost", requested);
        if (actual == null) {
            cost.putNull("actualQueryCost");
        } else {
            cost.put("actualQueryCost", actual);
        }
        cost.putObject("throttleStatus").put("maximumAvailable", shop.maximum)
                .put("currentlyAvailable", Math.floor(shop.available)).put("restoreRate", shop.restoreRate);
    }

    private static ResponseDefinition json(int status, String body) {
        return new ResponseDefinitionBuilder().withStatus(status).withHeader("Content-Type", "application/json")
                .withHeader("X-Request-Id", "shopify-test-" + status).withBody(body).build();
    }

    /**
     * A document's requested cost, from its text: a small reader of GraphQL's selection sets (names, arguments,
     * nested braces, inline fragments), enough for the documents Tollgate sends.
     */
    static final class Cost {
        private final List<String> tokens = new ArrayList<>();
        private final JsonNode vars;
        private int i;

        Cost(String document, JsonNode vars) {
            this.vars = vars;
            int n = document.length();
            int p = 0;
            while (p < n) {
                char c = document.charAt(p);
                if (Character.isWhitespace(c) || c == ',') {
                    p++;
                } else if (c == '#') {
                    while (p < n && document.charAt(p) != '\n') {
                        p++;
                    }
                } else if (c == '"') {
                    int end = p + 1;
                    while (end < n && document.charAt(end) != '"') {
                        end += document.charAt(end) == '\\' ? 2 : 1;
                    }
                    tokens.add("\"");
                    p = end + 1;
                } else if (Character.isLetterOrDigit(c) || c == '_' || c == '-') {
                    int end = p;
                    while (end < n && (Character.isLetterOrDigit(document.charAt(end))
                            || document.charAt(end) == '_' || document.charAt(end) == '-')) {
                        end++;
                    }
                    tokens.add(document.substring(p, end));
                    p = end;
                } else if (c == '.' && document.startsWith("...", p)) {
                    tokens.add("...");
                    p += 3;
                } else {
                    tokens.add(String.valueOf(c));
                    p++;
                }
            }
        }

        int total() {
            boolean mutation = !tokens.isEmpty() && tokens.getFirst().equals("mutation");
            while (i < tokens.size() && !tokens.get(i).equals("{")) {
                if (tokens.get(i).equals("(")) {
                    skipBalanced("(", ")");
                } else {
                    i++;
                }
            }
            if (i >= tokens.size()) {
                throw new IllegalArgumentException("no selection set");
            }
            if (mutation) {
                i++;
                int fields = 0;
                while (!peek().equals("}")) {
                    field();
                    fields++;
                }
                return 10 * fields;
            }
            return selection().cost;
        }

        private record Sel(int cost, boolean connection, int nodeCost) {
        }

        /** A selection set at the cursor: the sum of its fields' costs (and whether it is a connection's). */
        private Sel selection() {
            expect("{");
            int sum = 0;
            boolean connection = false;
            int nodeCost = 0;
            while (!peek().equals("}")) {
                if (peek().equals("...")) {
                    i++;
                    if (peek().equals("on")) {
                        i += 2;
                    }
                    sum += selection().cost;
                    continue;
                }
                String name = peek();
                int c = field();
                if (name.equals("nodes")) {
                    connection = true;
                    nodeCost = c;
                } else if (name.equals("edges")) {
                    connection = true;
                    nodeCost = c;
                } else if (!name.equals("pageInfo")) {
                    sum += c;
                }
            }
            expect("}");
            return new Sel(sum, connection, nodeCost);
        }

        /** One field at the cursor: its cost. */
        private int field() {
            String name = next();
            if (peek().equals(":")) { // an alias
                i++;
                name = next();
            }
            Integer first = null;
            if (peek().equals("(")) {
                first = arguments();
            }
            if (!peek().equals("{")) {
                return 0; // a scalar or an enum
            }
            Sel children = selection();
            if (name.equals("edges")) {
                return children.cost; // edges { node { ... } }: the node's cost
            }
            if (name.equals("node") || name.equals("nodes")) {
                return 1 + children.cost;
            }
            if (children.connection) {
                return 2 + (first == null ? 0 : first) * children.nodeCost;
            }
            if (first != null) {
                return first * (1 + children.cost);
            }
            return 1 + children.cost;
        }

        /** Reads {@code (name: value, ...)}; returns the value of {@code first} (or {@code last}), if any. */
        private Integer arguments() {
            expect("(");
            Integer first = null;
            while (!peek().equals(")")) {
                String name = next();
                expect(":");
                if (peek().equals("$")) {
                    i++;
                    String var = next();
                    if (name.equals("first") || name.equals("last")) {
                        first = vars.path(var).asInt(0);
                    }
                } else if (peek().equals("[")) {
                    skipBalanced("[", "]");
                } else if (peek().equals("{")) {
                    skipBalanced("{", "}");
                } else {
                    String value = next();
                    if ((name.equals("first") || name.equals("last")) && value.chars().allMatch(Character::isDigit)) {
                        first = Integer.parseInt(value);
                    }
                }
            }
            expect(")");
            return first;
        }

        private void skipBalanced(String open, String close) {
            int depth = 0;
            do {
                String t = next();
                if (t.equals(open)) {
                    depth++;
                } else if (t.equals(close)) {
                    depth--;
                }
            } while (depth > 0);
        }

        private String peek() {
            if (i >= tokens.size()) {
                throw new IllegalArgumentException("the document ends too soon");
            }
            return tokens.get(i);
        }

        private String next() {
            String t = peek();
            i++;
            return t;
        }

        private void expect(String t) {
            if (!next().equals(t)) {
                throw new IllegalArgumentException("expected " + t + " at token " + (i - 1));
            }
        }
    }
}
