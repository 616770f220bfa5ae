package io.tollgate.api.gorgias;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Gorgias HTTP integrations read as the documentation shows them in its different places, and the body sent. */
class HttpIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final URI URL = URI.create("https://hooks.example.com/webhooks/acme/gorgias");

    private static HttpIntegration parse(String json) throws Exception {
        return HttpIntegration.parse(JSON.readTree(json)).orElseThrow();
    }

    @Test
    void triggersWithDashesOrUnderscoresAndHeadersAsObjectOrListAreRead() throws Exception {
        HttpIntegration listed = parse("""
                {"id": 123, "name": "x", "type": "http", "deactivated_datetime": null,
                 "http": {"url": "HTTPS://Hooks.Example.com/webhooks/acme/gorgias/", "method": "post",
                          "request_content_type": "application/json", "headers": {"X-Tollgate-Token": "s3cret-value"},
                          "form": %s, "triggers": {"ticket-created": true, "ticket-message-created": true,
                                                   "ticket-updated": false}}}""".formatted(
                HttpIntegration.formObject()));
        assertThat(listed.triggers()).containsExactlyInAnyOrder("ticket-created", "ticket-message-created");
        assertThat(listed.pointsAt(URL)).isTrue();
        assertThat(listed.formCurrent()).isTrue();
        assertThat(listed.matches(URL, "s3cret-value")).isTrue();
        assertThat(listed.matches(URL, "another-value")).isFalse();
        assertThat(listed.toString()).doesNotContain("s3cret-value");

        HttpIntegration single = parse("""
                {"id": "124", "http": {"url": "https://hooks.example.com/webhooks/acme/gorgias", "method": "POST",
                 "request_content_type": "application/json", "form": {"ticket_id": "{{ticket.id}}"},
                 "headers": [{"key": "x-tollgate-token", "value": "s3cret-value"}, {"name": "X-Other", "value": "o"}],
                 "triggers": {"ticket_created": true, "ticket_message_created": true}},
                 "deactivated_datetime": "2024-01-01T00:00:00"}""");
        assertThat(single.id()).isEqualTo(124);
        assertThat(single.triggers()).isEqualTo(Set.of("ticket-created", "ticket-message-created"));
        assertThat(single.headers()).isEqualTo(Map.of("x-tollgate-token", "s3cret-value", "X-Other", "o"));
        assertThat(single.deactivated()).isTrue();
        // deactivated, and a form that is not Tollgate's template: it needs an update
        assertThat(single.matches(URL, "s3cret-value")).isFalse();

        assertThat(HttpIntegration.parse(JSON.readTree("{\"http\": {}}"))).isEmpty();
        assertThat(parse("{\"id\": 1, \"http\": {\"url\": \"https://hooks.example.com/webhooks/acme2/gorgias\"}}")
                           .pointsAt(URL)).isFalse();
    }

    @Test
    void theOldContextStringOrAnyOtherFormIsNotCurrent() throws Exception {
        String template = """
                {"id": 9, "http": {"url": "https://hooks.example.com/webhooks/acme/gorgias", "method": "POST",
                 "request_content_type": "application/json", "headers": {"X-Tollgate-Token": "t"}, "form": %s,
                 "triggers": {"ticket-created": true, "ticket-message-created": true}}}""";
        assertThat(parse(template.formatted("\"{{context}}\"")).formCurrent()).isFalse();
        assertThat(parse(template.formatted("\"{{context}}\"")).matches(URL, "t")).isFalse();
        ObjectNode fewer = HttpIntegration.formObject();
        fewer.remove("message_id");
        assertThat(parse(template.formatted(fewer)).formCurrent()).isFalse();
        ObjectNode changed = HttpIntegration.formObject();
        changed.put("message_id", "{{ticket.messages[0].id}}");
        assertThat(parse(template.formatted(changed)).matches(URL, "t")).isFalse();
        assertThat(parse(template.formatted(HttpIntegration.formObject())).matches(URL, "t")).isTrue();
    }

    @Test
    void theBodyKeepsOtherHeadersAndSetsTollgatesOwn() throws Exception {
        HttpIntegration existing = parse("""
                {"id": 5, "http": {"url": "https://old", "headers": {"X-TOLLGATE-TOKEN": "old", "X-Keep": "k"}}}""");
        JsonNode body = HttpIntegration.body("Tollgate (acme)", URL, "new-token", Optional.of(existing));
        assertThat(body.get("type").asText()).isEqualTo("http");
        assertThat(body.get("deactivated_datetime").isNull()).isTrue();
        assertThat(body.at("/http/headers").toString()).isEqualTo("{\"X-Keep\":\"k\",\"X-Tollgate-Token\":\"new-token\"}");
        assertThat(body.at("/http/url").asText()).isEqualTo(URL.toString());
        assertThat(body.at("/http/method").asText()).isEqualTo("POST");
        // the agreed flat form: an object of field -> template string, as Gorgias documents http.form
        assertThat(body.at("/http/form").isObject()).isTrue();
        assertThat(body.at("/http/form/ticket_id").asText()).isEqualTo("{{ticket.id}}");
        assertThat(body.at("/http/form/message_id").asText()).isEqualTo("{{ticket.messages[-1].id}}");
        assertThat(body.at("/http/form").size()).isEqualTo(11);
        body.at("/http/form").forEach(v -> assertThat(v.isTextual()).isTrue());
        assertThat(body.at("/http/request_content_type").asText()).isEqualTo("application/json");
        assertThat(body.at("/http/triggers").toString())
                .isEqualTo("{\"ticket-created\":true,\"ticket-message-created\":true}");
    }
}
