package io.tollgate.api.events;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.TestGateway;
import io.tollgate.api.Webhooks;
import io.tollgate.api.standin.StandIn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An event's detail shows the note its job drafted and posted: state, Gorgias' message id, what drafted it, and
 * the text only for a token with the payloads scope. Gorgias and Shopify are the local stand-in.
 */
class EventNoteDetailTest {
    @RegisterExtension
    static final TestGateway GATEWAY = TestGateway.withSettings("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE", "true",
                                                                "TOLLGATE_WORKER_ENABLED", "true");
    private static StandIn standIn;

    @BeforeAll
    static void startStandIn() {
        standIn = StandIn.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stopStandIn() {
        if (standIn != null) {
            standIn.close();
        }
    }

    @Test
    void theDetailShowsThePostedNoteAndItsTextOnlyWithThePayloadsScope() throws Exception {
        String base = "http://127.0.0.1:" + standIn.port();
        HttpResponse<String> created = Webhooks.admin(GATEWAY.server(), "POST", "/admin/tenants", """
                {"slug": "note-shop", "name": "Note Shop",
                 "gorgias": {"domain": "acme", "username": "%s", "api_key": "%s", "base_url": "%s"},
                 "shopify": {"shop_domain": "%s", "access_token": "%s", "webhook_secret": "shpss_note_secret",
                             "base_url": "%s"}}""".formatted(StandIn.GORGIAS_USERNAME, StandIn.GORGIAS_API_KEY, base,
                                                            StandIn.SHOP_DOMAIN, StandIn.SHOPIFY_ACCESS_TOKEN, base));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String secret = Webhooks.json(created.body()).get("gorgias_webhook_secret").asText();

        // what Gorgias sends for the ticket: the ticket as its API shows it, Bob's message included
        byte[] body = ("{\"ticket\": " + Webhooks.standInTicket(base) + "}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> accepted = Webhooks.post(GATEWAY.server(), "/webhooks/note-shop/gorgias", body,
                                                      "X-Tollgate-Token", secret, "Content-Type", "application/json");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String eventId = Webhooks.json(accepted.body()).get("event_id").asText();

        JsonNode detail = Webhooks.eventDetailWhenDone(GATEWAY.server(), "note-shop", eventId);
        assertThat(detail.path("event").path("status").asText()).as(detail.toString()).isEqualTo("processed");
        List<JsonNode> posted = standIn.messages().stream()
                .filter(m -> "internal-note".equals(m.path("channel").asText())).toList();
        assertThat(posted).hasSize(1);
        JsonNode note = detail.get("note");
        assertThat(note.path("state").asText()).isEqualTo("posted");
        assertThat(note.path("upstream_message_id").longValue()).isEqualTo(posted.getFirst().get("id").longValue());
        assertThat(note.path("draft_source").asText()).isNotBlank();
        assertThat(note.path("posted_at").asText()).isNotBlank();
        assertThat(note.path("body_text").asText()).isEqualTo(posted.getFirst().path("body_text").asText())
                .contains("#1001");

        // a token without the payloads scope sees that a note was posted, not what it says
        HttpResponse<String> token = Webhooks.admin(GATEWAY.server(), "POST", "/admin/tokens",
                                                    "{\"name\": \"reader\", \"scopes\": [\"read\"]}");
        assertThat(token.statusCode()).as(token.body()).isEqualTo(201);
        JsonNode withheld = Webhooks.json(get("/admin/tenants/note-shop/events/" + eventId,
                                              Webhooks.json(token.body()).get("token").asText()).body());
        assertThat(withheld.path("body_withheld").booleanValue()).isTrue();
        assertThat(withheld.path("note").path("state").asText()).isEqualTo("posted");
        assertThat(withheld.path("note").has("body_text")).isFalse();
        assertThat(withheld.toString()).doesNotContain("#1001");
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        return HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(io.tollgate.api.TestServers.uri(GATEWAY.server(), path))
                        .header("Authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
