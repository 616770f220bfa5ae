package io.tollgate.tenant;

import java.util.Objects;
import java.util.UUID;

/**
 * A webhook event's id: the key of its stored delivery, the job that processes it and the notes written for it.
 * Shown to operators (admin API, log fields) as its UUID's text.
 */
public record EventId(UUID value) {
    public EventId {
        Objects.requireNonNull(value, "value");
    }

    public static EventId parse(String text) {
        return new EventId(UUID.fromString(text));
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
