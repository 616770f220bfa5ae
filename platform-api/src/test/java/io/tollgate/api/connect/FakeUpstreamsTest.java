package io.tollgate.api.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.gorgias.HttpIntegration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Gorgias side of {@link FakeUpstreams} refuses what Gorgias refuses: an integration body posted straight to it
 * (no Tollgate in between) is a 400 with Gorgias's error body unless it has the documented shape.
 */
class FakeUpstreamsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static FakeUpstreams fake;

    @BeforeAll
    static void start() {
        fake = new FakeUpstreams();
        fake.gorgiasAccount("acme", "agent@acme.example", "gk-acme-0123456789");
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    /** A body as Tollgate sends it: the agreed form, JSON, both triggers. */
    private static ObjectNode valid() {
        ObjectNode body = JSON.createObjectNode();
        body.put("name", "Tollgate (acme)");
        body.put("type", "http");
        ObjectNode http = body.putObject("http");
        http.put("url", "https://tollgate.example/webhooks/acme/gorgias");
        http.put("method", "POST");
        http.put("request_content_type", "application/json");
        http.put("response_content_type", "application/json");
        http.putObject("headers").put("X-Tollgate-Token", "t0ken");
        http.set("form", HttpIntegration.formObject());
        http.putObject("triggers").put("ticket-created", true).put("ticket-message-created", true);
        return body;
    }

    private static HttpResponse<String> post(JsonNode body, String username, String apiKey) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/api/integrations"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (username != null) {
            b.header("Authorization", "Basic " + FakeUpstreams.basic(username, apiKey));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(JsonNode body) throws Exception {
        return post(body, "agent@acme.example", "gk-acme-0123456789");
    }

    @Test
    void theAgreedFormIsStoredAndEveryOtherShapeIsRefusedWithGorgiasErrorBody() throws Exception {
        HttpResponse<String> created = post(valid());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(JSON.readTree(created.body()).at("/http/form/ticket_id").asText()).isEqualTo("{{ticket.id}}");
        int stored = fake.integrations("acme").size();

        ObjectNode stringForm = valid();
        ((ObjectNode) stringForm.get("http")).put("form", "{{context}}");
        assertRefused(post(stringForm), "/error/data/http/form");

        ObjectNode numberInForm = valid();
        ((ObjectNode) numberInForm.at("/http/form")).put("ticket_id", 5);
        assertRefused(post(numberInForm), "/error/data/http/form/ticket_id");

        for (String required : new String[] {"url", "method", "request_content_type", "response_content_type"}) {
            ObjectNode missing = valid();
            ((ObjectNode) missing.get("http")).remove(required);
            assertRefused(post(missing), "/error/data/http/" + required);
        }

        ObjectNode unknownTrigger = valid();
        ((ObjectNode) unknownTrigger.at("/http/triggers")).put("ticket-closed", true);
        assertRefused(post(unknownTrigger), "/error/data/http/triggers/ticket-closed");

        ObjectNode badType = valid();
        ((ObjectNode) badType.get("http")).put("request_content_type", "text/plain");
        assertRefused(post(badType), "/error/data/http/request_content_type");

        assertThat(fake.integrations("acme")).as("nothing refused was stored").hasSize(stored);
        assertThat(post(valid(), null, null).statusCode()).isEqualTo(401);
        assertThat(post(valid(), "agent@acme.example", "wrong-key").statusCode()).isEqualTo(401);
    }

    private static void assertRefused(HttpResponse<String> res, String pointer) throws Exception {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(400);
        JsonNode body = JSON.readTree(res.body());
        assertThat(body.at("/error/msg").asText()).isNotBlank();
        assertThat(body.at(pointer).isMissingNode()).as(pointer + " in " + res.body()).isFalse();
    }
}
