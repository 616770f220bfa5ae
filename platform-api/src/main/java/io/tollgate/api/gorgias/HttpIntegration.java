package io.tollgate.api.gorgias;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.http.Json;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Gorgias HTTP integration as the REST API returns it ({@code GET /api/integrations?type=http}, {@code GET/PUT/POST
 * /api/integrations[/{id}]}), read liberally: Gorgias's own documentation shows the triggers both as
 * {@code ticket-created} (the integration list) and {@code ticket_created} (a single integration, the v1.1
 * reference), and headers as an object; an array of {@code {key|name, value}} is read too. A header's value may be
 * a credential: this record never prints them.
 *
 * @param id          the integration id
 * @param name        its name
 * @param url         {@code http.url}, as stored (a template may hold {@code {{...}}})
 * @param method      {@code http.method}, upper case
 * @param requestType {@code http.request_content_type}
 * @param headers     {@code http.headers}, names as sent
 * @param form        {@code http.form}: the body template (a string or an object), or null
 * @param triggers    the names of the triggers set to true, with dashes ({@code ticket-created})
 * @param deactivated whether {@code deactivated_datetime} is set
 */
public record HttpIntegration(long id, String name, String url, String method, String requestType,
                              Map<String, String> headers, JsonNode form, Set<String> triggers, boolean deactivated) {

    /** Tollgate's header on every Gorgias delivery (see the ingress verifier). */
    public static final String TOKEN_HEADER = "X-Tollgate-Token";
    /**
     * The body Tollgate asks Gorgias to send: an object of field → template (Gorgias documents {@code http.form} as
     * such an object, developers.gorgias.com/reference/integrations), each rendered as a string. The ticket id and
     * the triggering message's id ({@code ticket.messages[-1]}) are what the worker needs; the rest is a hint (the
     * worker reads the ticket from the API before drafting).
     */
    public static final Map<String, String> FORM = template();
    /** The triggers the worker answers: a ticket's first message and every later one. */
    public static final List<String> TRIGGERS = List.of("ticket-created", "ticket-message-created");

    private static Map<String, String> template() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("ticket_id", "{{ticket.id}}");
        f.put("ticket_subject", "{{ticket.subject}}");
        f.put("ticket_channel", "{{ticket.channel}}");
        f.put("message_id", "{{ticket.messages[-1].id}}");
        f.put("message_channel", "{{ticket.messages[-1].channel}}");
        f.put("message_from_agent", "{{ticket.messages[-1].from_agent}}");
        f.put("message_sender_email", "{{ticket.messages[-1].sender.email}}");
        f.put("message_body_text", "{{ticket.messages[-1].body_text}}");
        f.put("customer_id", "{{ticket.customer.id}}");
        f.put("customer_email", "{{ticket.customer.email}}");
        f.put("customer_name", "{{ticket.customer.name}}");
        return Collections.unmodifiableMap(f);
    }

    /** {@link #FORM} as the JSON object sent in {@code http.form}. */
    public static ObjectNode formObject() {
        ObjectNode form = Json.MAPPER.createObjectNode();
        FORM.forEach(form::put);
        return form;
    }

    /** Whether its {@code http.form} is exactly {@link #FORM} (field order aside). */
    public boolean formCurrent() {
        return form != null && form.equals(formObject());
    }

    public HttpIntegration {
        headers = Map.copyOf(headers);
        triggers = Set.copyOf(triggers);
    }

    /** An integration object, or empty when it has no numeric {@code id}. */
    static Optional<HttpIntegration> parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
        JsonNode id = node.get("id");
        long value;
        if (id != null && id.canConvertToLong() && id.isIntegralNumber()) {
            value = id.longValue();
        } else if (id != null && id.isTextual() && id.textValue().matches("[0-9]{1,18}")) {
            value = Long.parseLong(id.textValue());
        } else {
            return Optional.empty();
        }
        JsonNode http = node.path("http");
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = http.get("headers");
        if (h != null && h.isObject()) {
            h.properties().forEach(e -> {
                if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                    headers.put(e.getKey(), e.getValue().asText());
                }
            });
        } else if (h != null && h.isArray()) {
            for (JsonNode pair : h) {
                String key = text(pair, "key") != null ? text(pair, "key") : text(pair, "name");
                String v = text(pair, "value");
                if (key != null && v != null) {
                    headers.put(key, v);
                }
            }
        }
        Set<String> triggers = new LinkedHashSet<>();
        JsonNode t = http.get("triggers");
        if (t != null && t.isObject()) {
            t.properties().forEach(e -> {
                if (e.getValue().asBoolean(false)) {
                    triggers.add(e.getKey().replace('_', '-').toLowerCase(Locale.ROOT));
                }
            });
        }
        JsonNode deactivated = node.get("deactivated_datetime");
        JsonNode form = http.get("form");
        String method = text(http, "method");
        return Optional.of(new HttpIntegration(
                value, text(node, "name"), text(http, "url"),
                method == null ? null : method.toUpperCase(Locale.ROOT), text(http, "request_content_type"),
                headers, form == null || form.isNull() ? null : form, triggers,
                deactivated != null && !deactivated.isNull() && !deactivated.asText("").isBlank()));
    }

    /** Whether this integration posts to {@code webhookUrl} (trailing slashes and the host's case aside). */
    public boolean pointsAt(URI webhookUrl) {
        return url != null && normalise(url).equals(normalise(webhookUrl.toString()));
    }

    /** Whether it is what {@link #body} would make it: nothing to update. */
    public boolean matches(URI webhookUrl, String token) {
        String sent = headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(TOKEN_HEADER))
                .map(Map.Entry::getValue).findFirst().orElse(null);
        return pointsAt(webhookUrl) && "POST".equals(method) && "application/json".equalsIgnoreCase(requestType)
                && token.equals(sent) && formCurrent()
                && triggers.containsAll(TRIGGERS) && !deactivated;
    }

    /**
     * The body that creates (POST) or replaces (PUT) Tollgate's integration: {@code POST} to {@code webhookUrl},
     * JSON in and out, the {@code X-Tollgate-Token} header with {@code token}, {@link #FORM} as the body, the
     * two {@link #TRIGGERS}, and active. Headers of {@code existing} other than Tollgate's are kept.
     */
    static ObjectNode body(String name, URI webhookUrl, String token, Optional<HttpIntegration> existing) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("name", name);
        body.put("type", "http");
        body.putNull("deactivated_datetime");
        ObjectNode http = body.putObject("http");
        http.put("url", webhookUrl.toString());
        http.put("method", "POST");
        http.put("request_content_type", "application/json");
        http.put("response_content_type", "application/json");
        ObjectNode headers = http.putObject("headers");
        existing.ifPresent(e -> e.headers.forEach((k, v) -> {
            if (!k.equalsIgnoreCase(TOKEN_HEADER)) {
                headers.put(k, v);
            }
        }));
        headers.put(TOKEN_HEADER, token);
        http.set("form", formObject());
        ObjectNode triggers = http.putObject("triggers");
        TRIGGERS.forEach(t -> triggers.put(t, true));
        return body;
    }

    private static String normalise(String url) {
        String u = url.strip();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        int scheme = u.indexOf("://");
        if (scheme < 0) {
            return u;
        }
        int path = u.indexOf('/', scheme + 3);
        String authority = path < 0 ? u : u.substring(0, path);
        return authority.toLowerCase(Locale.ROOT) + (path < 0 ? "" : u.substring(path));
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
    }

    @Override
    public String toString() {
        return "HttpIntegration[id=" + id + ", url=" + url + ", triggers=" + triggers + ", deactivated=" + deactivated
                + "]";
    }
}
