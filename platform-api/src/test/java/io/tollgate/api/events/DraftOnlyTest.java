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
 * Draft-only mode: a draft-only tenant's worker drafts the note and keeps it (state {@code drafted}, its text in the
 * event's detail with the payloads scope) and posts nothing to Gorgias; switching the mode off posts none of the notes
 * drafted meanwhile, not even for a new event about the same message; only an operator's replay of the event posts
 * its note. Gorgias and Shopify are the local stand-in, which records every message posted to it.
 */
class DraftOnlyTest {
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
    void aDraftOnlyTenantsNoteIsKeptAndNeverPostedUntilAnOperatorReplaysIt() throws Exception {
        String base = "http://127.0.0.1:" + standIn.port();
        HttpResponse<String> created = Webhooks.admin(GATEWAY.server(), "POST", "/admin/tenants", """
                {"slug": "draft-shop", "name": "Draft Shop", "draft_only": true,
                 "gorgias": {"domain": "acme", "username": "%s", "api_key": "%s", "base_url": "%s"},
                 "shopify": {"shop_domain": "%s", "access_token": "%s", "webhook_secret": "shpss_draft_secret",
                             "base_url": "%s"}}""".formatted(StandIn.GORGIAS_USERNAME, StandIn.GORGIAS_API_KEY, base,
                                                            StandIn.SHOP_DOMAIN, StandIn.SHOPIFY_ACCESS_TOKEN, base));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(Webhooks.json(created.body()).get("draft_only").asBoolean()).isTrue();
        String secret = Webhooks.json(created.body()).get("gorgias_webhook_secret").asText();
        assertThat(Webhooks.metric(GATEWAY.server(), "tollgate_drafts_kept_total", "tenant", "draft-shop"))
                .as("from zero").isZero();

        byte[] body = ("{\"ticket\": " + Webhooks.standInTicket(base) + "}").getBytes(StandardCharsets.UTF_8);
        String eventId = deliver(body, secret, "draft-1");
        JsonNode detail = Webhooks.eventDetailWhenDone(GATEWAY.server(), "draft-shop", eventId);
        assertThat(detail.path("event").path("status").asText()).as(detail.toString()).isEqualTo("processed");
        JsonNode note = detail.get("note");
        assertThat(note.path("state").asText()).isEqualTo("drafted");
        assertThat(note.path("body_text").asText()).contains("#1001");
        assertThat(note.path("ticket_id").asLong()).isEqualTo(StandIn.TICKET_ID);
        assertThat(note.path("ticket_url").asText())
                .isEqualTo("https://acme.gorgias.com/app/ticket/" + StandIn.TICKET_ID);
        assertThat(note.has("upstream_message_id")).isFalse();
        assertThat(note.has("posted_at")).isFalse();
        assertThat(internalNotes()).as("nothing posted to Gorgias").isEmpty();
        assertThat(Webhooks.metric(GATEWAY.server(), "tollgate_drafts_kept_total", "tenant", "draft-shop"))
                .isEqualTo(1.0);
        assertThat(Webhooks.metric(GATEWAY.server(), "tollgate_drafts_posted_total", "tenant", "draft-shop"))
                .as("a kept draft is not a posted one").isZero();

        // switched off: the note drafted meanwhile stays unposted, even when Gorgias sends the same message again
        HttpResponse<String> off = Webhooks.admin(GATEWAY.server(), "PATCH", "/admin/tenants/draft-shop",
                                                  "{\"draft_only\": false}");
        assertThat(off.statusCode()).as(off.body()).isEqualTo(200);
        assertThat(Webhooks.json(off.body()).get("draft_only").asBoolean()).isFalse();
        HttpResponse<String> audit = Webhooks.admin(GATEWAY.server(), "GET", "/admin/audit?tenant=draft-shop", null);
        assertThat(audit.body()).contains("draft_only=false");
        String again = deliver(body, secret, "draft-2");
        JsonNode second = Webhooks.eventDetailWhenDone(GATEWAY.server(), "draft-shop", again);
        assertThat(second.path("event").path("status").asText()).as(second.toString()).isEqualTo("processed");
        assertThat(Webhooks.eventDetailWhenDone(GATEWAY.server(), "draft-shop", eventId).at("/note/state").asText())
                .isEqualTo("drafted");
        assertThat(internalNotes()).as("switching the mode off posts nothing retroactively").isEmpty();

        // an operator's replay of the event is the one explicit way to post a drafted note
        HttpResponse<String> replay = Webhooks.admin(GATEWAY.server(), "POST",
                                                     "/admin/tenants/draft-shop/events/" + eventId + "/replay", null);
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(202);
        JsonNode replayed = Webhooks.eventDetailWhenDone(GATEWAY.server(), "draft-shop", eventId);
        assertThat(replayed.at("/note/state").asText()).as(replayed.toString()).isEqualTo("posted");
        List<JsonNode> posted = internalNotes();
        assertThat(posted).hasSize(1);
        assertThat(replayed.at("/note/upstream_message_id").asLong()).isEqualTo(posted.getFirst().get("id").asLong());
        assertThat(Webhooks.metric(GATEWAY.server(), "tollgate_drafts_posted_total", "tenant", "draft-shop"))
                .isEqualTo(1.0);
        assertThat(Webhooks.metric(GATEWAY.server(), "tollgate_drafts_kept_total", "tenant", "draft-shop"))
                .isEqualTo(1.0);
    }

    @Test
    void theSettingIsValidatedAndKeptWhenAPatchDoesNotNameIt() throws Exception {
        String base = "http://127.0.0.1:" + standIn.port();
        String tenant = """
                {"slug": "%s", "name": "Setting Shop", %s
                 "gorgias": {"domain": "acme", "username": "%s", "api_key": "%s", "base_url": "%s"},
                 "shopify": {"shop_domain": "%s", "access_token": "%s", "webhook_secret": "shpss_setting_secret",
                             "base_url": "%s"}}""";
        HttpResponse<String> bad = Webhooks.admin(GATEWAY.server(), "POST", "/admin/tenants", tenant.formatted(
                "setting-bad", "\"draft_only\": \"yes\",", StandIn.GORGIAS_USERNAME, StandIn.GORGIAS_API_KEY, base,
                StandIn.SHOP_DOMAIN, StandIn.SHOPIFY_ACCESS_TOKEN, base));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(Webhooks.json(bad.body()).get("errors").findValuesAsText("field")).containsExactly("draft_only");

        HttpResponse<String> plain = Webhooks.admin(GATEWAY.server(), "POST", "/admin/tenants", tenant.formatted(
                "setting-shop", "", StandIn.GORGIAS_USERNAME, StandIn.GORGIAS_API_KEY, base,
                StandIn.SHOP_DOMAIN, StandIn.SHOPIFY_ACCESS_TOKEN, base));
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(201);
        assertThat(Webhooks.json(plain.body()).get("draft_only").asBoolean()).as("off by default").isFalse();
        HttpResponse<String> on = Webhooks.admin(GATEWAY.server(), "PATCH", "/admin/tenants/setting-shop",
                                                 "{\"draft_only\": true}");
        assertThat(Webhooks.json(on.body()).get("draft_only").asBoolean()).isTrue();
        HttpResponse<String> renamed = Webhooks.admin(GATEWAY.server(), "PATCH", "/admin/tenants/setting-shop",
                                                      "{\"name\": \"Renamed\"}");
        assertThat(Webhooks.json(renamed.body()).get("draft_only").asBoolean()).as("kept").isTrue();
        HttpResponse<String> read = Webhooks.admin(GATEWAY.server(), "GET", "/admin/tenants/setting-shop", null);
        assertThat(Webhooks.json(read.body()).get("draft_only").asBoolean()).isTrue();
        HttpResponse<String> wrong = Webhooks.admin(GATEWAY.server(), "PATCH", "/admin/tenants/setting-shop",
                                                    "{\"draft_only\": null}");
        assertThat(wrong.statusCode()).isEqualTo(400);
    }

    private static String deliver(byte[] body, String secret, String webhookId) {
        HttpResponse<String> accepted = Webhooks.post(GATEWAY.server(), "/webhooks/draft-shop/gorgias", body,
                                                      "X-Tollgate-Token", secret, "Content-Type", "application/json",
                                                      "X-Gorgias-Webhook-Id", webhookId);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return Webhooks.json(accepted.body()).get("event_id").asText();
    }

    private static List<JsonNode> internalNotes() {
        return standIn.messages().stream().filter(m -> "internal-note".equals(m.path("channel").asText())).toList();
    }
}
