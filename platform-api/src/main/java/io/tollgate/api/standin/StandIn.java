package io.tollgate.api.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.api.http.Json;
import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.shopify.RestOrders;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local stand-in for one Gorgias account and one Shopify shop, for trying Tollgate without either: a small HTTP
 * server on loopback answering the calls Tollgate makes, in the shapes the upstreams document, from memory. Run it
 * with {@code java -cp platform-api/target/platform-api.jar io.tollgate.api.standin.StandIn [port]} (default
 * {@link #DEFAULT_PORT}) and point a tenant at it with {@code base_url} overrides (the gateway needs
 * {@code TOLLGATE_ALLOW_UPSTREAM_OVERRIDE=true}).
 *
 * <p>Gorgias (HTTP basic auth of {@link #GORGIAS_USERNAME} and {@link #GORGIAS_API_KEY}, else 401):
 * {@code GET /api/account}; {@code GET /api/integrations?type=http}, {@code POST /api/integrations},
 * {@code GET/PUT/DELETE /api/integrations/{id}}; {@code GET /api/tickets/{id}} (ticket {@link #TICKET_ID}: Bob
 * Norman asking after order #1001, with every message); {@code GET /api/messages?ticket_id=} and the older
 * {@code GET /api/tickets/{id}/messages} (the ticket's messages, oldest first, {@code {"data", "meta"}});
 * {@code POST /api/tickets/{id}/messages} (400 without {@code channel}, {@code via}, {@code sender} or a body; the
 * message is kept, so it is read back by the calls above). Shopify ({@code X-Shopify-Access-Token:}
 * {@link #SHOPIFY_ACCESS_TOKEN}, else 401): {@code POST /admin/api/{version}/graphql.json} with the shop's
 * {@code myshopifyDomain} ({@link #SHOP_DOMAIN}), the customer orders query (answered with Shopify's documentation
 * order #1001, {@code standin/shopify-order-1001.json}, for its e-mail address; none for any other) and the webhook
 * subscriptions' list, create and delete.
 */
public final class StandIn implements AutoCloseable {
    public static final int DEFAULT_PORT = 8090;
    public static final String GORGIAS_USERNAME = "agent@acme.example";
    public static final String GORGIAS_API_KEY = "standin-gorgias-key";
    public static final String GORGIAS_DOMAIN = "acme";
    public static final String SHOP_DOMAIN = "acme-boots.myshopify.com";
    public static final String SHOPIFY_ACCESS_TOKEN = "shpat_standin";
    public static final long TICKET_ID = 101;
    public static final long CUSTOMER_MESSAGE_ID = 5001;
    public static final long CUSTOMER_ID = 7;
    /** The order the stand-in's shop has (Shopify's documentation example). */
    public static final String ORDER_RESOURCE = "/standin/shopify-order-1001.json";

    private static final Pattern INTEGRATION = Pattern.compile("/api/integrations/([0-9]{1,18})/?");
    private static final Pattern TICKET = Pattern.compile("/api/tickets/([0-9]{1,18})/?");
    private static final Pattern TICKET_MESSAGES = Pattern.compile("/api/tickets/([0-9]{1,18})/messages/?");
    private static final Pattern GRAPHQL = Pattern.compile("/admin/api/([0-9]{4}-[0-9]{2}|unstable)/graphql\\.json");
    private static final Pattern EMAIL_SEARCH = Pattern.compile("email:\"([^\"\\\\]{1,320})\"");
    private static final String GORGIAS_401 = "{\"error\": {\"msg\": \"Authentication required\"}}";
    private static final String SHOPIFY_401 = "{\"errors\": \"[API] Invalid API key or access token (unrecognized"
            + " login or wrong password)\"}";

    private final WebServer server;
    private final AtomicLong ids = new AtomicLong(9000);
    private final byte[] orderJson;
    private final OrderFacts order;
    private final ObjectNode ticket;
    /** The ticket's messages, oldest first: the customer's, then every message posted. */
    private final List<ObjectNode> messages = new ArrayList<>();
    private final Map<Long, ObjectNode> integrations = new LinkedHashMap<>();
    private final Map<String, ObjectNode> subscriptions = new LinkedHashMap<>();

    private StandIn(String host, int port) {
        this.orderJson = resource(ORDER_RESOURCE);
        this.order = RestOrders.parse(orderJson).getFirst();
        Instant asked = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(5, ChronoUnit.MINUTES);
        this.ticket = ticket(asked);
        this.messages.add(customerMessage(asked));
        this.server = WebServer.builder().host(host).port(port).shutdownHook(false)
                .routing(r -> r.any(this::handle))
                .build().start();
    }

    /** Starts a stand-in on {@code host}:{@code port} (0: any free port). */
    public static StandIn start(String host, int port) {
        return new StandIn(host, port);
    }

    public int port() {
        return server.port();
    }

    /** The messages of ticket {@link #TICKET_ID} as they are now (copies), oldest first. */
    public synchronized List<JsonNode> messages() {
        return messages.stream().<JsonNode>map(ObjectNode::deepCopy).toList();
    }

    /** The body of Shopify's orders/create webhook for the shop's order (the bare REST order object). */
    public byte[] orderWebhookBody() {
        return orderJson.clone();
    }

    @Override
    public void close() {
        server.stop();
    }

    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_PORT;
        StandIn standIn = start("127.0.0.1", port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            standIn.close();
            stopped.countDown();
        }, "standin-shutdown"));
        System.out.println("Gorgias and Shopify stand-in on http://127.0.0.1:" + standIn.port()
                + " (Gorgias " + GORGIAS_USERNAME + " / " + GORGIAS_API_KEY + ", shop " + SHOP_DOMAIN + " / "
                + SHOPIFY_ACCESS_TOKEN + ", ticket " + TICKET_ID + "); Ctrl-C stops it");
        stopped.await();
    }

    // --- dispatch ---------------------------------------------------------------------------------------------------

    private void handle(ServerRequest req, ServerResponse res) {
        String method = req.prologue().method().text();
        String path = req.path().path();
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            body = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Answer answer;
        try {
            synchronized (this) {
                if (path.startsWith("/api/")) {
                    answer = authorisedGorgias(req) ? gorgias(method, path, req, body) : new Answer(401, GORGIAS_401);
                } else if (path.startsWith("/admin/api/")) {
                    answer = authorisedShopify(req) ? shopify(method, path, body) : new Answer(401, SHOPIFY_401);
                } else {
                    answer = new Answer(404, "{\"error\": {\"msg\": \"Resource not found.\"}}");
                }
            }
        } catch (IllegalArgumentException e) {
            answer = new Answer(400, json(Json.MAPPER.createObjectNode().put("error", e.getMessage())));
        }
        res.status(Status.create(answer.status()));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.create("X-Request-Id"), "standin-" + ids.incrementAndGet());
        res.send(answer.body().getBytes(StandardCharsets.UTF_8));
    }

    private record Answer(int status, String body) {
    }

    private static boolean authorisedGorgias(ServerRequest req) {
        String expected = "Basic " + Base64.getEncoder().encodeToString(
                (GORGIAS_USERNAME + ":" + GORGIAS_API_KEY).getBytes(StandardCharsets.UTF_8));
        return req.headers().first(HeaderNames.AUTHORIZATION).filter(expected::equals).isPresent();
    }

    private static boolean authorisedShopify(ServerRequest req) {
        return req.headers().first(HeaderNames.create("X-Shopify-Access-Token"))
                .filter(SHOPIFY_ACCESS_TOKEN::equals).isPresent();
    }

    // --- Gorgias ----------------------------------------------------------------------------------------------------

    private Answer gorgias(String method, String path, ServerRequest req, byte[] body) {
        if (path.equals("/api/account") && method.equals("GET")) {
            ObjectNode account = Json.MAPPER.createObjectNode();
            account.put("domain", GORGIAS_DOMAIN);
            account.putObject("status").put("status", "active");
            return ok(account);
        }
        if (path.equals("/api/integrations") && method.equals("GET")) {
            ArrayNode data = Json.MAPPER.createArrayNode();
            integrations.values().forEach(i -> data.add(i.deepCopy()));
            return ok(page(data));
        }
        if (path.equals("/api/integrations") && method.equals("POST")) {
            ObjectNode stored = integration(ids.incrementAndGet(), object(body));
            integrations.put(stored.get("id").longValue(), stored);
            return new Answer(201, json(stored));
        }
        Matcher m = INTEGRATION.matcher(path);
        if (m.matches()) {
            long id = Long.parseLong(m.group(1));
            if (!integrations.containsKey(id)) {
                return notFound();
            }
            return switch (method) {
                case "GET" -> ok(integrations.get(id));
                case "PUT" -> {
                    ObjectNode stored = integration(id, object(body));
                    integrations.put(id, stored);
                    yield ok(stored);
                }
                case "DELETE" -> {
                    integrations.remove(id);
                    yield new Answer(204, "");
                }
                default -> new Answer(405, "{\"error\": {\"msg\": \"Method not allowed.\"}}");
            };
        }
        if (path.equals("/api/messages") && method.equals("GET")) {
            String ticketId = req.query().first("ticket_id").orElse("");
            return ticketId.equals(Long.toString(TICKET_ID)) ? ok(page(messageList()))
                    : ok(page(Json.MAPPER.createArrayNode()));
        }
        m = TICKET_MESSAGES.matcher(path);
        if (m.matches()) {
            if (Long.parseLong(m.group(1)) != TICKET_ID) {
                return notFound();
            }
            if (method.equals("GET")) {
                return ok(page(messageList()));
            }
            if (method.equals("POST")) {
                ObjectNode posted = postedMessage(object(body));
                messages.add(posted);
                return new Answer(201, json(posted));
            }
            return new Answer(405, "{\"error\": {\"msg\": \"Method not allowed.\"}}");
        }
        m = TICKET.matcher(path);
        if (m.matches() && method.equals("GET")) {
            if (Long.parseLong(m.group(1)) != TICKET_ID) {
                return notFound();
            }
            ObjectNode copy = ticket.deepCopy();
            copy.set("messages", messageList());
            return ok(copy);
        }
        return notFound();
    }

    private ArrayNode messageList() {
        ArrayNode list = Json.MAPPER.createArrayNode();
        messages.forEach(msg -> list.add(msg.deepCopy()));
        return list;
    }

    private static ObjectNode page(ArrayNode data) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("data", data);
        ObjectNode meta = out.putObject("meta");
        meta.putNull("next_cursor");
        meta.putNull("prev_cursor");
        return out;
    }

    /** An integration as Gorgias keeps it: the request's fields, with its id, uri and deactivation. */
    private static ObjectNode integration(long id, ObjectNode body) {
        if (!body.path("name").isTextual() || body.path("name").asText().isBlank()) {
            throw new IllegalArgumentException("name: Missing data for required field.");
        }
        if (!body.path("http").isObject() || !body.path("http").path("url").isTextual()) {
            throw new IllegalArgumentException("http.url: Missing data for required field.");
        }
        ObjectNode stored = body.deepCopy();
        stored.put("id", id);
        stored.put("uri", "/api/integrations/" + id + "/");
        if (!stored.has("type")) {
            stored.put("type", "http");
        }
        if (!stored.has("deactivated_datetime")) {
            stored.putNull("deactivated_datetime");
        }
        return stored;
    }

    /** A message posted on the ticket, as Gorgias answers it (201): what was sent, with its id and times. */
    private ObjectNode postedMessage(ObjectNode body) {
        for (String field : List.of("channel", "via")) {
            if (!body.path(field).isTextual() || body.path(field).asText().isBlank()) {
                throw new IllegalArgumentException(field + ": Missing data for required field.");
            }
        }
        if (!body.path("sender").isObject()
                || !(body.path("sender").has("email") || body.path("sender").has("id"))) {
            throw new IllegalArgumentException("sender: Missing data for required field.");
        }
        if (!body.path("body_text").isTextual() && !body.path("body_html").isTextual()) {
            throw new IllegalArgumentException("body_text: either body_text or body_html is required.");
        }
        long id = ids.incrementAndGet();
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        ObjectNode stored = body.deepCopy();
        stored.put("id", id);
        stored.put("uri", "/api/tickets/" + TICKET_ID + "/messages/" + id + "/");
        stored.put("ticket_id", TICKET_ID);
        if (!stored.has("from_agent")) {
            stored.put("from_agent", true);
        }
        if (!stored.has("external_id")) {
            stored.putNull("external_id");
        }
        stored.put("public", !"internal-note".equals(body.path("channel").asText()));
        stored.put("created_datetime", now);
        stored.put("sent_datetime", now);
        return stored;
    }

    private ObjectNode ticket(Instant asked) {
        ObjectNode t = Json.MAPPER.createObjectNode();
        t.put("id", TICKET_ID);
        t.put("uri", "/api/tickets/" + TICKET_ID + "/");
        t.putNull("external_id");
        t.put("language", "en");
        t.put("status", "open");
        t.put("priority", "normal");
        t.put("channel", "email");
        t.put("via", "email");
        t.put("from_agent", false);
        t.set("customer", customer());
        t.putNull("assignee_user");
        t.put("subject", "Where is my order " + order.name() + "?");
        t.putArray("tags");
        t.put("created_datetime", asked.toString());
        t.put("updated_datetime", asked.toString());
        return t;
    }

    private ObjectNode customer() {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("id", CUSTOMER_ID);
        c.put("email", order.email());
        c.put("name", "Bob Norman");
        c.put("firstname", "Bob");
        c.put("lastname", "Norman");
        return c;
    }

    private ObjectNode customerMessage(Instant asked) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("id", CUSTOMER_MESSAGE_ID);
        m.put("uri", "/api/tickets/" + TICKET_ID + "/messages/" + CUSTOMER_MESSAGE_ID + "/");
        m.put("ticket_id", TICKET_ID);
        m.put("channel", "email");
        m.put("via", "email");
        m.put("from_agent", false);
        m.put("public", true);
        ObjectNode sender = m.putObject("sender");
        sender.put("id", CUSTOMER_ID);
        sender.put("email", order.email());
        sender.put("name", "Bob Norman");
        ObjectNode receiver = m.putObject("receiver");
        receiver.put("id", 2);
        receiver.put("email", "support@acme.example");
        receiver.put("name", "Acme Boots");
        ObjectNode source = m.putObject("source");
        source.put("type", "email");
        source.putObject("from").put("name", "Bob Norman").put("address", order.email());
        source.putArray("to").addObject().put("name", "Acme Boots").put("address", "support@acme.example");
        m.put("subject", "Where is my order " + order.name() + "?");
        m.put("body_text", "Hi, where is my order " + order.name() + "? It has not arrived yet. Bob");
        m.put("body_html", "<p>Hi, where is my order " + order.name() + "? It has not arrived yet.</p><p>Bob</p>");
        m.putNull("external_id");
        m.putArray("attachments");
        m.put("created_datetime", asked.toString());
        m.put("sent_datetime", asked.toString());
        return m;
    }

    // --- Shopify ----------------------------------------------------------------------------------------------------

    private Answer shopify(String method, String path, byte[] body) {
        Matcher m = GRAPHQL.matcher(path);
        if (!m.matches()) {
            return new Answer(404, "{\"errors\": \"Not Found\"}");
        }
        if (!method.equals("POST")) {
            return new Answer(405, "{\"errors\": \"Method Not Allowed\"}");
        }
        ObjectNode request = object(body);
        if (!request.path("query").isTextual()) {
            return new Answer(400, "{\"errors\": {\"query\": \"Required parameter missing or invalid\"}}");
        }
        String query = request.path("query").asText();
        JsonNode vars = request.path("variables");
        boolean modern = m.group(1).equals("unstable") || m.group(1).compareTo("2025-10") >= 0;
        if (query.contains("TollgateShop")) {
            return data(Json.MAPPER.createObjectNode().set("shop", Json.MAPPER.createObjectNode()
                    .put("myshopifyDomain", SHOP_DOMAIN)));
        }
        if (query.contains("orders(")) {
            return orders(vars);
        }
        if (query.contains("webhookSubscriptionCreate")) {
            return createSubscription(vars, modern);
        }
        if (query.contains("webhookSubscriptionDelete")) {
            ObjectNode payload = Json.MAPPER.createObjectNode();
            ArrayNode errors = payload.putArray("userErrors");
            String id = vars.path("id").asText();
            if (subscriptions.remove(id) == null) {
                payload.putNull("deletedWebhookSubscriptionId");
                errors.addObject().put("message", "Webhook subscription does not exist").putArray("field").add("id");
            } else {
                payload.put("deletedWebhookSubscriptionId", id);
            }
            return data(Json.MAPPER.createObjectNode().set("webhookSubscriptionDelete", payload));
        }
        if (query.contains("webhookSubscriptions(")) {
            List<String> topics = new ArrayList<>();
            vars.path("topics").forEach(t -> topics.add(t.asText()));
            ArrayNode nodes = Json.MAPPER.createArrayNode();
            subscriptions.values().stream()
                    .filter(s -> topics.isEmpty() || topics.contains(s.get("topic").asText()))
                    .forEach(s -> nodes.add(subscriptionNode(s, modern)));
            ObjectNode conn = Json.MAPPER.createObjectNode();
            conn.set("nodes", nodes);
            conn.putObject("pageInfo").put("hasNextPage", false).putNull("endCursor");
            return data(Json.MAPPER.createObjectNode().set("webhookSubscriptions", conn));
        }
        return new Answer(200, "{\"errors\": [{\"message\": \"This stand-in does not answer that document\","
                + " \"extensions\": {\"code\": \"undefinedField\"}}]}");
    }

    private Answer orders(JsonNode vars) {
        Matcher email = EMAIL_SEARCH.matcher(vars.path("query").asText(""));
        ArrayNode nodes = Json.MAPPER.createArrayNode();
        if (email.find() && email.group(1).equalsIgnoreCase(order.email())) {
            nodes.add(orderNode());
        }
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.putObject("orders").set("nodes", nodes);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("data", data);
        ObjectNode cost = out.putObject("extensions").putObject("cost");
        cost.put("requestedQueryCost", 55);
        cost.put("actualQueryCost", 3);
        cost.putObject("throttleStatus").put("maximumAvailable", 2000.0).put("currentlyAvailable", 1997)
                .put("restoreRate", 100.0);
        return ok(out);
    }

    /** The order as a node of the GraphQL orders query. */
    private ObjectNode orderNode() {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", order.gid());
        n.put("name", order.name());
        n.put("email", order.email());
        n.put("createdAt", order.createdAt().toString());
        n.put("updatedAt", order.updatedAt().toString());
        Optional.ofNullable(order.cancelledAt()).ifPresentOrElse(c -> n.put("cancelledAt", c.toString()),
                                                                  () -> n.putNull("cancelledAt"));
        n.put("displayFinancialStatus", order.financialStatus());
        n.put("displayFulfillmentStatus", order.fulfillmentStatus());
        ArrayNode fulfillments = n.putArray("fulfillments");
        if (!order.tracking().isEmpty()) {
            ObjectNode f = fulfillments.addObject();
            f.put("status", "SUCCESS");
            ArrayNode info = f.putArray("trackingInfo");
            for (OrderFacts.Tracking t : order.tracking()) {
                info.addObject().put("company", t.company()).put("number", t.number()).put("url", t.url());
            }
        }
        return n;
    }

    private Answer createSubscription(JsonNode vars, boolean modern) {
        JsonNode input = vars.path("webhookSubscription");
        String url = input.path(modern ? "uri" : "callbackUrl").asText(null);
        String topic = vars.path("topic").asText();
        ObjectNode payload = Json.MAPPER.createObjectNode();
        ArrayNode errors = payload.putArray("userErrors");
        boolean taken = url != null && subscriptions.values().stream()
                .anyMatch(s -> s.get("topic").asText().equals(topic) && s.get("url").asText().equals(url));
        if (url == null || taken) {
            payload.putNull("webhookSubscription");
            errors.addObject().put("message", url == null ? "Address can't be blank"
                            : "Address for this topic has already been taken")
                    .putArray("field").add("webhookSubscription").add(modern ? "uri" : "callbackUrl");
        } else {
            ObjectNode sub = Json.MAPPER.createObjectNode();
            sub.put("id", "gid://shopify/WebhookSubscription/" + ids.incrementAndGet());
            sub.put("topic", topic);
            sub.put("url", url);
            subscriptions.put(sub.get("id").asText(), sub);
            payload.set("webhookSubscription", subscriptionNode(sub, modern));
        }
        return data(Json.MAPPER.createObjectNode().set("webhookSubscriptionCreate", payload));
    }

    private static ObjectNode subscriptionNode(ObjectNode sub, boolean modern) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", sub.get("id").asText());
        n.put("topic", sub.get("topic").asText());
        if (modern) {
            n.put("uri", sub.get("url").asText());
        } else {
            n.putObject("endpoint").put("__typename", "WebhookHttpEndpoint").put("callbackUrl",
                                                                                 sub.get("url").asText());
        }
        return n;
    }

    // --- plumbing ---------------------------------------------------------------------------------------------------

    private static Answer data(JsonNode data) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("data", data);
        return ok(out);
    }

    private static Answer ok(JsonNode body) {
        return new Answer(200, json(body));
    }

    private static Answer notFound() {
        return new Answer(404, "{\"error\": {\"msg\": \"Resource not found.\"}}");
    }

    private static String json(JsonNode node) {
        return new String(Json.write(node), StandardCharsets.UTF_8);
    }

    private static ObjectNode object(byte[] body) {
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException e) {
            // answered below
        }
        throw new IllegalArgumentException("the body is not a JSON object");
    }

    private static byte[] resource(String name) {
        try (InputStream in = StandIn.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
