package io.tollgate.api.helpdesk;

import java.util.Objects;

/** Whether a ticket event gets a drafted note: {@link Replies#decide}. */
public sealed interface Reply {

    /**
     * Answer this customer message.
     *
     * @param ticketId      the Gorgias ticket id
     * @param messageId     the Gorgias id of the customer message answered (the note ledger's key with the ticket)
     * @param customerEmail the customer's email (the ticket customer's, else the message sender's); null if unknown
     * @param subject       the ticket's subject; null if unknown
     * @param text          the message's text ({@code body_text}, else {@code body_html} without tags); never null
     * @param channel       the answered message's channel (the ticket's when the message names none); null if unknown
     * @param addressVerified whether the message's channel proves that the sender owns {@code customerEmail}
     *                      ({@link Replies#addressVerified}); when not, the note shares neither the address nor
     *                      tracking
     */
    record Answer(long ticketId, long messageId, String customerEmail, String subject, String text, String channel,
                  boolean addressVerified) implements Reply {
        public Answer {
            Objects.requireNonNull(text, "text");
        }
    }

    /** Nothing to answer. */
    record Skip(Reason reason) implements Reply {
        public Skip {
            Objects.requireNonNull(reason, "reason");
        }
    }

    enum Reason {
        /** the body names no ticket */
        NO_TICKET_ID,
        /** the event's message is an internal note (not Tollgate's) */
        INTERNAL_NOTE,
        /** the event's message is from an agent */
        AGENT_MESSAGE,
        /** the event's message is a note Tollgate posted, coming back */
        TOLLGATE_NOTE,
        /** no message from the customer (none at all, or none from the customer's address) */
        NO_CUSTOMER_MESSAGE,
        /** an agent has answered the customer's message since (a later agent message that is not a note) */
        ANSWERED
    }
}
