package io.tollgate.api.http;

import io.helidon.http.Status;
import io.tollgate.api.http.Problem.FieldError;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every error a handler means to answer with. Mapped to HTTP in one place, {@link ErrorHandling}.
 * {@code kind} becomes the problem's {@code type} ({@code https://tollgate.dev/problems/<kind>}).
 */
public sealed abstract class ApiException extends RuntimeException {
    private final Status status;
    private final String kind;
    private final String title;
    private final Duration retryAfter;

    private ApiException(Status status, String kind, String title, String detail) {
        this(status, kind, title, detail, null);
    }

    private ApiException(Status status, String kind, String title, String detail, Duration retryAfter) {
        super(detail, null, false, false);
        this.status = status;
        this.kind = kind;
        this.title = title;
        this.retryAfter = retryAfter;
    }

    public Status status() {
        return status;
    }

    public String kind() {
        return kind;
    }

    public String title() {
        return title;
    }

    public List<FieldError> errors() {
        return List.of();
    }

    /** Whether the connection must close after the answer (the rest of the request cannot be trusted or read). */
    public boolean closesConnection() {
        return false;
    }

    /** Seconds for {@code Retry-After}, when the client should come back. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public static final class BadRequest extends ApiException {
        private final List<FieldError> errors;

        public BadRequest(String kind, String detail, List<FieldError> errors) {
            super(Status.BAD_REQUEST_400, kind, "Bad request", detail);
            this.errors = List.copyOf(errors);
        }

        @Override
        public List<FieldError> errors() {
            return errors;
        }
    }

    /**
     * The request itself could not be read: broken HTTP framing, a body cut short, a connection that failed
     * mid-request. Answered if the client still listens, then the connection closes.
     */
    public static final class MalformedRequest extends ApiException {
        public MalformedRequest(String detail) {
            super(Status.BAD_REQUEST_400, "malformed-request", "Bad request", detail);
        }

        @Override
        public boolean closesConnection() {
            return true;
        }
    }

    /** The client stopped sending mid-request for longer than the read timeout. The connection closes. */
    public static final class RequestTimeout extends ApiException {
        public RequestTimeout(String detail) {
            super(Status.REQUEST_TIMEOUT_408, "request-timeout", "Request timeout", detail);
        }

        @Override
        public boolean closesConnection() {
            return true;
        }
    }

    public static final class Unauthorized extends ApiException {
        public Unauthorized(String kind, String detail) {
            super(Status.UNAUTHORIZED_401, kind, "Unauthorized", detail);
        }
    }

    public static final class Forbidden extends ApiException {
        public Forbidden(String kind, String detail) {
            super(Status.FORBIDDEN_403, kind, "Forbidden", detail);
        }
    }

    public static final class NotFound extends ApiException {
        public NotFound(String kind, String detail) {
            super(Status.NOT_FOUND_404, kind, "Not found", detail);
        }
    }

    public static final class Conflict extends ApiException {
        private final List<FieldError> errors;

        public Conflict(String kind, String detail) {
            this(kind, detail, List.of());
        }

        /** With per-field facts a client acts on (e.g. the count a stale {@code expected_count} should have been). */
        public Conflict(String kind, String detail, List<FieldError> errors) {
            super(Status.CONFLICT_409, kind, "Conflict", detail);
            this.errors = List.copyOf(errors);
        }

        @Override
        public List<FieldError> errors() {
            return errors;
        }
    }

    public static final class PayloadTooLarge extends ApiException {
        public PayloadTooLarge(String detail) {
            super(Status.REQUEST_ENTITY_TOO_LARGE_413, "payload-too-large", "Payload too large", detail);
        }
    }

    public static final class TooManyRequests extends ApiException {
        public TooManyRequests(String kind, String detail, Duration retryAfter) {
            super(Status.TOO_MANY_REQUESTS_429, kind, "Too many requests", detail, retryAfter);
        }
    }

    public static final class Unavailable extends ApiException {
        public Unavailable(String kind, String detail, Duration retryAfter) {
            super(Status.SERVICE_UNAVAILABLE_503, kind, "Service unavailable", detail, retryAfter);
        }

        /** The database cannot be reached: the one answer for it, from the admin API and ingress alike. */
        public static Unavailable database() {
            return new Unavailable("database-unavailable", "The database is unreachable; retry later.",
                                   DATABASE_RETRY_AFTER);
        }
    }

    /**
     * Refused before the request's body was read, for want of room (the buffered-bytes budget, the client address's
     * bodies, the tenant's concurrency): 503 with {@code Retry-After}, then the connection closes, so the unread body
     * is never read.
     */
    public static final class Overloaded extends ApiException {
        public Overloaded(String kind, String detail, Duration retryAfter) {
            super(Status.SERVICE_UNAVAILABLE_503, kind, "Service unavailable", detail, retryAfter);
        }

        @Override
        public boolean closesConnection() {
            return true;
        }
    }

    /** How long a client should wait after the database was unreachable. */
    public static final Duration DATABASE_RETRY_AFTER = Duration.ofSeconds(5);
}
