package io.tollgate.api.http;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.HttpMediaType;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.tenant.db.DataException;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.UUID;

/**
 * The one place errors become HTTP answers, as RFC 9457 problem documents. Anything unexpected is a 500 with an
 * error id that is also logged with the full cause; the client never sees a stack trace.
 */
public final class ErrorHandling {
    private static final System.Logger LOG = System.getLogger(ErrorHandling.class.getName());
    private static final HttpMediaType PROBLEM = HttpMediaType.create(Problem.MEDIA_TYPE);

    private ErrorHandling() {
    }

    public static void register(HttpRouting.Builder routing) {
        routing.error(ApiException.class, ErrorHandling::api)
                .error(DataException.Unavailable.class, (req, res, e) -> {
                    LOG.log(Level.WARNING, "database unavailable during " + req.prologue().method().text() + " "
                            + req.prologue().uriPath().path() + ": " + e.getMessage());
                    send(req, res, ApiException.Unavailable.database());
                })
                .error(HttpException.class, ErrorHandling::http)
                .error(Throwable.class, ErrorHandling::unexpected);
    }

    /**
     * Answers to requests the server refuses before routing (a malformed request line, path, query or header), in
     * the same problem format. The request is not echoed: it is what could not be parsed.
     */
    public static DirectHandlers directHandlers() {
        DirectHandlers.Builder b = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            b.addHandler(type, ErrorHandling::direct);
        }
        return b.build();
    }

    private static DirectHandler.TransportResponse direct(DirectHandler.TransportRequest req,
                                                          DirectHandler.EventType type, Status status,
                                                          ServerResponseHeaders headers, String message) {
        String errorId = null;
        String detail;
        List<Problem.FieldError> errors = null;
        if (status.code() >= 500) {
            errorId = UUID.randomUUID().toString();
            LOG.log(Level.ERROR, "unexpected error " + errorId + " before routing: " + message);
            detail = "Something went wrong on our side. Quote error id " + errorId + " to support.";
        } else if (status.code() == 400) {
            detail = "The request line, path, query or headers could not be parsed.";
            errors = List.of(new Problem.FieldError("(request)", "is not a valid HTTP request"));
        } else {
            detail = status.reasonPhrase();
        }
        String kind = status.code() == 400 ? "malformed-request" : "http-" + status.code();
        headers.set(HeaderNames.CONTENT_TYPE, Problem.MEDIA_TYPE);
        return DirectHandler.TransportResponse.builder()
                .status(status)
                .headers(headers)
                .keepAlive(type.keepAlive())
                .entity(Json.write(new Problem(Problem.TYPE_BASE + kind, status.reasonPhrase(), status.code(), detail,
                                               null, errors, errorId)))
                .build();
    }

    /** Answers with an error, also usable from filters before routing reaches a handler. */
    public static void send(ServerRequest req, ServerResponse res, ApiException e) {
        if (res.isSent()) {
            return;
        }
        e.retryAfter().ifPresent(d -> res.header(HeaderNames.RETRY_AFTER,
                                                 String.valueOf(Math.max(1, (d.toMillis() + 999) / 1000))));
        List<Problem.FieldError> errors = e.errors().isEmpty() ? null : e.errors();
        write(res, e.status(), new Problem(Problem.TYPE_BASE + e.kind(), e.title(), e.status().code(), e.getMessage(),
                                           req.prologue().uriPath().path(), errors, null));
    }

    private static void api(ServerRequest req, ServerResponse res, ApiException e) {
        send(req, res, e);
    }

    /** Helidon's own errors (no route, bad request line, ...) in the same problem format. */
    private static void http(ServerRequest req, ServerResponse res, HttpException e) {
        Status status = e.status();
        if (status.code() >= 500) {
            unexpected(req, res, e);
            return;
        }
        String kind = status.code() == 404 ? "not-found" : "http-" + status.code();
        String detail = status.code() == 404
                ? "No route for " + req.prologue().method().text() + " " + req.prologue().uriPath().path()
                : status.reasonPhrase();
        write(res, status, new Problem(Problem.TYPE_BASE + kind, status.reasonPhrase(), status.code(), detail,
                                       req.prologue().uriPath().path(), null, null));
    }

    private static void unexpected(ServerRequest req, ServerResponse res, Throwable e) {
        String errorId = UUID.randomUUID().toString();
        LOG.log(Level.ERROR, "unexpected error " + errorId + " during " + req.prologue().method().text() + " "
                + req.prologue().uriPath().path(), e);
        if (res.isSent()) {
            return;
        }
        write(res, Status.INTERNAL_SERVER_ERROR_500,
              new Problem(Problem.TYPE_BASE + "internal-error", "Internal server error", 500,
                          "Something went wrong on our side. Quote error id " + errorId + " to support.",
                          req.prologue().uriPath().path(), null, errorId));
    }

    private static void write(ServerResponse res, Status status, Problem problem) {
        res.status(status);
        res.headers().contentType(PROBLEM);
        res.send(Json.write(problem));
    }
}
