package io.tollgate.api.helpdesk;

import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

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
 *   <li>Either way, a customer message an agent has answered since (a later message from an agent that is not an
 *       internal note) gets no note.</li>
 * </ul>
 * Either way the answer is keyed by (ticket id, message id), so events about the same message reach the same
 * {@link NoteLedger} row.
 */
public final class Replies {

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
            return answeredSince(event, m) ? new Reply.Skip(Reply.Reason.ANSWERED) : answer(event, m);
        }
        return event.messages().stream()
                .filter(m -> isCustomers(event, m))
                .max(CHRONOLOGICAL)
                .<Reply>map(m -> answeredSince(event, m) ? new Reply.Skip(Reply.Reason.ANSWERED) : answer(event, m))
                .orElse(new Reply.Skip(Reply.Reason.NO_CUSTOMER_MESSAGE));
    }

    /**
     * Whether an agent has already answered {@code m}: a later message (by {@link #CHRONOLOGICAL}) from an agent
     * that the customer sees, i.e. neither an internal note nor a note Tollgate posted.
     */
    static boolean answeredSince(TicketEvent event, TicketEvent.Message m) {
        return event.messages().stream().anyMatch(
                later -> later.agent() && !later.internalNote() && !later.postedByTollgate()
                        && CHRONOLOGICAL.compare(later, m) > 0);
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
        String channel = m.channel() != null ? m.channel() : event.channel();
        return new Reply.Answer(event.ticketId(), m.id(), email, event.subject(), text(m), channel,
                                addressVerified(channel, m, email));
    }

    /** How Gorgias says an e-mail came in ({@code via}), for a message whose channel is {@code email}. */
    private static final Set<String> EMAIL_VIA = Set.of("email", "gmail", "outlook");

    /**
     * Whether the answered message proves that its sender owns {@code email}: it came in by e-mail (its channel, or
     * the ticket's when it names none, is {@code email}, and its {@code via}, when given, is an e-mail one) from that
     * very address. Anything else does not: a contact form, the help center or a chat takes whatever address the
     * visitor types, the API whatever the caller sends, and phone, SMS and social channels carry no e-mail address at
     * all (the ticket's customer address then comes from elsewhere). An unknown channel proves nothing either.
     */
    static boolean addressVerified(String channel, TicketEvent.Message m, String email) {
        return "email".equalsIgnoreCase(channel)
                && (m.via() == null || EMAIL_VIA.contains(m.via().toLowerCase(Locale.ROOT)))
                && email != null && m.senderEmail() != null && normal(email).equals(normal(m.senderEmail()));
    }

    private static String text(TicketEvent.Message m) {
        if (m.bodyText() != null) {
            return m.bodyText();
        }
        if (m.bodyHtml() != null) {
            return withoutTags(m.bodyHtml());
        }
        return "";
    }

    /**
     * HTML as text: each tag (from a {@code <} to the next {@code >}) becomes a space, every run of white space one
     * space, and the ends are stripped; a {@code <} with no {@code >} after it is text, and so is all that follows it.
     * One pass, so its time is linear in the HTML whatever the customer wrote (a regular expression for tags
     * re-scans to the end from every {@code <} that is never closed: quadratic).
     */
    static String withoutTags(String html) {
        StringBuilder out = new StringBuilder(html.length());
        boolean space = false; // the last character written is a collapsed space
        boolean tags = true; // false once a '<' has no '>' after it: no later '<' can have one either
        int n = html.length();
        for (int i = 0; i < n; i++) {
            char c = html.charAt(i);
            if (c == '<' && tags) {
                int close = html.indexOf('>', i + 1);
                if (close >= 0) {
                    i = close;
                    c = ' ';
                } else {
                    tags = false;
                }
            }
            if (c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r') {
                if (!space) {
                    out.append(' ');
                    space = true;
                }
            } else {
                out.append(c);
                space = false;
            }
        }
        return out.toString().strip();
    }
}
