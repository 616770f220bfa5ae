package io.tollgate.api.helpdesk;

import io.tollgate.api.Webhooks;
import io.tollgate.tenant.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static io.tollgate.api.helpdesk.GorgiasBodies.AGENT_REPLY;
import static io.tollgate.api.helpdesk.GorgiasBodies.CUSTOMER;
import static io.tollgate.api.helpdesk.GorgiasBodies.FIRST;
import static io.tollgate.api.helpdesk.GorgiasBodies.SECOND;
import static io.tollgate.api.helpdesk.GorgiasBodies.TICKET;
import static io.tollgate.api.helpdesk.GorgiasBodies.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing the Gorgias body shapes, and which message an event asks Tollgate to answer. */
class TicketEventsTest {

    @Test
    void readsATicketEvent() {
        TicketEvent e = TicketEvents.parse(GorgiasBodies.ticketCreated());

        assertThat(e.shape()).isEqualTo(TicketEvent.Shape.TICKET);
        assertThat(e.ticketId()).isEqualTo(TICKET);
        assertThat(e.subject()).isEqualTo("Where is my order #1001?");
        assertThat(e.channel()).isEqualTo("email");
        assertThat(e.status()).isEqualTo("open");
        assertThat(e.customer()).isEqualTo(
                new TicketEvent.Customer(CUSTOMER, "bob@example.com", "Bob", "Norman", "Bob Norman"));
        assertThat(e.eventMessageId()).isNull();
        assertThat(e.messages()).containsExactly(new TicketEvent.Message(
                FIRST, "email", false, "Hi, where is my order #1001?", "<p>Hi, where is my order #1001?</p>",
                "Bob@Example.com", Instant.parse("2024-01-15T10:30:00.123Z"), null, "email"));
        assertThat(e.missing()).isEmpty();
        assertThat(e.answerable()).isEqualTo(new Reply.Answer(TICKET, FIRST, "bob@example.com",
                                                              "Where is my order #1001?",
                                                              "Hi, where is my order #1001?", "email", true));
    }

    @Test
    void readsAMessageEventWithoutTicketDetailsAndIdsAsStrings() {
        TicketEvent e = TicketEvents.parse(GorgiasBodies.firstMessageCreated());

        assertThat(e.shape()).isEqualTo(TicketEvent.Shape.MESSAGE);
        assertThat(e.ticketId()).as("from the message's ticket_id string, exact above 2^53").isEqualTo(TICKET);
        assertThat(e.eventMessageId()).isEqualTo(FIRST);
        assertThat(e.customer()).isNull();
        assertThat(e.subject()).isNull();
        assertThat(e.messages()).singleElement().satisfies(m -> {
            assertThat(m.id()).isEqualTo(FIRST);
            assertThat(m.senderEmail()).isEqualTo("bob@example.com");
            assertThat(m.createdAt()).isEqualTo(Instant.parse("2024-01-15T10:30:00.123Z"));
        });
        assertThat(e.missing()).containsExactly("ticket.customer");
        // the same message as ticket-created's first one: the same (ticket, message) key
        assertThat(e.answerable()).isEqualTo(new Reply.Answer(TICKET, FIRST, "bob@example.com", null,
                                                              "Hi, where is my order #1001?", "email", true));
    }

    @Test
    void readsABareTicket() {
        TicketEvent e = TicketEvents.parse(utf8(GorgiasBodies.ticketObject()));

        assertThat(e.shape()).isEqualTo(TicketEvent.Shape.BARE_TICKET);
        assertThat(e.ticketId()).isEqualTo(TICKET);
        assertThat(e.customer().id()).isEqualTo(CUSTOMER);
        assertThat(e.messages()).extracting(TicketEvent.Message::id).containsExactly(FIRST);
        assertThat(e.answerable()).isInstanceOf(Reply.Answer.class);
    }

    @Test
    void aTicketWithAMessageNextToItIsAboutThatMessage() {
        String body = "{\"ticket\": " + GorgiasBodies.ticketObject() + ", \"message\": {\"id\": " + AGENT_REPLY
                + ", \"channel\": \"email\", \"from_agent\": true, \"body_text\": \"On its way\"}}";

        TicketEvent e = TicketEvents.parse(utf8(body));

        assertThat(e.shape()).isEqualTo(TicketEvent.Shape.TICKET);
        assertThat(e.eventMessageId()).isEqualTo(AGENT_REPLY);
        assertThat(e.messages()).extracting(TicketEvent.Message::id).containsExactly(FIRST, AGENT_REPLY);
        assertThat(e.answerable()).isEqualTo(new Reply.Skip(Reply.Reason.AGENT_MESSAGE));
    }

    @Test
    void toleratesNullsEverywhere() {
        TicketEvent e = TicketEvents.parse(utf8("""
                {"ticket": {"id": 5, "subject": null, "channel": null, "status": null,
                  "customer": {"id": null, "email": null, "firstname": null, "lastname": null, "name": null},
                  "messages": [null, {"id": null}, {"id": 6, "channel": null, "from_agent": null, "sender": null,
                               "source": null, "body_text": null, "body_html": null, "created_datetime": null,
                               "external_id": null}]},
                 "message": null}"""));

        assertThat(e.ticketId()).isEqualTo(5L);
        assertThat(e.customer()).isEqualTo(new TicketEvent.Customer(null, null, null, null, null));
        assertThat(e.messages()).containsExactly(new TicketEvent.Message(6, null, null, null, null, null, null, null,
                                                                              null));
        assertThat(e.missing()).containsExactly("ticket.messages[0] (not an object)", "ticket.messages[1].id",
                                                "ticket.customer.id", "ticket.customer.email");
        // a message with nothing known about it is the customer's (not from an agent, not a note): answered, empty
        assertThat(e.answerable()).isEqualTo(new Reply.Answer(5, 6, null, null, "", null, false));
    }

    @Test
    void unusableIdsAreReportedNotGuessed() {
        TicketEvent e = TicketEvents.parse(utf8("""
                {"ticket": {"id": "12a", "customer": {"id": -3, "email": "x@example.com"},
                  "messages": [{"id": 1.5}, {"id": "99999999999999999999"}, {"id": true}, {"id": " 42 "}]}}"""));

        assertThat(e.ticketId()).isNull();
        assertThat(e.customer().id()).isNull();
        assertThat(e.messages()).extracting(TicketEvent.Message::id).containsExactly(42L);
        assertThat(e.missing()).contains("ticket.id (not a positive 64-bit integer)",
                                         "ticket.customer.id (not a positive 64-bit integer)",
                                         "ticket.messages[0].id (not a positive 64-bit integer)",
                                         "ticket.messages[1].id (not a positive 64-bit integer)",
                                         "ticket.messages[2].id (not a positive 64-bit integer)");
        assertThat(e.answerable()).isEqualTo(new Reply.Skip(Reply.Reason.NO_TICKET_ID));
    }

    @Test
    void objectsOfAnUnexpectedShapeParseAndSayWhatIsMissing() {
        for (String body : new String[] {"{}", "{\"foo\": [1, 2]}", "{\"ticket\": \"x\", \"message\": 3}",
                                         "{\"messages\": {\"id\": 1}}"}) {
            TicketEvent e = TicketEvents.parse(utf8(body));

            assertThat(e.ticketId()).as(body).isNull();
            assertThat(e.messages()).as(body).isEmpty();
            assertThat(e.missing()).as(body).contains("id", "messages", "customer");
            assertThat(e.answerable()).as(body).isEqualTo(new Reply.Skip(Reply.Reason.NO_TICKET_ID));
        }
        TicketEvent noTicketId = TicketEvents.parse(utf8("{\"message\": {\"id\": 8, \"body_text\": \"hi\"}}"));
        assertThat(noTicketId.missing()).contains("message.ticket_id");
        assertThat(noTicketId.answerable()).isEqualTo(new Reply.Skip(Reply.Reason.NO_TICKET_ID));

        TicketEvent outerTicketId = TicketEvents.parse(utf8("{\"ticket_id\": 4, \"message\": {\"id\": 8}}"));
        assertThat(outerTicketId.ticketId()).isEqualTo(4L);
        assertThat(outerTicketId.missing()).doesNotContain("message.ticket_id");
    }

    @Test
    void refusesWhatIsNotAJsonObjectWithoutQuotingIt() {
        for (String body : new String[] {"[1]", "\"secret-text\"", "not json secret-text", "", "null"}) {
            assertThatThrownBy(() -> TicketEvents.parse(utf8(body))).as(body)
                    .isInstanceOf(IllegalArgumentException.class)
                    .message().doesNotContain("secret-text");
        }
        assertThatThrownBy(() -> TicketEvents.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theInternalNoteFixtureIsRecordedButNotAnswered() {
        byte[] fixture = Fixtures.bytes("gorgias-internal-note-created-pipedream-synthetic.json");

        TicketEvent bare = TicketEvents.parse(fixture);
        assertThat(bare.shape()).isEqualTo(TicketEvent.Shape.BARE_MESSAGE);
        assertThat(bare.ticketId()).isEqualTo(98765L);
        assertThat(bare.eventMessageId()).isEqualTo(123456789L);
        assertThat(bare.subject()).isEqualTo("Internal Note");
        assertThat(bare.messages()).singleElement().satisfies(m -> {
            assertThat(m.channel()).isEqualTo("internal-note");
            assertThat(m.fromAgent()).isTrue();
            assertThat(m.senderEmail()).isEqualTo("agent@company.com");
            assertThat(m.createdAt()).isEqualTo(Instant.parse("2024-01-15T10:30:00Z"));
            assertThat(m.externalId()).isNull();
        });
        assertThat(bare.answerable()).isEqualTo(new Reply.Skip(Reply.Reason.INTERNAL_NOTE));

        TicketEvent wrapped = TicketEvents.parse(utf8("{\"message\": " + new String(fixture) + "}"));
        assertThat(wrapped.shape()).isEqualTo(TicketEvent.Shape.MESSAGE);
        assertThat(wrapped.messages()).isEqualTo(bare.messages());
        assertThat(wrapped.answerable()).isEqualTo(new Reply.Skip(Reply.Reason.INTERNAL_NOTE));
    }

    private static String message(long id, String channel, boolean fromAgent, String sender, String at,
                                  String externalId, String text) {
        return """
                {"id": %d, "channel": "%s", "from_agent": %b, "sender": {"email": "%s"}, "created_datetime": "%s",
                 "external_id": %s, "body_text": "%s"}""".formatted(
                id, channel, fromAgent, sender, at, externalId == null ? "null" : "\"" + externalId + "\"", text);
    }

    private static TicketEvent ticket(String... messages) {
        return TicketEvents.parse(utf8("""
                {"ticket": {"id": %d, "subject": "Order?", "customer": {"id": 1, "email": "bob@example.com"},
                 "messages": [%s]}}""".formatted(TICKET, String.join(",", messages))));
    }

    private static TicketEvent messageEvent(String message) {
        return TicketEvents.parse(utf8("{\"message\": " + message.replaceFirst("\\{", "{\"ticket_id\": " + TICKET
                + ", ") + "}"));
    }

    @Test
    void aTicketEventAnswersTheLatestCustomerMessage() {
        TicketEvent e = ticket(
                message(SECOND, "email", false, "bob@example.com", "2024-01-15T12:00:00Z", null, "second"),
                message(FIRST, "email", false, "bob@example.com", "2024-01-15T10:00:00Z", null, "first"),
                message(AGENT_REPLY, "email", true, "agent@shop.example", "2024-01-15T11:00:00Z", null, "reply"),
                // later than the customer's, but none of these is the customer's:
                message(70, "internal-note", true, "agent@shop.example", "2024-01-15T13:00:00Z", "tollgate:e1",
                        "tollgate's note"),
                message(71, "internal-note", false, "bob@example.com", "2024-01-15T13:01:00Z", null, "a note"),
                message(72, "email", false, "someone-else@example.com", "2024-01-15T13:02:00Z", null, "cc'd"),
                message(74, "email", false, "bob@example.com", "2024-01-15T13:04:00Z", "tollgate:e2", "ours"),
                // an agent's message as bob, before the second one (a later one would answer it: see below)
                message(73, "chat", true, "bob@example.com", "2024-01-15T11:30:00Z", null, "agent as bob"));

        assertThat(e.answerable()).isEqualTo(new Reply.Answer(TICKET, SECOND, "bob@example.com", "Order?", "second",
                                                              "email", true));
    }

    @Test
    void theIntegrationsFlatFormIsReadWithEveryValueAString() {
        TicketEvent e = TicketEvents.parse(utf8("""
                {"ticket_id": "%d", "ticket_subject": "Where is my order #1001?", "ticket_channel": "email",
                 "message_id": "%d", "message_channel": "email", "message_from_agent": "False",
                 "message_sender_email": "Bob@Example.com", "message_body_text": "Hi, where is my order #1001?",
                 "customer_id": "%d", "customer_email": "bob@example.com", "customer_name": "Bob Norman"}"""
                                                        .formatted(TICKET, FIRST, CUSTOMER)));

        assertThat(e.shape()).isEqualTo(TicketEvent.Shape.FORM);
        assertThat(e.ticketId()).isEqualTo(TICKET);
        assertThat(e.eventMessageId()).isEqualTo(FIRST);
        assertThat(e.channel()).isEqualTo("email");
        assertThat(e.customer()).isEqualTo(new TicketEvent.Customer(CUSTOMER, "bob@example.com", null, null,
                                                                    "Bob Norman"));
        assertThat(e.messages()).singleElement().satisfies(m -> {
            assertThat(m.id()).isEqualTo(FIRST);
            assertThat(m.fromAgent()).isFalse();
            assertThat(m.senderEmail()).isEqualTo("Bob@Example.com");
            assertThat(m.bodyText()).isEqualTo("Hi, where is my order #1001?");
        });
        assertThat(e.missing()).isEmpty();
        assertThat(e.answerable()).isEqualTo(new Reply.Answer(TICKET, FIRST, "bob@example.com",
                                                              "Where is my order #1001?",
                                                              "Hi, where is my order #1001?", "email", true));
    }

    @Test
    void aFlatFormWithEmptyValuesOrOnlyIdsStillNamesTheTicket() {
        TicketEvent empty = TicketEvents.parse(utf8("""
                {"ticket_id": "42", "ticket_subject": "", "message_id": "", "message_from_agent": "",
                 "message_body_text": "", "customer_id": "", "customer_email": "", "customer_name": ""}"""));
        assertThat(empty.ticketId()).isEqualTo(42L);
        assertThat(empty.eventMessageId()).isNull();
        assertThat(empty.messages()).isEmpty();
        assertThat(empty.customer()).isNull();
        assertThat(empty.missing()).containsExactly("message_id", "customer_email");

        TicketEvent ids = TicketEvents.parse(utf8("{\"ticket_id\": \"42\", \"message_id\": \"43\"}"));
        assertThat(ids.shape()).isEqualTo(TicketEvent.Shape.FORM);
        assertThat(ids.eventMessageId()).isEqualTo(43L);
        assertThat(ids.messages()).singleElement().satisfies(m -> {
            assertThat(m.fromAgent()).isNull();
            assertThat(m.bodyText()).isNull();
        });
        // numbers, as another sender might post them, are read too
        assertThat(TicketEvents.parse(utf8("{\"ticket_id\": 42, \"message_id\": 43}")).eventMessageId())
                .isEqualTo(43L);
    }

    @Test
    void aCustomerMessageAnAgentAnsweredSinceGetsNoNoteButNotesDoNotCountAsAnswers() {
        String first = message(FIRST, "email", false, "bob@example.com", "2024-01-15T10:00:00Z", null, "first");
        String reply = message(AGENT_REPLY, "email", true, "agent@shop.example", "2024-01-15T11:00:00Z", null,
                               "it shipped");
        String agentsNote = message(70, "internal-note", true, "agent@shop.example", "2024-01-15T11:00:00Z", null,
                                    "looking");
        String ours = message(71, "internal-note", true, "agent@shop.example", "2024-01-15T11:01:00Z",
                              "tollgate:e1", "suggested reply");

        assertThat(ticket(first, reply).answerable()).isEqualTo(new Reply.Skip(Reply.Reason.ANSWERED));
        assertThat(ticket(first, agentsNote, ours).answerable()).isInstanceOf(Reply.Answer.class);
        // a message event about the first message, read when the ticket has the reply
        TicketEvent delivered = messageEvent(first);
        TicketEvent now = TicketEvents.current(delivered, Webhooks.json("""
                {"id": %d, "subject": "Order?", "customer": {"id": 1, "email": "bob@example.com"},
                 "messages": [%s, %s]}""".formatted(TICKET, first, reply)));
        assertThat(now.eventMessageId()).isEqualTo(FIRST);
        assertThat(now.answerable()).isEqualTo(new Reply.Skip(Reply.Reason.ANSWERED));
    }

    @Test
    void equalTimesAreOrderedByIdAndUndatedMessagesCountAsOldest() {
        TicketEvent e = ticket(
                message(500, "email", false, "bob@example.com", "2024-01-15T10:00:00Z", null, "higher id"),
                message(400, "email", false, "bob@example.com", "2024-01-15T10:00:00Z", null, "lower id"),
                "{\"id\": 900, \"channel\": \"email\", \"from_agent\": false, \"body_text\": \"undated\"}");

        assertThat(e.answerable()).isEqualTo(new Reply.Answer(TICKET, 500, "bob@example.com", "Order?", "higher id",
                                                              "email", true));
    }

    @Test
    void aMessageEventIsSkippedWhenItsMessageIsNotTheCustomers() {
        assertThat(messageEvent(message(1, "email", true, "agent@shop.example", "2024-01-15T10:00:00Z", null, "x"))
                           .answerable()).isEqualTo(new Reply.Skip(Reply.Reason.AGENT_MESSAGE));
        assertThat(messageEvent(message(2, "internal-note", true, "agent@shop.example", "2024-01-15T10:00:00Z", null,
                                        "x")).answerable()).isEqualTo(new Reply.Skip(Reply.Reason.INTERNAL_NOTE));
        assertThat(messageEvent(message(3, "internal-note", true, "agent@shop.example", "2024-01-15T10:00:00Z",
                                        "tollgate:0b7d1a9e-1111-4c1e-9a55-3f1a2b3c4d5e", "x")).answerable())
                .isEqualTo(new Reply.Skip(Reply.Reason.TOLLGATE_NOTE));
        // posted by Tollgate even when the channel says otherwise
        assertThat(messageEvent(message(4, "email", false, "bob@example.com", "2024-01-15T10:00:00Z",
                                        "tollgate:abc", "x")).answerable())
                .isEqualTo(new Reply.Skip(Reply.Reason.TOLLGATE_NOTE));
        assertThat(messageEvent(message(5, "email", false, "bob@example.com", "2024-01-15T10:00:00Z", null,
                                        "hello")).answerable())
                .isEqualTo(new Reply.Answer(TICKET, 5, "bob@example.com", null, "hello", "email", true));
    }

    @Test
    void aTicketWithoutACustomerMessageIsSkipped() {
        assertThat(ticket().answerable()).isEqualTo(new Reply.Skip(Reply.Reason.NO_CUSTOMER_MESSAGE));
        assertThat(ticket(message(1, "email", true, "agent@shop.example", "2024-01-15T10:00:00Z", null, "hi"),
                          message(2, "email", false, "stranger@example.com", "2024-01-15T10:00:00Z", null, "hi"))
                           .answerable()).isEqualTo(new Reply.Skip(Reply.Reason.NO_CUSTOMER_MESSAGE));
    }

    @Test
    void theTextFallsBackToTheHtmlWithoutTags() {
        TicketEvent e = TicketEvents.parse(utf8("""
                {"message": {"id": 3, "ticket_id": 4, "body_html": "<p>Where is <b>#1001</b>?</p>\\n<br/>Bob"}}"""));

        assertThat(e.answerable()).isEqualTo(new Reply.Answer(4, 3, null, null, "Where is #1001 ? Bob", null, false));
    }
}
