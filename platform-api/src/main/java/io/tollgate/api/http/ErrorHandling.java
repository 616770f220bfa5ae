package io.tollgate.api.http;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpException;
import io.helidon.http.HttpMediaType;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.api.net.Peers;
import io.tollgate.api.observe.LogContext;
import io.tollgate.tenant.db.DataException;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The one place errors become HTTP answers, as RFC 9457 problem documents. Anything unexpected is a 500 with an
 * error id that is also logged with the full cause; the client never sees a stack trace. Every problem document
 * carries the request's id ({@code request_id}, the same as its {@code X-Request-Id} header, see {@link RequestId}).
 */
public final class ErrorHandling {
    private static final System.Logger LOG = System.getLogger(ErrorHandling.class.getName());
    private static final HttpMediaType PROBLEM = HttpMediaType.create(Problem.MEDIA_TYPE);

    private ErrorHandling() {
    }

    /** @param peers names the client in the log lines of refused requests */
    public static void register(HttpRouting.Builder routing, Peers peers) {
        routing.error(ApiException.class, (req, res, e) -> send(req, res, e, peers))
                .error(DataException.Unavailable.class, (req, res, e) -> {
                    LOG.log(Level.WARNING, "database unavailable during " + req.prologue().method().text() + " "
                            + req.prologue().uriPath().path() + ": " + e.getMessage());
                    send(req, res, ApiException.Unavailable.database(), peers);
                })
                .error(HttpException.class, (req, res, e) -> http(req, res, e, peers))
                .error(Throwable.class, (req, res, e) -> unexpected(req, res, e, peers));
        // the outermost filter: it sees every answer, error handlers' included
        routing.addFilter(ErrorHandling::closeAfterClosingAnswer);
    }

    /**
     * An answer sent with {@code Connection: close} (broken framing, a stall, an unread body: the rest of the request
     * cannot be read or trusted) really ends the connection. The web server only writes the header and then waits on
     * the same connection for another request: a client that keeps its side open (it sent a chunk whose data is not
     * followed by CRLF, and then the rest of the body) would hold it until the read timeout.
     */
    static void closeAfterClosingAnswer(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        chain.proceed();
        if (res.isSent() && res.headers().containsToken(HeaderValues.CONNECTION_CLOSE)) {
            throw new AnsweredAndClosed();
        }
    }

    /** Closes the connection after its answer was sent; the web server logs it at TRACE level only. */
    static final class AnsweredAndClosed extends CloseConnectionException {
        AnsweredAndClosed() {
            super("answered with Connection: close");
        }
    }

    /**
     * The answers the web server gives on its own, before or outside routing (a request line, header or framing it
     * cannot parse, an unsupported HTTP version), as problem documents too. A failure before any request could be
     * parsed (the web server reports it as a 500 with no method, e.g. for a control character in the method) is the
     * client's: a 400. The request is not echoed: it is what could not be parsed. The request id is the one
     * {@link RequestIdFilter} gave the request when routing had begun, else the caller's sane {@code X-Request-Id}
     * or a new one; it goes into the {@code X-Request-Id} header and the problem document.
     */
    public static DirectHandlers directHandlers() {
        DirectHandlers.Builder handlers = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            handlers.addHandler(type, ErrorHandling::direct);
        }
        return handlers.build();
    }

    private static DirectHandler.TransportResponse direct(DirectHandler.TransportRequest req,
                                                          DirectHandler.EventType type, Status status,
                                                          ServerResponseHeaders headers, String message) {
        Status answer = status.code() == 500 && req.method().isEmpty() ? Status.BAD_REQUEST_400 : status;
        String kind = switch (answer.code()) {
            case 400 -> "malformed-request";
            case 413 -> "payload-too-large";
            case 500 -> "internal-error";
            default -> "http-" + answer.code();
        };
        String requestId = LogContext.requestId().filter(RequestId::sane)
                .orElseGet(() -> RequestId.acceptOrGenerate(req.headers().first(RequestId.HEADER)).value());
        headers.set(RequestId.HEADER, requestId);
        String errorId = null;
        String detail = switch (answer.code()) {
            case 400 -> "The request is not valid HTTP/1.1: its request line, headers or framing could not be read.";
            case 413 -> "The request is larger than the server accepts.";
            case 501 -> "The request uses a transfer coding the server does not support.";
            case 505 -> "The HTTP version is not supported; use HTTP/1.1.";
            case 503 -> "The server is busy; retry later.";
            default -> answer.reasonPhrase() + ".";
        };
        if (answer.code() >= 500 && answer.code() != 501 && answer.code() != 503 && answer.code() != 505) {
            errorId = UUID.randomUUID().toString();
            try (LogContext.Scope scope = LogContext.open()) {
                LogContext.requestId(requestId);
                LOG.log(Level.ERROR, "unexpected error " + errorId + " before routing: " + message);
            }
            detail = "Something went wrong on our side. Quote error id " + errorId + " to support.";
        }
        List<Problem.FieldError> errors = answer.code() == 400
                ? List.of(new Problem.FieldError("(request)", "is not a valid HTTP request")) : null;
        headers.contentType(PROBLEM);
        return DirectHandler.TransportResponse.builder()
                .status(answer)
                .headers(headers)
                .keepAlive(type.keepAlive())
                .entity(Json.write(new Problem(Problem.TYPE_BASE + kind, answer.reasonPhrase(), answer.code(), detail,
                                               null, errors, errorId, requestId)))
                .build();
    }

    /** Answers with an error, also usable from filters before routing reaches a handler. */
    public static void send(ServerRequest req, ServerResponse res, ApiException e, Peers peers) {
        if (res.isSent()) {
            return;
        }
        e.retryAfter().ifPresent(d -> res.header(HeaderNames.RETRY_AFTER,
                                                 String.valueOf(Math.max(1, (d.toMillis() + 999) / 1000))));
        if (e.closesConnection()) {
            // the rest of this request cannot be read: answer, then close (the server does not try to drain it)
            res.header(HeaderValues.CONNECTION_CLOSE);
            // one short line per refused request; the log handler rate-limits repeats (observe.GuardedHandler)
            LOG.log(Level.INFO, "refused " + req.prologue().method().text() + " "
                    + shorten(req.prologue().uriPath().path()) + " from " + peers.address(req) + ": "
                    + e.status().code() + " " + e.kind());
        } else if (req.content().hasEntity() && !req.content().consumed()) {
            // refused before its body was read (an unknown tenant, no operator token): the connection closes after
            // the answer rather than the server reading through a body nobody asked for, whose framing may be
            // broken in a way that would hold the connection until the read timeout
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        List<Problem.FieldError> errors = e.errors().isEmpty() ? null : e.errors();
        write(res, e.status(), new Problem(Problem.TYPE_BASE + e.kind(), e.title(), e.status().code(), e.getMessage(),
                                           req.prologue().uriPath().path(), errors, null,
                                           RequestId.of(req, res).value()));
    }

    /** Helidon's own errors (no route, bad request line, ...) in the same problem format. */
    private static void http(ServerRequest req, ServerResponse res, HttpException e, Peers peers) {
        Status status = e.status();
        if (status.code() >= 500) {
            unexpected(req, res, e, peers);
            return;
        }
        String kind = status.code() == 404 ? "not-found" : "http-" + status.code();
        String detail = status.code() == 404
                ? "No route for " + req.prologue().method().text() + " " + req.prologue().uriPath().path()
                : status.reasonPhrase();
        write(res, status, new Problem(Problem.TYPE_BASE + kind, status.reasonPhrase(), status.code(), detail,
                                       req.prologue().uriPath().path(), null, null, RequestId.of(req, res).value()));
    }

    private static void unexpected(ServerRequest req, ServerResponse res, Throwable e, Peers peers) {
        // the request's own transport failing (broken framing, a dropped or stalled client) is not our error
        Optional<ApiException> clientFault = ClientFaults.transport(e);
        if (clientFault.isPresent()) {
            send(req, res, clientFault.get(), peers);
            return;
        }
        String errorId = UUID.randomUUID().toString();
        LOG.log(Level.ERROR, "unexpected error " + errorId + " during " + req.prologue().method().text() + " "
                + req.prologue().uriPath().path(), e);
        if (res.isSent()) {
            return;
        }
        write(res, Status.INTERNAL_SERVER_ERROR_500,
              new Problem(Problem.TYPE_BASE + "internal-error", "Internal server error", 500,
                          "Something went wrong on our side. Quote error id " + errorId + " to support.",
                          req.prologue().uriPath().path(), null, errorId, RequestId.of(req, res).value()));
    }

    private static String shorten(String path) {
        return path.length() > 80 ? path.substring(0, 80) + "..." : path;
    }

    private static void write(ServerResponse res, Status status, Problem problem) {
        res.status(status);
        res.headers().contentType(PROBLEM);
        res.send(Json.write(problem));
    }
}
