package io.tollgate.api.helpdesk;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/** What {@link TicketResponder#respond} did with one Gorgias ticket event. */
public sealed interface Handled {

    /**
     * The note is on the ticket: posted now, or found there by its external id after an uncertain earlier attempt
     * ({@code found}).
     */
    record Posted(long upstreamMessageId, boolean found, String draftSource, UUID noteId) implements Handled {
        public Posted {
            Objects.requireNonNull(noteId, "noteId");
        }
    }

    /**
     * A draft-only tenant's note: drafted and kept in the note ledger (state {@code drafted}), nothing posted to
     * Gorgias.
     */
    record Drafted(String draftSource) implements Handled {
    }

    /** The message this event answers already has a note drafted and kept (draft-only): nothing is posted. */
    record AlreadyDrafted() implements Handled {
    }

    /** The message this event answers already has its note (a duplicate, a replay, the same state re-sent). */
    record AlreadyPosted(long upstreamMessageId) implements Handled {
    }

    /** Nothing to draft: {@code reason} says why (an internal note, an agent's message, Tollgate's own note...). */
    record Skipped(String reason) implements Handled {
        public Skipped {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Try again after at least {@code after}. {@code failure} is false when nothing failed (the tenant's pacing
     * budget is spent, another attempt holds the note): then waiting should not spend the event's retry budget.
     */
    record Later(Duration after, String reason, boolean failure) implements Handled {
        public Later {
            Objects.requireNonNull(after, "after");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Retrying cannot help (bad credentials, the ticket is gone, an answer that cannot be used). */
    record Failed(String reason) implements Handled {
        public Failed {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
