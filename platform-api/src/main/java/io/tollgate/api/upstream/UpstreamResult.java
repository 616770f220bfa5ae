package io.tollgate.api.upstream;

import java.time.Duration;
import java.util.Objects;

/**
 * What became of one upstream call. {@code reason} texts name the upstream, the HTTP status, the upstream's request id
 * and the answer's body (capped at {@link UpstreamCaller#MAX_REASON_BODY} bytes); they never hold a credential.
 */
public sealed interface UpstreamResult<T> {

    /** The call succeeded. */
    record Ok<T>(T value) implements UpstreamResult<T> {
    }

    /**
     * Try again later, not before {@code after} ({@link Duration#ZERO} when the upstream named no time): HTTP 429,
     * 5xx, a connect or read timeout, a refused connection, GraphQL THROTTLED, the account's fleet-wide call budget
     * spent, or the tenant's circuit breaker open. After a 5xx or a timeout on a write the outcome is uncertain: the write may have
     * happened. {@code sent} is false when the request never left (the pacing budget spent, the breaker open): then
     * nothing happened upstream, and waiting is not a failure of the job.
     */
    record RetryLater<T>(Duration after, String reason, boolean sent) implements UpstreamResult<T> {
        /** A call that reached (or may have reached) the upstream. */
        public RetryLater(Duration after, String reason) {
            this(after, reason, true);
        }

        public RetryLater {
            Objects.requireNonNull(after, "after");
            Objects.requireNonNull(reason, "reason");
            if (after.isNegative()) {
                after = Duration.ZERO;
            }
        }
    }

    /**
     * Failed for good, retrying will not help: a 4xx other than 429 (bad credentials, no such ticket, a rejected
     * body), or a 2xx answer that could not be used. {@code status} is the HTTP status (0 when there was none).
     */
    record Failed<T>(int status, String reason) implements UpstreamResult<T> {
        public Failed {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The same non-Ok result with another value type. */
    @SuppressWarnings("unchecked")
    default <U> UpstreamResult<U> cast() {
        if (this instanceof Ok<T>) {
            throw new IllegalStateException("an Ok result carries a value; map it instead");
        }
        return (UpstreamResult<U>) this;
    }
}
