package io.tollgate.api.upstream;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The webhook event a thread is working on, so that an upstream call's failure is logged with the event it was made
 * for (the worker sets it around each job; {@link UpstreamCaller} reads it).
 */
public final class CallContext {
    private static final ThreadLocal<UUID> EVENT = new ThreadLocal<>();

    private CallContext() {
    }

    /** Runs {@code work} with {@code eventId} as the current event, restoring the previous one after. */
    public static <T> T forEvent(UUID eventId, Supplier<T> work) {
        Objects.requireNonNull(eventId, "eventId");
        UUID previous = EVENT.get();
        EVENT.set(eventId);
        try {
            return work.get();
        } finally {
            if (previous == null) {
                EVENT.remove();
            } else {
                EVENT.set(previous);
            }
        }
    }

    /** The event the current thread works on, if any. */
    public static Optional<UUID> event() {
        return Optional.ofNullable(EVENT.get());
    }
}
