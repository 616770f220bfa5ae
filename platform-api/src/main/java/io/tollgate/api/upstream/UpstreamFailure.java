package io.tollgate.api.upstream;

/**
 * What went wrong with one call, as the caller found it, for a client that words its own reasons (see
 * {@link UpstreamCaller}'s constructor with a wording). Such a client's reasons never quote the answer's body as the
 * standard reasons do: an upstream that may echo what it was sent (a model quoting the customer's text) keeps it out
 * of reasons and log lines.
 */
public sealed interface UpstreamFailure {

    /** An answer other than 2xx: its status and the start of its body (at most {@code MAX_REASON_BODY} bytes). */
    record Answered(int status, byte[] body) implements UpstreamFailure {
    }

    /** A 2xx answer larger than {@link UpstreamSettings#maxAnswerBytes()} ({@code limit}). */
    record TooLarge(int status, int limit) implements UpstreamFailure {
    }

    /** No connection, or no complete answer, in time (the connect, read or whole-call timeout). */
    record TimedOut() implements UpstreamFailure {
    }

    /** No answer: the connection failed or was lost; {@code cause} is the HTTP client's exception. */
    record NoAnswer(Throwable cause) implements UpstreamFailure {
    }
}
