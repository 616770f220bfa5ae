package io.tollgate.api.events;

import java.util.Optional;

/** Where a stored webhook event is in its life. */
public enum EventStatus {
    /** Stored and queued for the worker. */
    ACCEPTED("accepted"),
    PROCESSING("processing"),
    PROCESSED("processed"),
    /** Recorded; nothing to do (e.g. Tollgate's own internal note coming back). */
    SKIPPED("skipped"),
    /** The retry budget was spent; can be replayed. */
    DEAD("dead"),
    /** Authentic but not parseable JSON; kept for operators. */
    REJECTED("rejected");

    private final String wire;

    EventStatus(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<EventStatus> fromWire(String value) {
        for (EventStatus s : values()) {
            if (s.wire.equals(value)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
