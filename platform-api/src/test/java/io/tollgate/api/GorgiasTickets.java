package io.tollgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

/**
 * Gorgias's ticket reads as a WireMock transformer over in-memory tickets, per account (HTTP basic auth of a
 * registered username and API key, else {@code 401} as Gorgias answers it):
 * <ul>
 *   <li>{@code GET /api/tickets/{id}}: the Ticket object with its {@code customer} and {@code messages} (each with
 *       {@code ticket_id}), {@code 404} {@code {"error": {"msg": "Resource not found."}}} for a ticket the account does
 *       not have ("Retrieve a ticket" as mirrored at withone.ai/knowledge/gorgias; developers.gorgias.com/reference/
 *       tickets and /reference/errors);</li>
 *   <li>{@code GET /api/messages?ticket_id=}: the list object {@code {"object": "list", "data": [...], "meta":
 *       {"next_cursor": null, ...}}} of that ticket's messages ("List messages", same mirror), and the deprecated
 *       {@code GET /api/tickets/{id}/messages}, same shape.</li>
 * </ul>
 * Tickets are registered with {@link #put} (the ticket as it is upstream) or {@link #remember} (from the body of a
 * delivery a test sends: the ticket it names is created, or gets the messages it did not have yet).
 */
public final class GorgiasTickets implements ResponseDefinitionTransformerV2 {
    public static final String NAME = "gorgias-tickets";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** basic-auth base64 → account (the username). */
    private final Map<String, String> accounts = new HashMap<>();
    /** account → ticket id → ticket object. */
    private final Map<String, Map<Long, ObjectNode>> tickets = new HashMap<>();

    /** The stubs (priority 10, so a test's own stub of priority 1..9 wins) that hand these paths to this server. */
    public static void stub(com.github.tomakehurst.wiremock.WireMockServer server) {
        server.stubFor(get(urlPathMatching("/api/tickets/[0-9]+/?")).atPriority(10)
                               .willReturn(aResponse().withTransformers(NAME)));
        server.stubFor(get(urlPathMatching("/api/tickets/[0-9]+/messages/?")).atPriority(10)
                               .willReturn(aResponse().withTransformers(NAME)));
        server.stubFor(get(urlPathEqualTo("/api/messages")).atPriority(10)
                               .willReturn(aResponse().withTransformers(NAME)));
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }

    public synchronized void account(String username, String apiKey) {
        accounts.put(Base64.getEncoder().encodeToString((username + ":" + apiKey).getBytes(StandardCharsets.UTF_8)),
                     username);
        tickets.computeIfAbsent(username, u -> new LinkedHashMap<>());
    }

    /** Sets the ticket (an object with {@code id}) as the account's Gorgias has it now. */
    public synchronized void put(String username, JsonNode ticket) {
        ObjectNode copy = ticket.deepCopy();
        long id = copy.get("id").asLong();
        if (!copy.has("messages")) {
            copy.putArray("messages");
        }
        copy.put("uri", "/api/tickets/" + id + "/");
        copy.get("messages").forEach(m -> ((ObjectNode) m).put("ticket_id", id));
        tickets.computeIfAbsent(username, u -> new LinkedHashMap<>()).put(id, copy);
    }

    /** Adds {@code message} to the account's ticket {@code ticketId} (after the ones it has), as Gorgias would. */
    public synchronized void addMessage(String username, long ticketId, JsonNode message) {
        ObjectNode ticket = tickets.get(username).get(ticketId);
        ObjectNode copy = message.deepCopy();
        copy.put("ticket_id", ticketId);
        ((ArrayNode) ticket.get("messages")).add(copy);
    }

    /**
     * What a delivery body says about its ticket, taken as the state upstream: a {@code {"ticket": ...}} context (or
     * a bare ticket) creates the ticket, or adds the messages it lacks; a {@code {"message": ...}} (or bare message)
     * adds that message; Tollgate's flat form ({@code ticket_id}, {@code message_id}, ...) creates the ticket or adds
     * the message from its fields when it has a body text. Anything else is left alone.
     */
    public synchronized void remember(String username, byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return;
        }
        if (root == null || !root.isObject()) {
            return;
        }
        JsonNode ticket = root.get("ticket");
        JsonNode message = root.get("message");
        if (ticket == null && message == null && root.has("messages") && root.has("id")) {
            ticket = root;
        } else if (ticket == null && message == null && root.has("id") && root.has("ticket_id")) {
            message = root;
        }
        if (ticket != null && ticket.isObject() && ticket.path("id").canConvertToLong()) {
            long id = ticket.path("id").asLong();
            ObjectNode known = tickets.computeIfAbsent(username, u -> new LinkedHashMap<>()).get(id);
            if (known == null) {
                put(username, ticket);
            } else {
                ticket.path("messages").forEach(m -> addIfNew(username, id, m));
            }
        }
        if (message != null && message.isObject()) {
            long ticketId = message.has("ticket_id") ? message.path("ticket_id").asLong() : root.path("ticket_id")
                    .asLong();
            if (ticketId > 0) {
                ensure(username, ticketId, message.path("sender").path("email").asText(null));
                addIfNew(username, ticketId, message);
            }
        }
        if (ticket == null && message == null && root.has("ticket_id") && !root.has("id")) {
            rememberForm(username, root);
        }
    }

    private void rememberForm(String username, JsonNode form) {
        long ticketId = parse(form.path("ticket_id").asText(""));
        long messageId = parse(form.path("message_id").asText(""));
        String text = form.path("message_body_text").asText("");
        if (ticketId <= 0 || messageId <= 0 || text.isEmpty()) {
            return;
        }
        ObjectNode known = ensure(username, ticketId, form.path("customer_email").asText(null));
        if (known.path("subject").isMissingNode() && !form.path("ticket_subject").asText("").isEmpty()) {
            known.put("subject", form.path("ticket_subject").asText());
        }
        ObjectNode m = JSON.createObjectNode();
        m.put("id", messageId);
        m.put("channel", form.path("message_channel").asText(""));
        m.put("from_agent", "true".equalsIgnoreCase(form.path("message_from_agent").asText("")));
        m.putObject("sender").put("email", form.path("message_sender_email").asText(""));
        m.put("body_text", text);
        addIfNew(username, ticketId, m);
    }

    private ObjectNode ensure(String username, long ticketId, String customerEmail) {
        Map<Long, ObjectNode> mine = tickets.computeIfAbsent(username, u -> new LinkedHashMap<>());
        if (!mine.containsKey(ticketId)) {
            ObjectNode t = JSON.createObjectNode();
            t.put("id", ticketId);
            t.put("status", "open");
            ObjectNode customer = t.putObject("customer");
            customer.putNull("id");
            customer.put("email", customerEmail);
            t.putArray("messages");
            put(username, t);
        }
        return mine.get(ticketId);
    }

    private void addIfNew(String username, long ticketId, JsonNode message) {
        ObjectNode ticket = tickets.get(username).get(ticketId);
        long id = message.path("id").asLong();
        for (JsonNode m : ticket.get("messages")) {
            if (m.path("id").asLong() == id) {
                return;
            }
        }
        addMessage(username, ticketId, message);
    }

    private static long parse(String digits) {
        return !digits.isEmpty() && digits.length() <= 18 && digits.chars().allMatch(Character::isDigit)
                ? Long.parseLong(digits) : -1;
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        Request req = event.getRequest();
        String url = req.getUrl();
        int q = url.indexOf('?');
        String path = q < 0 ? url : url.substring(0, q);
        String query = q < 0 ? "" : url.substring(q + 1);
        synchronized (this) {
            String auth = req.getHeader("Authorization");
            String account = auth != null && auth.startsWith("Basic ") ? accounts.get(auth.substring(6)) : null;
            if (account == null) {
                return json(401, "{\"error\": {\"msg\": \"Authentication required\"}}");
            }
            Map<Long, ObjectNode> mine = tickets.get(account);
            String[] parts = path.split("/"); // "", "api", "tickets", id, ["messages"]
            if (parts.length >= 4 && parts[2].equals("tickets")) {
                ObjectNode ticket = mine.get(Long.parseLong(parts[3]));
                if (ticket == null) {
                    return json(404, "{\"error\": {\"msg\": \"Resource not found.\"}}");
                }
                return parts.length == 4 ? json(200, ticket.toString()) : list(path, ticket);
            }
            String ticketId = param(query, "ticket_id");
            if (ticketId == null) {
                return json(400, "{\"error\": {\"msg\": \"this test server lists messages by ticket_id only\"}}");
            }
            ObjectNode ticket = mine.get(parse(ticketId));
            if (ticket == null) {
                return json(200, "{\"object\": \"list\", \"uri\": \"" + path + "\", \"data\": [], \"meta\": "
                        + "{\"next_cursor\": null, \"prev_cursor\": null}}");
            }
            return list(path, ticket);
        }
    }

    private static ResponseDefinition list(String uri, ObjectNode ticket) {
        ObjectNode out = JSON.createObjectNode();
        out.put("object", "list");
        out.put("uri", uri);
        out.set("data", ticket.get("messages").deepCopy());
        ObjectNode meta = out.putObject("meta");
        meta.putNull("next_cursor");
        meta.putNull("prev_cursor");
        return json(200, out.toString());
    }

    private static String param(String query, String name) {
        List<String> found = new ArrayList<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8).equals(name)) {
                found.add(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return found.isEmpty() ? null : found.getFirst();
    }

    private static ResponseDefinition json(int status, String body) {
        return new ResponseDefinitionBuilder().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody(body).build();
    }
}
