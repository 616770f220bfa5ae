package io.tollgate.api.observe;

import io.tollgate.tenant.EventId;

import java.util.Objects;
import java.util.Optional;

/**
 * What the current thread works for, so that every log record it writes names it: the HTTP request's id, the
 * tenant's slug and the webhook event's id. The log formatters ({@link JsonLogFormatter}, {@link TextLogFormatter})
 * read it when a record is written, which JUL does on the thread that logs.
 *
 * <p>Values live only inside a {@linkplain #open() scope}: the request filter opens one around each request, the
 * worker one around each job, and closing it restores what was there before (nothing, on a pooled or reused
 * thread). The setters outside any scope do nothing, so no thread can carry a stale tenant into the next request or
 * job. Only ids and slugs go here, never anything secret.
 */
public final class LogContext {
    /** The fields of a scope; each may be null (unknown). */
    public record Fields(String requestId, String tenant, EventId eventId) {
        static final Fields NONE = new Fields(null, null, null);

        public boolean isEmpty() {
            return requestId == null && tenant == null && eventId == null;
        }
    }

    private static final ThreadLocal<Frame> CURRENT = new ThreadLocal<>();

    private LogContext() {
    }

    /** Opens a scope that starts with the current fields; close it (try-with-resources) on the same thread. */
    public static Scope open() {
        Frame parent = CURRENT.get();
        Frame frame = new Frame(parent, parent == null ? Fields.NONE : parent.fields);
        CURRENT.set(frame);
        return new Scope(frame);
    }

    /** Opens a scope with no fields at all (for records about no request, tenant or event in particular). */
    public static Scope openEmpty() {
        Frame frame = new Frame(CURRENT.get(), Fields.NONE);
        CURRENT.set(frame);
        return new Scope(frame);
    }

    /** Opens a scope for one webhook event (the worker's jobs). */
    public static Scope forEvent(EventId eventId) {
        Objects.requireNonNull(eventId, "eventId");
        Scope scope = open();
        event(eventId);
        return scope;
    }

    /** Sets the request id of the current scope (nothing outside a scope). */
    public static void requestId(String id) {
        update(f -> new Fields(id, f.tenant(), f.eventId()));
    }

    /** Sets the tenant's slug of the current scope (nothing outside a scope). */
    public static void tenant(String slug) {
        update(f -> new Fields(f.requestId(), slug, f.eventId()));
    }

    /** Sets the event id of the current scope (nothing outside a scope). */
    public static void event(EventId eventId) {
        update(f -> new Fields(f.requestId(), f.tenant(), eventId));
    }

    /** The current fields (all null outside a scope). */
    public static Fields current() {
        Frame frame = CURRENT.get();
        return frame == null ? Fields.NONE : frame.fields;
    }

    public static Optional<String> requestId() {
        return Optional.ofNullable(current().requestId());
    }

    public static Optional<String> tenant() {
        return Optional.ofNullable(current().tenant());
    }

    public static Optional<EventId> event() {
        return Optional.ofNullable(current().eventId());
    }

    private static void update(java.util.function.UnaryOperator<Fields> change) {
        Frame frame = CURRENT.get();
        if (frame != null) {
            frame.fields = change.apply(frame.fields);
        }
    }

    private static final class Frame {
        private final Frame parent;
        private Fields fields;

        Frame(Frame parent, Fields fields) {
            this.parent = parent;
            this.fields = fields;
        }
    }

    /** An open scope; {@link #close()} restores the scope that was current when it was opened. */
    public static final class Scope implements AutoCloseable {
        private final Frame frame;

        private Scope(Frame frame) {
            this.frame = frame;
        }

        @Override
        public void close() {
            if (frame.parent == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(frame.parent);
            }
        }
    }
}
