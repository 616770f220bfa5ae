package io.tollgate.api.helpdesk;

import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Decides which customer message a ticket event asks Tollgate to answer. A message is the customer's when it is not
 * from an agent, not an internal note, not posted by Tollgate (external id {@code tollgate:*}), and, when both the
 * customer's email and the sender's email are known, sent from the customer's address.
 *
 * <ul>
 *   <li>A message event ({@code {"message": ...}} or a bare message) is about its own message: it is answered if it is
 *       the customer's, otherwise skipped saying why (Tollgate's own note, an internal note, an agent's message).</li>
 *   <li>A ticket event answers the ticket's latest customer message, by {@code created_datetime} then id (messages
 *       without a date count as oldest).</li>
 * </ul>
 * Either way the answer is keyed by (ticket id, message id), so events about the same message reach the same
 * {@link NoteLedger} row.
 */
public final class Replies {
    private static final Pattern TAG = Pattern.compile("<[^>]*>");
    private static final Pattern SPACE = Pattern.compile("\\s+");

    /** Latest last: created_datetime (missing = oldest), then id. */
    static final Comparator<TicketEvent.Message> CHRONOLOGICAL = Comparator
            .comparing(TicketEvent.Message::createdAt, Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
            .thenComparingLong(TicketEvent.Message::id);

    private Replies() {
    }

    public static Reply decide(TicketEvent event) {
        if (event.ticketId() == null) {
            return new Reply.Skip(Reply.Reason.NO_TICKET_ID);
        }
        if (event.eventMessageId() != null) {
            Optional<TicketEvent.Message> own = event.messages().stream()
                    .filter(m -> m.id() == event.eventMessageId()).findFirst();
            if (own.isEmpty()) {
                return new Reply.Skip(Reply.Reason.NO_CUSTOMER_MESSAGE);
            }
            TicketEvent.Message m = own.get();
            if (m.postedByTollgate()) {
                return new Reply.Skip(Reply.Reason.TOLLGATE_NOTE);
            }
            if (m.internalNote()) {
                return new Reply.Skip(Reply.Reason.INTERNAL_NOTE);
            }
            if (m.agent()) {
                return new Reply.Skip(Reply.Reason.AGENT_MESSAGE);
            }
            if (!fromCustomersAddress(event, m)) {
                return new Reply.Skip(Reply.Reason.NO_CUSTOMER_MESSAGE);
            }
            return answer(event, m);
        }
        return event.messages().stream()
                .filter(m -> isCustomers(event, m))
                .max(CHRONOLOGICAL)
                .<Reply>map(m -> answer(event, m))
                .orElse(new Reply.Skip(Reply.Reason.NO_CUSTOMER_MESSAGE));
    }

    static boolean isCustomers(TicketEvent event, TicketEvent.Message m) {
        return !m.postedByTollgate() && !m.internalNote() && !m.agent() && fromCustomersAddress(event, m);
    }

    private static boolean fromCustomersAddress(TicketEvent event, TicketEvent.Message m) {
        String customer = event.customer() == null ? null : event.customer().email();
        if (customer == null || m.senderEmail() == null) {
            return true;
        }
        return normal(customer).equals(normal(m.senderEmail()));
    }

    private static String normal(String email) {
        return email.strip().toLowerCase(Locale.ROOT);
    }

    private static Reply.Answer answer(TicketEvent event, TicketEvent.Message m) {
        String email = event.customer() != null && event.customer().email() != null
                ? event.customer().email() : m.senderEmail();
        return new Reply.Answer(event.ticketId(), m.id(), email, event.subject(), text(m));
    }

    private static String text(TicketEvent.Message m) {
        if (m.bodyText() != null) {
            return m.bodyText();
        }
        if (m.bodyHtml() != null) {
            return SPACE.matcher(TAG.matcher(m.bodyHtml()).replaceAll(" ")).replaceAll(" ").strip();
        }
        return "";
    }
}
