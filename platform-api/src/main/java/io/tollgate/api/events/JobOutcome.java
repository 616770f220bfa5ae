package io.tollgate.api.events;


import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/** What became of one run of a job; JobQueue.complete records it. */
public sealed interface JobOutcome {
    /**
     * Finished: the job is done and its event processed. {@code note}: the internal note the run posted, marked
     * posted in the note ledger in the same commit.
     */
    record Done(Optional<PostedNote> note) implements JobOutcome {
        public Done {
            Objects.requireNonNull(note, "note");
        }

        /** Done, with no note to record. */
        public Done() {
            this(Optional.empty());
        }
    }

    /** A note ledger row ({@code notes.id}) to mark posted as Gorgias message {@code upstreamMessageId}. */
    record PostedNote(UUID noteId, long upstreamMessageId) {
        public PostedNote {
            Objects.requireNonNull(noteId, "noteId");
        }
    }

    /**
     * Nothing to do (e.g. Tollgate's own note coming back, an agent's message): the job is done and its event
     * skipped; {@code reason} is kept as the job's last error, so an operator sees why.
     */
    record Skipped(String reason) implements JobOutcome {
        public Skipped {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Failed for now: run again at {@code at}; {@code reason} is kept as the job's last error. */
    record Retry(Instant at, String reason) implements JobOutcome {
        public Retry {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Not run, through no failure of its own (the tenant's upstream pacing budget is spent, another attempt holds
     * the note): run again at {@code at} without spending an attempt of the retry budget.
     */
    record Defer(Instant at, String reason) implements JobOutcome {
        public Defer {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Failed for good (permanent failure, or the retry budget spent): the job and its event are dead. */
    record Dead(String reason) implements JobOutcome {
        public Dead {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
