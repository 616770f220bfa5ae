package io.tollgate.api.worker;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.Webhooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A contact-form address is unverified (issue 15, finding 11): anyone can type Bob's address into a shop's contact
 * form. Such a ticket's note says the address is not verified and leaves out the address and every tracking number
 * and link, so an agent does not hand Bob's parcel to the stranger; a ticket that came as an e-mail from Bob still
 * gets the full note.
 */
class UnverifiedAddressTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    @RegisterExtension
    static final Pipeline p = Pipeline.forClass(Map.of());

    @Test
    void aContactFormTicketsNoteSaysTheAddressIsUnverifiedAndGivesNeitherItNorTracking() {
        Pipeline.Tenant t = p.tenant("unverified-form");
        long ticket = 45_000_000_001L;
        UUID event = p.deliverProcessed(t, ticket(ticket, 55_000_000_001L, "contact_form", "contact_form",
                                                        "Where is my order #1001?"), "wh-form", WAIT);

        JsonNode note = Webhooks.json(p.notePosts(ticket).getFirst().getBodyAsString());
        for (String body : new String[] {note.get("body_text").asText(), note.get("body_html").asText()}) {
            assertThat(body).contains("email address is NOT verified").contains("by contact_form")
                    .contains("#1001")
                    .doesNotContain(Pipeline.TRACKING_1001).doesNotContain(Pipeline.BOB)
                    .doesNotContainIgnoringCase("follow your parcel");
        }
        assertThat(p.notePosts(ticket)).hasSize(1);
    }

    @Test
    void aTicketByTheApiOrOfNoKnownChannelIsUnverifiedToo() {
        Pipeline.Tenant t = p.tenant("unverified-api");
        long api = 45_000_000_002L;
        long unknown = 45_000_000_003L;
        UUID apiEvent = Pipeline.eventId(p.deliver(t, ticket(api, 55_000_000_002L, "api", "api", "Order #1001?"),
                                                   "wh-api"));
        UUID unknownEvent = Pipeline.eventId(p.deliver(t, ticket(unknown, 55_000_000_003L, null, null,
                                                                 "Order #1001?"), "wh-unknown"));
        for (UUID e : new UUID[] {apiEvent, unknownEvent}) {
            p.awaitProcessed(e, WAIT);
        }
        assertThat(text(api)).contains("NOT verified").contains("by api").doesNotContain(Pipeline.TRACKING_1001);
        assertThat(text(unknown)).contains("NOT verified").contains("by an unknown channel")
                .doesNotContain(Pipeline.TRACKING_1001).doesNotContain(Pipeline.BOB);
    }

    @Test
    void anEmailFromTheCustomersAddressStillGetsTheFullNote() {
        Pipeline.Tenant t = p.tenant("verified-email");
        long ticket = 45_000_000_004L;
        UUID event = p.deliverProcessed(t, ticket(ticket, 55_000_000_004L, "email", "email",
                                                        "Where is my order #1001?"), "wh-email", WAIT);

        assertThat(text(ticket)).contains("#1001").contains(Pipeline.TRACKING_1001).contains("follow your parcel")
                .doesNotContain("NOT verified");
    }

    @Test
    void anEmailChannelMessageThatCameThroughAFormIsUnverified() {
        Pipeline.Tenant t = p.tenant("unverified-via");
        long ticket = 45_000_000_005L;
        UUID event = p.deliverProcessed(t, ticket(ticket, 55_000_000_005L, "email", "contact_form",
                                                        "Where is my order #1001?"), "wh-via", WAIT);

        assertThat(text(ticket)).contains("NOT verified").doesNotContain(Pipeline.TRACKING_1001);
    }

    private static String text(long ticket) {
        return Webhooks.json(p.notePosts(ticket).getFirst().getBodyAsString()).get("body_text").asText();
    }

    /** Bob's ticket as Gorgias sends it for a message of {@code channel} received {@code via} (null: not given). */
    private static byte[] ticket(long ticketId, long messageId, String channel, String via, String text) {
        String ch = channel == null ? "null" : "\"" + channel + "\"";
        String v = via == null ? "null" : "\"" + via + "\"";
        return ("""
                {"ticket": {"id": %d, "subject": "Order status", "channel": %s, "status": "open",
                 "customer": {"id": 7001, "email": "%s", "firstname": "Bob", "lastname": "Norman", "name": "Bob Norman"},
                 "messages": [
                   {"id": %d, "channel": %2$s, "via": %s, "from_agent": false,
                    "sender": {"id": 7001, "email": "%3$s"}, "body_text": "%s",
                    "created_datetime": "2024-01-15T10:30:00+00:00", "external_id": null}]}}""")
                .formatted(ticketId, ch, Pipeline.BOB, messageId, v, text).getBytes(StandardCharsets.UTF_8);
    }
}
