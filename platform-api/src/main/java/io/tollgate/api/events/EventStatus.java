package io.tollgate.api.events;

import io.tollgate.api.http.WireName;

import java.util.Optional;

/** Where a stored webhook event is in its life (the {@code webhook_events.status} column). */
public enum EventStatus implements WireName {
    /** Stored and queued for the worker. */
    ACCEPTED,
    /** A worker holds its job's lease. */
    PROCESSING,
    PROCESSED,
    /** Recorded; nothing to do (e.g. Tollgate's own internal note coming back). */
    SKIPPED,
    /** The retry budget was spent; can be replayed. */
    DEAD,
    /** Authentic but not parseable JSON; kept for operators. */
    REJECTED,
    /** Dead or deferred, then ended by an operator without replaying it; ages out like a processed one. */
    DISCARDED;

    /**
     * Finished: nothing is left to do or look at, so the ordinary retention deletes it. The others (accepted,
     * processing, dead) are unfinished work, kept until the longer dead-event retention.
     */
    public boolean finished() {
        return this == PROCESSED || this == SKIPPED || this == REJECTED || this == DISCARDED;
    }

    public static Optional<EventStatus> fromWire(String value) {
        return WireName.fromWire(EventStatus.class, value);
    }
}
