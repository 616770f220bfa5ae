package io.tollgate.api.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.tollgate.api.Webhooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Gorgias delivery is a pointer (CONTRACT §1, §2): the worker reads the ticket from the Gorgias API (the pipeline's
 * ticket server, which wants basic auth) just before drafting, and drafts from the ticket as it is then.
 */
class TicketReadTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    @RegisterExtension
    static final Pipeline p = Pipeline.forClass(Map.of());

    /** The ticket object of {@link Pipeline#ticket}: Bob asks about {@code text}. */
    private static ObjectNode ticketObject(long ticket, long message, String text) {
        return (ObjectNode) Webhooks.json(new String(Pipeline.ticket(ticket, message, "Hello", text),
                                                     StandardCharsets.UTF_8)).get("ticket");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aBodyOfIdsOnlyIsEnoughTheNoteComesFromTheTicketTheApiReturned() {
        Pipeline.Tenant t = p.tenant("read-ids");
        long ticket = 44_000_000_001L;
        long message = 54_000_000_001L;
        p.tickets.put(t.username(), ticketObject(ticket, message, "Hi, where is my order #1001?"));

        // the flat form as Gorgias renders it, with everything but the ids left empty
        UUID event = p.deliverProcessed(t, utf8("""
                {"ticket_id": "%d", "ticket_subject": "", "message_id": "%d", "message_from_agent": "",
                 "message_body_text": "", "customer_email": ""}""".formatted(ticket, message)), "wh-ids-1", WAIT);

        List<LoggedRequest> posts = p.notePosts(ticket);
        assertThat(posts).hasSize(1);
        JsonNode note = Webhooks.json(posts.getFirst().getBodyAsString());
        assertThat(note.get("external_id").asText()).isEqualTo("tollgate:" + event);
        // the order number from the message text, the tracking from the order found by the API's customer email
        assertThat(note.get("body_text").asText()).contains("#1001").contains(Pipeline.TRACKING_1001);
        assertThat(p.stub.findAll(postRequestedFor(urlPathMatching("/admin/api/.*/graphql.json"))
                                          .withHeader("X-Shopify-Access-Token", equalTo(t.accessToken()))))
                .isNotEmpty().allSatisfy(r -> assertThat(r.getBodyAsString()).contains(Pipeline.BOB));
        // the ticket was read with the tenant's basic auth
        String basic = "Basic " + Base64.getEncoder().encodeToString(
                (t.username() + ":" + t.apiKey()).getBytes(StandardCharsets.UTF_8));
        assertThat(p.stub.findAll(getRequestedFor(urlPathEqualTo("/api/tickets/" + ticket))))
                .isNotEmpty().allSatisfy(r -> assertThat(r.getHeader("Authorization")).isEqualTo(basic));
        // one note per customer message: keyed by the message id the form named
        assertThat(p.one("SELECT answered_message_id FROM notes WHERE gorgias_ticket_id = ?", ticket))
                .isEqualTo(Long.toString(message));
        // the customer, ticket and message are stored as the API returned them
        assertThat(p.one("SELECT m.body_text FROM messages m JOIN tickets k ON k.id = m.ticket_id"
                                 + " WHERE k.gorgias_ticket_id = ? AND m.gorgias_message_id = ?", ticket, message))
                .isEqualTo("Hi, where is my order #1001?");
        assertThat(p.one("SELECT c.email FROM tickets k JOIN customers c ON c.id = k.customer_id"
                                 + " WHERE k.gorgias_ticket_id = ?", ticket)).isEqualTo(Pipeline.BOB);
    }

    @Test
    void aCustomerMessageAnAgentAnsweredBeforeTheWorkerReadItGetsNoNote() {
        Pipeline.Tenant t = p.tenant("read-answered");
        long ticket = 44_000_000_002L;
        long message = 54_000_000_002L;
        // Gorgias has the ticket with the agent's reply by the time the worker reads it
        p.tickets.put(t.username(), ticketObject(ticket, message, "Where is my order #1001?"));
        p.tickets.addMessage(t.username(), ticket, Webhooks.json("""
                {"id": 54000000003, "channel": "email", "via": "helpdesk", "from_agent": true,
                 "sender": {"email": "agent@read-answered.example"}, "body_text": "It shipped yesterday.",
                 "created_datetime": "2024-01-15T11:00:00+00:00", "external_id": null}"""));

        // the delivery, sent when the ticket was created, shows only the customer's message
        UUID event = Pipeline.eventId(p.deliver(t, Pipeline.ticket(ticket, message, "Hello",
                                                                   "Where is my order #1001?"), "wh-answered-1"));

        assertThat(p.awaitStatus(event, WAIT, "skipped", "processed", "dead")).isEqualTo("skipped");
        assertThat(p.one("SELECT last_error FROM " + Pipeline.JOB_OF_EVENT, event)).contains("answered");
        assertThat(p.notePosts(ticket)).isEmpty();
        assertThat(p.count("SELECT count(*) FROM notes WHERE gorgias_ticket_id = ?", ticket)).isZero();
        // the agent's reply, read from the API, is stored with the rest
        assertThat(p.count("SELECT count(*) FROM messages m JOIN tickets k ON k.id = m.ticket_id"
                                   + " WHERE k.gorgias_ticket_id = ? AND m.from_agent", ticket)).isEqualTo(1);
    }

    @Test
    void aTicketGorgiasNoLongerHasIsSkippedAndA503IsRetried() {
        Pipeline.Tenant t = p.tenant("read-gone");
        long gone = 44_000_000_004L;
        // ids only, and the ticket server does not know the ticket: 404
        UUID event = Pipeline.eventId(p.deliver(t, utf8("{\"ticket_id\": \"%d\", \"message_id\": \"54000000004\"}"
                                                                .formatted(gone)), "wh-gone-1"));
        assertThat(p.awaitStatus(event, WAIT, "skipped", "processed", "dead")).isEqualTo("skipped");
        assertThat(p.one("SELECT last_error FROM " + Pipeline.JOB_OF_EVENT, event)).contains("no longer exists");
        assertThat(p.notePosts(gone)).isEmpty();

        long flaky = 44_000_000_005L;
        p.stub.stubFor(get(urlPathEqualTo("/api/tickets/" + flaky)).atPriority(1).inScenario("flaky")
                               .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                               .willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        UUID retried = p.deliverProcessed(t, Pipeline.ticket(flaky, 54_000_000_005L, "Hello", "Order #1001?"),
                                          "wh-flaky-1", WAIT);
        assertThat(p.one("SELECT attempts FROM " + Pipeline.JOB_OF_EVENT, retried)).isEqualTo("2");
        assertThat(p.notePosts(flaky)).hasSize(1);
        assertThat(p.stub.findAll(getRequestedFor(urlPathEqualTo("/api/tickets/" + flaky)))).hasSize(2);
    }
}
