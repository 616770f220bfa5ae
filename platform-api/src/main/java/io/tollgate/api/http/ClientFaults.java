package io.tollgate.api.http;

import io.helidon.common.buffers.DataReader;
import io.helidon.http.RequestException;
import io.helidon.webserver.CloseConnectionException;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Optional;

/**
 * Failures a client causes while its request is being read: broken chunked framing, a body shorter than declared, a
 * connection dropped or stalled mid-request. They become a 400 (or a 408 for a stall) with a short plain-words detail;
 * never a 500, never an exception's class name or message in the answer.
 */
public final class ClientFaults {
    private ClientFaults() {
    }

    /**
     * Any failure while reading a request body is the request's or the connection's, never the server's: an
     * {@link ApiException} to answer with, or {@link ClientGone} when nobody is left to answer.
     */
    public static RuntimeException reading(Throwable failure) {
        if (gone(failure)) {
            return new ClientGone(failure);
        }
        return transport(failure).orElseGet(() -> new ApiException.MalformedRequest(
                "The request body could not be read: its HTTP framing is invalid."));
    }

    /**
     * The client reset or closed its connection mid-request: there is nobody to answer. Thrown from a handler, it
     * makes the web server close the connection without an answer and without logging more than a trace.
     */
    public static final class ClientGone extends CloseConnectionException {
        ClientGone(Throwable cause) {
            super("the client closed the connection mid-request", cause);
        }
    }

    private static boolean gone(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SocketException || t instanceof ClosedChannelException) {
                return true;
            }
        }
        return false;
    }

    /**
     * A failure anywhere in a handler that came from the request's transport (as opposed to a bug or a failed
     * dependency), as the answer it deserves; empty when it is not one.
     */
    public static Optional<ApiException> transport(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return Optional.of(new ApiException.RequestTimeout(
                        "The rest of the request did not arrive within the server's read timeout."));
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            ApiException answer = switch (t) {
                case DataReader.IncorrectNewLineException e -> malformed(
                        "a line of the request's chunked framing does not end with CRLF.");
                case DataReader.InsufficientDataAvailableException e -> malformed(
                        "it ended before its body was complete.");
                case SocketException e -> malformed("the connection failed before the request was complete.");
                case ClosedChannelException e -> malformed("the connection closed before the request was complete.");
                case EOFException e -> malformed("it ended before its body was complete.");
                case RequestException e -> malformed("its HTTP framing is invalid.");
                case NumberFormatException e when fromHelidon(e) -> malformed(
                        "a chunk size is not a plain hexadecimal number.");
                case IllegalArgumentException e when fromHelidon(e) -> malformed("its HTTP framing is invalid.");
                case CloseConnectionException e -> malformed("the connection failed before the request was complete.");
                case UncheckedIOException e -> null;
                case IOException e -> malformed("the connection failed before the request was complete.");
                default -> null;
            };
            if (answer != null) {
                return Optional.of(answer);
            }
        }
        return Optional.empty();
    }

    private static ApiException malformed(String why) {
        return new ApiException.MalformedRequest("The request could not be read: " + why);
    }

    /** Thrown by the web server's own request parsing (chunk sizes, header values), not by Tollgate's code. */
    private static boolean fromHelidon(Throwable e) {
        for (StackTraceElement frame : e.getStackTrace()) {
            String c = frame.getClassName();
            if (c.startsWith("io.tollgate.")) {
                return false;
            }
            if (c.startsWith("io.helidon.webserver.") || c.startsWith("io.helidon.common.buffers.")
                    || c.startsWith("io.helidon.http.")) {
                return true;
            }
        }
        return false;
    }
}
