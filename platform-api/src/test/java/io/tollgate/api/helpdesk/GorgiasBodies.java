package io.tollgate.api.helpdesk;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Hand-written Gorgias webhook bodies in the shapes {@code {{context}}} renders, and a ticket event of one message
 * given as HTML only (for the HTML reader's tests and benchmark).
 */
public final class GorgiasBodies {
    static final long TICKET = 9_007_199_254_740_993L; // above 2^53: a double would round it
    static final long CUSTOMER = 7_000_000_000_000_001L;
    static final long FIRST = 9_007_199_254_740_995L;
    static final long AGENT_REPLY = 9_007_199_254_740_997L;
    static final long SECOND = 9_007_199_254_740_999L;

    private GorgiasBodies() {
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The ticket object of a new ticket: one customer message. */
    static String ticketObject() {
        return """
                {"id": %d, "subject": "Where is my order #1001?", "channel": "email", "status": "open",
                 "uri": "https://acme.gorgias.com/api/tickets/%1$d/", "tags": [],
                 "customer": {"id": %d, "email": "bob@example.com", "firstname": "Bob", "lastname": "Norman",
                              "name": "Bob Norman", "meta": {}},
                 "messages": [
                   {"id": %d, "channel": "email", "via": "email", "from_agent": false,
                    "sender": {"id": %2$d, "email": "Bob@Example.com"},
                    "body_text": "Hi, where is my order #1001?", "body_html": "<p>Hi, where is my order #1001?</p>",
                    "created_datetime": "2024-01-15T10:30:00.123000+00:00", "external_id": null}
                 ]}""".formatted(TICKET, CUSTOMER, FIRST);
    }

    static byte[] ticketCreated() {
        return utf8("{\"ticket\": " + ticketObject() + "}");
    }

    /** ticket-message-created for the ticket's first message: {"message": {...}} with the ticket id only. */
    static byte[] firstMessageCreated() {
        return utf8("""
                {"message": {"id": "%d", "ticket_id": "%d", "channel": "email", "from_agent": false,
                             "sender": {"email": "bob@example.com"}, "body_text": "Hi, where is my order #1001?",
                             "created_datetime": "2024-01-15T10:30:00.123Z"}}""".formatted(FIRST, TICKET));
    }

    /** A new ticket from Bob whose one customer message has only {@code html} (no text part). */
    public static TicketEvent htmlOnly(String html) {
        TicketEvent.Message m = new TicketEvent.Message(11, "email", false, null, html, "bob@example.com",
                                                        Instant.parse("2024-01-15T10:30:00Z"), null, "email");
        return new TicketEvent(TicketEvent.Shape.TICKET, 7L, "Hello", "email", "open",
                               new TicketEvent.Customer(1L, "bob@example.com", "Bob", null, null), List.of(m), null,
                               List.of());
    }
}
