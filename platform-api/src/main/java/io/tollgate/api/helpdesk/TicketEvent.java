package io.tollgate.api.helpdesk;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A Gorgias ticket event as {@link TicketEvents#parse(byte[])} read it. Every text field may be null when Gorgias
 * left it out (or sent null); ids are 64-bit. {@code missing} names what a worker would have wanted but did not get
 * (e.g. {@code "ticket.id"}, {@code "messages[1].id"}), so an event of an unexpected shape still parses.
 *
 * @param shape          which of the body shapes it was
 * @param ticketId       the Gorgias ticket id (for a message event: the message's {@code ticket_id}); null if absent
 * @param subject        the ticket's subject (for a message event without ticket details: the message's subject)
 * @param channel        the ticket's channel
 * @param status         the ticket's status
 * @param customer       the ticket's customer; null when the body names none
 * @param messages       the messages that carry a usable id, in body order; never null
 * @param eventMessageId for a message event, the id of the message the event is about; null for a ticket event
 * @param missing        what was absent or unusable, in the order found; never null
 */
public record TicketEvent(Shape shape, Long ticketId, String subject, String channel, String status,
                          Customer customer, List<Message> messages, Long eventMessageId, List<String> missing) {

    /** Tollgate marks its own notes with an external id of this prefix ({@code tollgate:<event id>}). */
    public static final String TOLLGATE_PREFIX = "tollgate:";

    public TicketEvent {
        Objects.requireNonNull(shape, "shape");
        messages = messages == null ? List.of() : List.copyOf(messages);
        missing = missing == null ? List.of() : List.copyOf(missing);
    }

    /** The body shapes Gorgias' {@code {{context}}} (and a message object on its own) come in. */
    public enum Shape {
        /** {@code {"ticket": {...}}}, possibly with a {@code "message"} next to it */
        TICKET,
        /** {@code {"message": {...}}}: the message carries {@code ticket_id}, often no ticket details */
        MESSAGE,
        /** a bare ticket object */
        BARE_TICKET,
        /** a bare message object (has {@code ticket_id} and no {@code messages}) */
        BARE_MESSAGE,
        /** the flat object of Tollgate's integration form: {@code ticket_id}, {@code message_id}, ..., all strings */
        FORM
    }

    /**
     * The ticket's customer; any field may be null.
     *
     * @param id the Gorgias customer id
     */
    public record Customer(Long id, String email, String firstname, String lastname, String name) {
    }

    /**
     * One ticket message. Only {@code id} is sure to be present.
     *
     * @param fromAgent   Gorgias' {@code from_agent}; null when absent
     * @param senderEmail {@code sender.email} (or, failing that, {@code source.from.address})
     * @param createdAt   {@code created_datetime}
     * @param externalId  {@code external_id}: Tollgate's own notes carry {@code tollgate:<event id>}
     * @param via         Gorgias' {@code via}: how the message was received ({@code email}, {@code contact_form},
     *                    {@code api}, ...); null when absent
     */
    public record Message(long id, String channel, Boolean fromAgent, String bodyText, String bodyHtml,
                          String senderEmail, Instant createdAt, String externalId, String via) {

        public boolean internalNote() {
            return "internal-note".equalsIgnoreCase(channel);
        }

        /** True for a message Tollgate itself posted (its external id starts with {@code tollgate:}). */
        public boolean postedByTollgate() {
            return externalId != null && externalId.startsWith(TOLLGATE_PREFIX);
        }

        public boolean agent() {
            return Boolean.TRUE.equals(fromAgent);
        }
    }

    /** The customer message this event asks Tollgate to answer, or why there is none ({@link Replies#decide}). */
    public Reply answerable() {
        return Replies.decide(this);
    }
}
