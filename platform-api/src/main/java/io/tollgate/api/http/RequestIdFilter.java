package io.tollgate.api.http;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.tollgate.api.observe.LogContext;

/**
 * The first filter in front of every route (webhooks, admin, observe, OpenAPI and the answers to unknown paths):
 * gives the request its {@link RequestId}, sets it in the {@code X-Request-Id} response header before anything can
 * answer, registers it in the request's context for the problem documents ({@link ErrorHandling}), and makes it the
 * {@code request_id} of every log line written while the request is handled. The web server runs each request on a
 * virtual thread of its own; the {@link LogContext} scope is opened and closed around the rest of the chain, which
 * includes the route's error handlers, so nothing leaks into the connection's next request.
 */
public final class RequestIdFilter implements Filter {
    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        RequestId id = RequestId.acceptOrGenerate(req.headers().first(RequestId.HEADER));
        res.header(RequestId.HEADER, id.value());
        req.context().register(id);
        try (LogContext.Scope scope = LogContext.openEmpty()) {
            LogContext.requestId(id.value());
            chain.proceed();
        }
    }
}
