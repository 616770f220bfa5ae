package io.tollgate.api.worker;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Optional;

/** Where a stored webhook event is in its life (the {@code webhook_events.status} column). */
public enum EventStatus {
    /** Stored and queued for the worker. */
    ACCEPTED("accepted"),
    /** A worker holds its job's lease. */
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

    @JsonValue
    public String wire() {
        return wire;
    }

    /**
     * The value as an SQL string literal, for statements that must name a status literally (a partial index only
     * matches a literal; a parameter would hide it from the planner). Never built from client text.
     */
    public String sql() {
        return "'" + wire + "'";
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
