package io.tollgate.api.connect;

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

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
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
 * Gorgias and Shopify as one small stateful HTTP server (WireMock with a transformer that answers every request from
 * in-memory state), so that a list after a create shows what was created, as the real APIs do.
 *
 * <p>Gorgias (basic auth of a registered account, else 401): {@code GET /api/account}; {@code GET
 * /api/integrations?type=http&limit&cursor} (at most {@link #GORGIAS_PAGE} per page, whatever the limit, so paging is
 * exercised; triggers listed with dashes, as the list endpoint documents them); {@code POST /api/integrations};
 * {@code GET/PUT/DELETE /api/integrations/{id}} (a single integration shows its triggers with underscores, as Gorgias's
 * v1.1 reference does). A create or update whose body Gorgias would refuse (see {@link #invalid}: the required
 * {@code http} fields, {@code form} an object of string templates, documented trigger names) is a 400 with Gorgias's
 * error body, and nothing is stored. Shopify (a registered {@code X-Shopify-Access-Token}, else 401 as Shopify answers it): the
 * GraphQL documents of {@code WebhookSubscriptions}; an old API version (before 2025-10) refuses {@code uri} as the
 * real schema would, and {@code webhookSubscriptionCreate} refuses a second subscription of one topic to one address
 * with Shopify's userError.
 */
final class FakeUpstreams implements AutoCloseable {
    static final int GORGIAS_PAGE = 2;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern INTEGRATION = Pattern.compile("/api/integrations/([0-9]+)/?");
    private static final Pattern GRAPHQL = Pattern.compile("/admin/api/([^/]+)/graphql\\.json");

    final WireMockServer server;
    private final AtomicLong ids = new AtomicLong(1000);
    /** basic-auth base64 → Gorgias account name. */
    private final Map<String, String> gorgiasAccounts = new HashMap<>();
    /** account → integrations by id (the objects as stored, with "http"). */
    private final Map<String, Map<Long, ObjectNode>> integrations = new HashMap<>();
    /** accounts whose integration writes are refused with a 400 that echoes the request body. */
    private final List<String> refusingWrites = new ArrayList<>();
    /** access token → shop domain. */
    private final Map<String, String> shops = new HashMap<>();
    private final java.util.Set<String> refusingDeletes = new java.util.HashSet<>();
    private final java.util.Set<String> failingListings = new java.util.HashSet<>();
    /** shop → subscriptions by gid: {id, topic, url}. */
    private final Map<String, Map<String, ObjectNode>> subscriptions = new HashMap<>();

    FakeUpstreams() {
        server = new WireMockServer(WireMockConfiguration.options().dynamicPort().containerThreads(20)
                                            .extensions(new Answerer()));
        server.start();
        server.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(500)));
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    synchronized void gorgiasAccount(String account, String username, String apiKey) {
        gorgiasAccounts.put(basic(username, apiKey), account);
        integrations.computeIfAbsent(account, a -> new LinkedHashMap<>());
    }

    synchronized void refuseIntegrationWrites(String account) {
        refusingWrites.add(account);
    }

    /** Adds an integration as an operator (or another app) would have, returning its id. */
    synchronized long addIntegration(String account, String url, Map<String, String> headers, List<String> triggers) {
        long id = ids.incrementAndGet();
        ObjectNode node = JSON.createObjectNode();
        node.put("id", id);
        node.put("name", "added by hand");
        node.put("type", "http");
        node.putNull("deactivated_datetime");
        ObjectNode http = node.putObject("http");
        http.put("url", url);
        http.put("method", "POST");
        http.put("request_content_type", "application/json");
        http.put("response_content_type", "application/json");
        ObjectNode h = http.putObject("headers");
        headers.forEach(h::put);
        ObjectNode t = http.putObject("triggers");
        triggers.forEach(name -> t.put(name, true));
        integrations.get(account).put(id, node);
        return id;
    }

    synchronized List<JsonNode> integrations(String account) {
        return List.copyOf(integrations.getOrDefault(account, Map.of()).values());
    }

    synchronized void shop(String accessToken, String shopDomain) {
        shops.put(accessToken, shopDomain);
        subscriptions.computeIfAbsent(shopDomain, s -> new LinkedHashMap<>());
    }

    synchronized List<JsonNode> subscriptions(String shopDomain) {
        return List.copyOf(subscriptions.getOrDefault(shopDomain, Map.of()).values());
    }

    /** Removes the shop's subscriptions of {@code topic}, as a merchant or another app could; returns how many. */
    synchronized int dropSubscription(String shopDomain, String topic) {
        Map<String, ObjectNode> mine = subscriptions.getOrDefault(shopDomain, Map.of());
        List<String> gone = mine.entrySet().stream().filter(e -> e.getValue().path("topic").asText().equals(topic))
                .map(Map.Entry::getKey).toList();
        gone.forEach(mine::remove);
        return gone.size();
    }

    /**
     * Points the shop's subscriptions at {@code from} to {@code to} instead, as if they had been made when Tollgate's
     * URL was that; returns how many.
     */
    synchronized int moveSubscriptions(String shopDomain, String from, String to) {
        List<ObjectNode> moved = subscriptions.getOrDefault(shopDomain, Map.of()).values().stream()
                .filter(s -> s.path("url").asText().equals(from)).toList();
        moved.forEach(s -> s.put("url", to));
        return moved.size();
    }

    /** Makes the shop's webhook subscription listings answer 200 with a GraphQL internal error (or normally again). */
    synchronized void failListings(String shopDomain, boolean fail) {
        if (fail) {
            failingListings.add(shopDomain);
        } else {
            failingListings.remove(shopDomain);
        }
    }

    /** Adds a subscription as the merchant or another app could; returns its id. */
    synchronized String addSubscription(String shopDomain, String topic, String url) {
        ObjectNode sub = JSON.createObjectNode();
        sub.put("id", "gid://shopify/WebhookSubscription/" + ids.incrementAndGet());
        sub.put("topic", topic);
        sub.put("url", url);
        sub.put("format", "JSON");
        subscriptions.get(shopDomain).put(sub.get("id").asText(), sub);
        return sub.get("id").asText();
    }

    /** Makes the shop's subscription deletes fail with a userError (or succeed again). */
    synchronized void refuseDeletes(String shopDomain, boolean refuse) {
        if (refuse) {
            refusingDeletes.add(shopDomain);
        } else {
            refusingDeletes.remove(shopDomain);
        }
    }

    /**
     * Sets an integration's {@code http.form} as stored, bypassing validation: e.g. the string {@code {{context}}} an
     * earlier Tollgate sent, or an object an admin edited.
     */
    synchronized void setForm(String account, long id, JsonNode form) {
        ((ObjectNode) integrations.get(account).get(id).get("http")).set("form", form);
    }

    /** Deactivates an integration, as a Gorgias admin could. */
    synchronized void deactivateIntegration(String account, long id) {
        integrations.get(account).get(id).put("deactivated_datetime", "2026-01-01T00:00:00Z");
    }

    /** Deletes an integration, as a Gorgias admin could. */
    synchronized void deleteIntegration(String account, long id) {
        integrations.get(account).remove(id);
    }

    static String basic(String username, String apiKey) {
        return Base64.getEncoder().encodeToString((username + ":" + apiKey).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.stop();
    }

    // --- the answers ------------------------------------------------------------------------------------------------

    private final class Answerer implements ResponseDefinitionTransformerV2 {
        @Override
        public String getName() {
            return "fake-upstreams";
        }

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            Request req = event.getRequest();
            String path = req.getUrl();
            int q = path.indexOf('?');
            String query = q < 0 ? "" : path.substring(q + 1);
            path = q < 0 ? path : path.substring(0, q);
            try {
                synchronized (FakeUpstreams.this) {
                    if (path.startsWith("/api/")) {
                        return gorgias(req, path, query);
                    }
                    Matcher m = GRAPHQL.matcher(path);
                    if (m.matches() && req.getMethod().getName().equals("POST")) {
                        return shopify(req, m.group(1));
                    }
                    return json(404, "{\"error\": \"no such path\"}");
                }
            } catch (Exception e) {
                return json(500, "{\"error\": \"" + e.getClass().getSimpleName() + "\"}");
            }
        }
    }

    private ResponseDefinition gorgias(Request req, String path, String query) throws Exception {
        String auth = req.getHeader("Authorization");
        String account = auth != null && auth.startsWith("Basic ") ? gorgiasAccounts.get(auth.substring(6)) : null;
        if (account == null) {
            return json(401, "{\"error\": {\"msg\": \"Authentication required\"}}");
        }
        Map<Long, ObjectNode> mine = integrations.get(account);
        String method = req.getMethod().getName();
        if (path.equals("/api/account") && method.equals("GET")) {
            return json(200, "{\"domain\": \"" + account + "\", \"status\": {\"status\": \"active\"}}");
        }
        if (path.equals("/api/integrations") && method.equals("GET")) {
            Map<String, String> params = params(query);
            if (!"http".equals(params.get("type"))) {
                return json(400, "{\"error\": \"this fake only lists type=http\"}");
            }
            List<ObjectNode> all = new ArrayList<>(mine.values());
            int from = params.containsKey("cursor") ? Integer.parseInt(params.get("cursor")) : 0;
            int limit = Math.min(GORGIAS_PAGE, Integer.parseInt(params.getOrDefault("limit", "30")));
            ObjectNode out = JSON.createObjectNode();
            ArrayNode data = out.putArray("data");
            for (int i = from; i < Math.min(all.size(), from + limit); i++) {
                data.add(listed(all.get(i)));
            }
            ObjectNode meta = out.putObject("meta");
            if (from + limit < all.size()) {
                meta.put("next_cursor", Integer.toString(from + limit));
            } else {
                meta.putNull("next_cursor");
            }
            meta.putNull("prev_cursor");
            return json(200, out.toString());
        }
        if (path.equals("/api/integrations") && method.equals("POST")) {
            if (refusingWrites.contains(account)) {
                return json(400, "{\"error\": \"invalid integration\", \"received\": " + req.getBodyAsString() + "}");
            }
            ObjectNode body = (ObjectNode) JSON.readTree(req.getBodyAsString());
            ObjectNode invalid = invalid(body);
            if (invalid != null) {
                return json(400, invalid.toString());
            }
            long id = ids.incrementAndGet();
            ObjectNode node = stored(id, body);
            mine.put(id, node);
            return json(201, node.toString());
        }
        Matcher m = INTEGRATION.matcher(path);
        if (m.matches()) {
            long id = Long.parseLong(m.group(1));
            ObjectNode node = mine.get(id);
            if (node == null) {
                return json(404, "{\"error\": {\"msg\": \"Resource not found.\"}}");
            }
            switch (method) {
                case "GET" -> {
                    return json(200, single(node).toString());
                }
                case "PUT" -> {
                    if (refusingWrites.contains(account)) {
                        return json(400, "{\"error\": \"invalid\", \"received\": " + req.getBodyAsString() + "}");
                    }
                    ObjectNode body = (ObjectNode) JSON.readTree(req.getBodyAsString());
                    ObjectNode invalid = invalid(body);
                    if (invalid != null) {
                        return json(400, invalid.toString());
                    }
                    ObjectNode replaced = stored(id, body);
                    mine.put(id, replaced);
                    return json(200, replaced.toString());
                }
                case "DELETE" -> {
                    mine.remove(id);
                    return new ResponseDefinitionBuilder().withStatus(204).build();
                }
                default -> {
                    return json(405, "{}");
                }
            }
        }
        return json(404, "{\"error\": {\"msg\": \"Resource not found.\"}}");
    }

    /** The trigger names Gorgias documents for HTTP integrations (reference/integrations), with dashes. */
    static final java.util.Set<String> TRIGGERS = java.util.Set.of(
            "ticket-created", "ticket-updated", "ticket-message-created", "ticket-self-unsnoozed",
            "ticket-message-failed");
    private static final java.util.Set<String> METHODS = java.util.Set.of("GET", "POST", "PUT", "DELETE", "HEAD",
                                                                          "PATCH");
    private static final java.util.Set<String> REQUEST_TYPES = java.util.Set.of(
            "application/json", "application/x-www-form-urlencoded");

    /**
     * Why Gorgias would refuse this integration body, as its 400 answer ({@code {"error": {"msg", "data": {field:
     * [problems]}}}}), or null when it is valid: {@code name} and {@code type} {@code http}; in {@code http} the four
     * required fields {@code url}, {@code method}, {@code request_content_type}, {@code response_content_type} with
     * their documented values; {@code form}, when given, an object of string templates (Gorgias renders each field);
     * {@code triggers}, when given, booleans under documented trigger names; {@code headers} an object of strings.
     */
    static ObjectNode invalid(ObjectNode body) {
        ObjectNode data = JSON.createObjectNode();
        if (!body.path("name").isTextual() || body.path("name").asText().isBlank()) {
            data.putArray("name").add("Missing data for required field.");
        }
        if (!"http".equals(body.path("type").asText())) {
            data.putArray("type").add("Must be one of: http.");
        }
        JsonNode http = body.get("http");
        if (http == null || !http.isObject()) {
            data.putArray("http").add("Missing data for required field.");
        } else {
            ObjectNode h = JSON.createObjectNode();
            for (String field : List.of("url", "method", "request_content_type", "response_content_type")) {
                if (!http.path(field).isTextual() || http.path(field).asText().isBlank()) {
                    h.putArray(field).add("Missing data for required field.");
                }
            }
            if (!h.has("method") && !METHODS.contains(http.path("method").asText())) {
                h.putArray("method").add("Must be one of: " + String.join(", ", METHODS) + ".");
            }
            if (!h.has("request_content_type") && !REQUEST_TYPES.contains(http.path("request_content_type").asText())) {
                h.putArray("request_content_type").add("Must be one of: " + String.join(", ", REQUEST_TYPES) + ".");
            }
            if (!h.has("response_content_type")
                    && !"application/json".equals(http.path("response_content_type").asText())) {
                h.putArray("response_content_type").add("Must be one of: application/json.");
            }
            JsonNode form = http.get("form");
            if (form != null && !form.isNull()) {
                if (!form.isObject()) {
                    h.putArray("form").add("Not a valid mapping type.");
                } else {
                    ObjectNode f = JSON.createObjectNode();
                    form.properties().forEach(e -> {
                        if (!e.getValue().isTextual()) {
                            f.putArray(e.getKey()).add("Not a valid string.");
                        }
                    });
                    if (!f.isEmpty()) {
                        h.set("form", f);
                    }
                }
            }
            JsonNode triggers = http.get("triggers");
            if (triggers != null && !triggers.isNull()) {
                if (!triggers.isObject()) {
                    h.putArray("triggers").add("Not a valid mapping type.");
                } else {
                    ObjectNode tr = JSON.createObjectNode();
                    triggers.properties().forEach(e -> {
                        if (!TRIGGERS.contains(e.getKey().replace('_', '-'))) {
                            tr.putArray(e.getKey()).add("Unknown trigger.");
                        } else if (!e.getValue().isBoolean()) {
                            tr.putArray(e.getKey()).add("Not a valid boolean.");
                        }
                    });
                    if (!tr.isEmpty()) {
                        h.set("triggers", tr);
                    }
                }
            }
            JsonNode headers = http.get("headers");
            if (headers != null && !headers.isNull() && !headers.isObject()) {
                h.putArray("headers").add("Not a valid mapping type.");
            }
            if (!h.isEmpty()) {
                data.set("http", h);
            }
        }
        if (data.isEmpty()) {
            return null;
        }
        ObjectNode error = JSON.createObjectNode();
        ObjectNode e = error.putObject("error");
        e.put("msg", "Failed to validate the request.");
        e.set("data", data);
        return error;
    }

    private static ObjectNode stored(long id, ObjectNode body) {
        ObjectNode node = body.deepCopy();
        node.put("id", id);
        node.put("uri", "/api/integrations/" + id + "/");
        if (!node.has("deactivated_datetime")) {
            node.putNull("deactivated_datetime");
        }
        return node;
    }

    /** As the list shows it: triggers with dashes. */
    private static ObjectNode listed(ObjectNode node) {
        return node.deepCopy();
    }

    /** As GET by id shows it: triggers with underscores (Gorgias's v1.1 reference). */
    private static ObjectNode single(ObjectNode node) {
        ObjectNode copy = node.deepCopy();
        JsonNode triggers = copy.path("http").get("triggers");
        if (triggers != null && triggers.isObject()) {
            ObjectNode under = JSON.createObjectNode();
            triggers.properties().forEach(e -> under.set(e.getKey().replace('-', '_'), e.getValue()));
            ((ObjectNode) copy.get("http")).set("triggers", under);
        }
        return copy;
    }

    private ResponseDefinition shopify(Request req, String version) throws Exception {
        String shop = shops.get(req.getHeader("X-Shopify-Access-Token"));
        if (shop == null) {
            return json(401, "{\"errors\": \"[API] Invalid API key or access token (unrecognized login or wrong "
                    + "password)\"}");
        }
        JsonNode body = JSON.readTree(req.getBodyAsString());
        String query = body.path("query").asText();
        JsonNode vars = body.path("variables");
        boolean modern = version.equals("unstable") || version.compareTo("2025-10") >= 0;
        if (!modern && query.matches("(?s).*\\buri\\b.*")) {
            return json(200, "{\"errors\": [{\"message\": \"Field 'uri' doesn't exist on type "
                    + "'WebhookSubscription'\", \"extensions\": {\"code\": \"undefinedField\"}}]}");
        }
        Map<String, ObjectNode> mine = subscriptions.get(shop);
        if (query.contains("TollgateShop")) {
            return json(200, "{\"data\": {\"shop\": {\"myshopifyDomain\": \"" + shop + "\"}}}");
        }
        if (query.contains("TollgateWebhooks") && failingListings.contains(shop)) {
            return json(200, "{\"errors\": [{\"message\": \"Internal error. Looks like something went wrong on our "
                    + "end.\", \"extensions\": {\"code\": \"INTERNAL_SERVER_ERROR\"}}]}");
        }
        if (query.contains("TollgateWebhooks")) {
            List<String> topics = new ArrayList<>();
            vars.path("topics").forEach(t -> topics.add(t.asText()));
            List<ObjectNode> all = mine.values().stream()
                    .filter(s -> topics.isEmpty() || topics.contains(s.get("topic").asText())).toList();
            int from = vars.path("after").isTextual() ? Integer.parseInt(vars.path("after").asText()) : 0;
            int first = Math.min(2, vars.path("first").asInt(50));
            ObjectNode out = JSON.createObjectNode();
            ObjectNode conn = out.putObject("data").putObject("webhookSubscriptions");
            ArrayNode edges = conn.putArray("edges");
            for (int i = from; i < Math.min(all.size(), from + first); i++) {
                edges.addObject().set("node", asNode(all.get(i), query.contains("callbackUrl")));
            }
            ObjectNode info = conn.putObject("pageInfo");
            info.put("hasNextPage", from + first < all.size());
            info.put("endCursor", Integer.toString(from + first));
            return json(200, out.toString());
        }
        if (query.contains("TollgateWebhookCreate")) {
            JsonNode input = vars.path("webhookSubscription");
            String url = modern ? input.path("uri").asText(null) : input.path("callbackUrl").asText(null);
            String topic = vars.path("topic").asText();
            ObjectNode out = JSON.createObjectNode();
            ObjectNode payload = out.putObject("data").putObject("webhookSubscriptionCreate");
            ArrayNode errors = payload.putArray("userErrors");
            if (url == null) {
                payload.putNull("webhookSubscription");
                errors.addObject().put("message", "Address can't be blank").putArray("field")
                        .add("webhookSubscription").add(modern ? "uri" : "callbackUrl");
                return json(200, out.toString());
            }
            boolean taken = mine.values().stream().anyMatch(s -> s.get("topic").asText().equals(topic)
                    && s.get("url").asText().equals(url));
            if (taken) {
                payload.putNull("webhookSubscription");
                errors.addObject().put("message", "Address for this topic has already been taken").putArray("field")
                        .add("webhookSubscription").add("callbackUrl");
                return json(200, out.toString());
            }
            ObjectNode sub = JSON.createObjectNode();
            sub.put("id", "gid://shopify/WebhookSubscription/" + ids.incrementAndGet());
            sub.put("topic", topic);
            sub.put("url", url);
            sub.put("format", input.path("format").asText("JSON"));
            mine.put(sub.get("id").asText(), sub);
            payload.set("webhookSubscription", asNode(sub, !modern));
            return json(200, out.toString());
        }
        if (query.contains("TollgateWebhookDelete")) {
            String id = vars.path("id").asText();
            ObjectNode out = JSON.createObjectNode();
            ObjectNode payload = out.putObject("data").putObject("webhookSubscriptionDelete");
            ArrayNode errors = payload.putArray("userErrors");
            if (refusingDeletes.contains(shop)) {
                payload.putNull("deletedWebhookSubscriptionId");
                errors.addObject().put("message", "Webhook subscription could not be deleted").putArray("field")
                        .add("id");
            } else if (mine.remove(id) == null) {
                payload.putNull("deletedWebhookSubscriptionId");
                errors.addObject().put("message", "Webhook subscription does not exist").putArray("field").add("id");
            } else {
                payload.put("deletedWebhookSubscriptionId", id);
            }
            return json(200, out.toString());
        }
        return json(200, "{\"errors\": [{\"message\": \"unknown document\"}]}");
    }

    private static ObjectNode asNode(ObjectNode sub, boolean legacy) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", sub.get("id").asText());
        n.put("topic", sub.get("topic").asText());
        if (legacy) {
            n.putObject("endpoint").put("__typename", "WebhookHttpEndpoint").put("callbackUrl",
                                                                                 sub.get("url").asText());
        } else {
            n.put("uri", sub.get("url").asText());
        }
        return n;
    }

    private static Map<String, String> params(String query) {
        Map<String, String> out = new HashMap<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static ResponseDefinition json(int status, String body) {
        return new ResponseDefinitionBuilder().withStatus(status).withHeader("Content-Type", "application/json")
                .withHeader("X-Request-Id", "fake-" + status).withBody(body).build();
    }
}
