package io.tollgate.api.admin;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.security.AuthenticationResponse;
import io.helidon.security.Security;
import io.helidon.security.SecurityContext;
import io.helidon.security.SecurityEnvironment;
import io.helidon.security.SecurityResponse;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.tollgate.api.access.AuditLog;
import io.tollgate.api.access.Operator;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.ErrorHandling;
import io.tollgate.api.input.StorableText;
import io.tollgate.api.net.FailureLimiter;
import io.tollgate.api.net.Peers;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * Everything in front of {@code /admin/**}, in order: CORS (exact origins only, preflights answered before
 * authentication), authentication through helidon-security (bearer operator tokens; a failure from an address that
 * failed too often is answered 429 after a pause, a valid token always passes), and an audit row for every mutating
 * call once it is answered. The admin API fails closed:
 * anything but a valid token is a 401.
 */
public final class AdminFilter implements Filter {
    private static final System.Logger LOG = System.getLogger(AdminFilter.class.getName());
    private static final String PREFIX = "/admin";
    /** Failed authentications an address may make per minute before it is refused with 429. */
    static final int AUTH_FAILURES_PER_MINUTE = 10;
    private static final Set<Method> MUTATING = Set.of(Method.POST, Method.PUT, Method.PATCH, Method.DELETE);
    private static final String ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS";
    private static final String ALLOWED_HEADERS = "Authorization, Content-Type";

    private final Security security;
    private final AuditLog audit;
    private final Set<String> corsOrigins;
    private final Peers peers;
    private final FailureLimiter failures = new FailureLimiter(AUTH_FAILURES_PER_MINUTE);

    public AdminFilter(Security security, AuditLog audit, List<URI> corsOrigins, Peers peers) {
        this.security = security;
        this.audit = audit;
        this.peers = peers;
        this.corsOrigins = corsOrigins.stream().map(AdminFilter::origin).collect(Collectors.toSet());
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        if (!(path.equals(PREFIX) || path.startsWith(PREFIX + "/"))) {
            chain.proceed();
            return;
        }
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        boolean allowedOrigin = origin.map(corsOrigins::contains).orElse(false);
        if (req.prologue().method() == Method.OPTIONS && origin.isPresent()
                && req.headers().contains(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD)) {
            preflight(req, res, allowedOrigin, origin.get());
            return;
        }
        if (allowedOrigin) {
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin.get());
            res.header(HeaderNames.VARY, "Origin");
        }

        // Authentication comes first: a valid token is never refused for what others at the same address (a proxy,
        // a NAT, a shared office) got wrong. Only failures count, and only failures are throttled: past its
        // allowance an address's failures wait a moment and get 429, which slows guessing (tokens are 256-bit)
        // without locking anyone out.
        String address = peers.address(req);
        Optional<Operator> operator = authenticate(req);
        if (operator.isEmpty()) {
            boolean overAllowance = failures.refused(address);
            long left = failures.failed(address);
            if (overAllowance) {
                tarpit();
                ErrorHandling.send(req, res, new ApiException.TooManyRequests(
                        "too-many-auth-failures", "Too many failed authentications from this address; retry later.",
                        failures.retryAfter(address)), peers);
                return;
            }
            LOG.log(Level.INFO, "admin authentication failed from " + address + " for "
                    + req.prologue().method().text() + " " + StorableText.sanitise(path, AuditLog.MAX_TEXT)
                    + " (" + left + " attempts left this minute)");
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"tollgate-admin\"");
            ErrorHandling.send(req, res, new ApiException.Unauthorized(
                    "unauthorized", "A valid operator token is required: Authorization: Bearer <token>."), peers);
            return;
        }
        req.context().register(operator.get());

        if (!MUTATING.contains(req.prologue().method())) {
            chain.proceed();
            return;
        }
        // the path as requested: after routing, req.path() is relative to the service
        String fallbackAction = req.prologue().method().text() + " " + path;
        // the row is written before the answer leaves, so an operator who saw the answer finds its audit row
        AtomicBoolean audited = new AtomicBoolean();
        res.beforeSend(() -> {
            if (audited.compareAndSet(false, true)) {
                writeAudit(req, operator.get(), res.status().code(), fallbackAction);
            }
        });
        int status = 500;
        try {
            chain.proceed();
            status = res.status().code();
        } catch (ApiException e) {
            status = e.status().code();
            throw e;
        } finally {
            if (audited.compareAndSet(false, true)) {
                writeAudit(req, operator.get(), status, fallbackAction);
            }
        }
    }

    /** How long a failed authentication from an address past its allowance waits for its 429. */
    static final Duration FAILURE_TARPIT = Duration.ofSeconds(1);

    private static void tarpit() {
        try {
            Thread.sleep(FAILURE_TARPIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Optional<Operator> authenticate(RoutingRequest req) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        req.headers().first(HeaderNames.AUTHORIZATION).ifPresent(v -> headers.put("Authorization",
                                                                                   req.headers().all(
                                                                                           HeaderNames.AUTHORIZATION,
                                                                                           List::of)));
        SecurityContext ctx = security.contextBuilder(UUID.randomUUID().toString())
                .env(SecurityEnvironment.builder(security.serverTime())
                             .path(req.path().path())
                             .method(req.prologue().method().text())
                             .headers(headers)
                             .build())
                .build();
        AuthenticationResponse atn = ctx.atnClientBuilder().submit();
        if (atn.status() != SecurityResponse.SecurityStatus.SUCCESS) {
            return Optional.empty();
        }
        req.context().register(ctx);
        return atn.user()
                .flatMap(s -> s.principal().abacAttribute(OperatorAuthProvider.OPERATOR_ATTRIBUTE))
                .map(Operator.class::cast);
    }

    private void preflight(RoutingRequest req, RoutingResponse res, boolean allowed, String origin) {
        if (!allowed) {
            ErrorHandling.send(req, res, new ApiException.Forbidden("cors-origin-not-allowed",
                                                                    "This origin may not call the admin API."),
                               peers);
            return;
        }
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        res.header(HeaderNames.VARY, "Origin");
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS);
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS);
        res.header(HeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
        res.status(Status.NO_CONTENT_204).send();
    }

    private void writeAudit(RoutingRequest req, Operator operator, int status, String fallbackAction) {
        AuditLog.Note note = req.context().get(AuditLog.Note.class).orElseGet(() -> new AuditLog.Note(
                fallbackAction, Optional.empty(), Optional.empty(), Optional.empty()));
        try {
            audit.record(operator, note, status, req.context().get(AuditLog.Outcome.class));
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "could not write the audit row for "
                    + StorableText.sanitise(note.action(), AuditLog.MAX_TEXT) + " by " + operator.name(), e);
        }
    }

    private static String origin(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
    }
}
