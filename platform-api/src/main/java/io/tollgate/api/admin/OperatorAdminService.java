package io.tollgate.api.admin;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.api.access.AdminRoutes;
import io.tollgate.api.access.AuditLog;
import io.tollgate.api.access.Operator;
import io.tollgate.api.access.Scope;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.Page;
import io.tollgate.api.http.Problem.FieldError;
import io.tollgate.api.http.Responses;
import io.tollgate.api.http.RouteTable;
import io.tollgate.api.input.Bodies;
import io.tollgate.api.input.Cursor;
import io.tollgate.api.input.Queries;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /admin/tokens} (operator tokens, their scopes and expiry, and disabling the bootstrap token) and
 * {@code /admin/audit} (the audit log).
 */
public final class OperatorAdminService implements HttpService {
    private final OperatorTokens tokens;
    private final AuditLog audit;
    private final RouteTable routes;

    public OperatorAdminService(OperatorTokens tokens, AuditLog audit, RouteTable routes) {
        this.tokens = tokens;
        this.audit = audit;
        this.routes = routes;
    }

    @Override
    public void routing(HttpRules rules) {
        AdminRoutes.on(routes, rules)
                .add(Method.POST, "/tokens", Scope.TOKENS, this::create)
                .add(Method.GET, "/tokens", Scope.TOKENS, this::list)
                .add(Method.DELETE, "/tokens/{id}", Scope.TOKENS, this::revoke)
                .add(Method.GET, "/tokens/bootstrap", Scope.TOKENS, this::bootstrap)
                .add(Method.POST, "/tokens/bootstrap/disable", Scope.TOKENS, this::disableBootstrap)
                .add(Method.GET, "/audit", Scope.READ, this::audit);
    }

    /** A token as listed; {@code token} is present only in the answer to its creation. */
    public record TokenOut(UUID id, String name, List<String> scopes, Instant createdAt, Instant expiresAt,
                           Instant lastUsedAt, Instant revokedAt, String token) {
        static TokenOut of(OperatorTokens.TokenRow r, String token) {
            return new TokenOut(r.id(), r.name(), r.scopes().stream().sorted().map(Scope::wire).toList(),
                                r.createdAt(), r.expiresAt().orElse(null), r.lastUsedAt().orElse(null),
                                r.revokedAt().orElse(null), token);
        }
    }

    /**
     * {@code {"name", "scopes": [...], "expires_at"? | "ttl_seconds"?}}. A token can only hand out scopes its
     * creator holds, so {@code tokens} alone is not a way to every other scope, and cannot outlive an expiring
     * creator.
     */
    private void create(ServerRequest req, ServerResponse res) {
        req.context().register(new AuditLog.Note("token.create", Optional.empty(), Optional.empty(), Optional.empty()));
        Operator by = AdminRoutes.require(req, Scope.TOKENS);
        TokenIn in = TokenIn.read(Bodies.json(req));
        Optional<Instant> expiresAt = in.expiresAt();
        for (Scope s : in.scopes()) {
            if (!by.may(s)) {
                throw new ApiException.Forbidden("missing-scope", "A token can only grant scopes it holds; this one"
                        + " lacks '" + s.wire() + "'.");
            }
        }
        if (by.expiresAt().isPresent() && (expiresAt.isEmpty() || expiresAt.get().isAfter(by.expiresAt().get()))) {
            // like scopes: a token cannot hand out more time than it has
            throw new ApiException.Forbidden("token-outlives-creator", "A token can only grant what it holds; this"
                    + " one expires at " + by.expiresAt().get() + ", so give the new token an expires_at or"
                    + " ttl_seconds that ends by then.");
        }
        OperatorTokens.Created created = tokens.create(in.name(), in.scopes(), expiresAt, by);
        req.context().register(new AuditLog.Note(
                "token.create", Optional.empty(), Optional.empty(),
                Optional.of(created.row().id() + " (" + in.name() + "; "
                                    + String.join(",", TokenOut.of(created.row(), null).scopes())
                                    + expiresAt.map(e -> "; expires " + e).orElse("") + ")")));
        res.header(HeaderNames.LOCATION, "/admin/tokens/" + created.row().id());
        Responses.json(res, Status.CREATED_201, TokenOut.of(created.row(), created.token().reveal()));
    }

    private void list(ServerRequest req, ServerResponse res) {
        Responses.json(res, Status.OK_200, new Page<>(tokens.list().stream().map(r -> TokenOut.of(r, null)).toList(),
                                                      null));
    }

    private void revoke(ServerRequest req, ServerResponse res) {
        String raw = req.path().pathParameters().get("id");
        req.context().register(new AuditLog.Note("token.revoke", Optional.empty(), Optional.empty(), Optional.of(raw)));
        UUID id;
        try {
            id = UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw new ApiException.NotFound("token-not-found", "No such token.");
        }
        boolean revoked;
        try {
            revoked = tokens.revoke(id);
        } catch (OperatorTokens.WouldLockOut e) {
            throw new ApiException.Conflict("last-token-manager", e.getMessage());
        }
        if (!revoked) {
            throw new ApiException.NotFound("token-not-found", "No live token " + id + ".");
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    /** The bootstrap token's state: {@code enabled}, and {@code disabled_at} once disabled. */
    public record BootstrapOut(boolean enabled, Instant disabledAt) {
        static BootstrapOut of(OperatorTokens.BootstrapState s) {
            return new BootstrapOut(!s.disabled(), s.disabledAt().orElse(null));
        }
    }

    private void bootstrap(ServerRequest req, ServerResponse res) {
        Responses.json(res, Status.OK_200, BootstrapOut.of(tokens.bootstrapState()));
    }

    /**
     * {@code POST /admin/tokens/bootstrap/disable}: the configured {@code TOLLGATE_ADMIN_TOKEN} stops working on every
     * instance; {@code 409} unless a live token with scope {@code tokens} and no expiry exists.
     */
    private void disableBootstrap(ServerRequest req, ServerResponse res) {
        req.context().register(new AuditLog.Note("token.bootstrap.disable", Optional.empty(), Optional.empty(),
                                                 Optional.empty()));
        Operator by = AdminRoutes.require(req, Scope.TOKENS);
        try {
            Responses.json(res, Status.OK_200, BootstrapOut.of(tokens.disableBootstrap(by)));
        } catch (OperatorTokens.WouldLockOut e) {
            throw new ApiException.Conflict("bootstrap-still-needed", e.getMessage());
        }
    }

    /** One audit row. */
    public record AuditOut(long id, Instant at, String tokenId, String tokenName, String action, String tenantSlug,
                           String target, String outcome, int status) {
    }

    private void audit(ServerRequest req, ServerResponse res) {
        int limit = Queries.limit(req);
        Optional<Long> before = Cursor.decode(Queries.string(req, "cursor"), 1).map(p -> Cursor.id(p.getFirst()));
        List<FieldError> errors = new ArrayList<>();
        AuditLog.Filter filter = new AuditLog.Filter(
                Queries.string(req, "tenant"), Queries.string(req, "actor"), Queries.string(req, "action"),
                time(req, "after", errors), time(req, "before", errors));
        for (String name : List.of("tenant", "actor", "action")) {
            if (Queries.string(req, name).filter(v -> v.length() > AuditLog.MAX_TEXT).isPresent()) {
                errors.add(new FieldError(name, "at most " + AuditLog.MAX_TEXT + " characters"));
            }
        }
        if (!errors.isEmpty()) {
            throw new ApiException.BadRequest("invalid-query", "Invalid filter.", errors);
        }
        List<AuditLog.Entry> page = audit.list(filter, limit + 1, before);
        List<AuditOut> items = page.subList(0, Math.min(limit, page.size())).stream()
                .map(e -> new AuditOut(e.id(), e.at(), e.tokenId().orElse(null), e.tokenName(), e.action(),
                                       e.tenantSlug().orElse(null), e.target().orElse(null), e.outcome(), e.status()))
                .toList();
        String next = page.size() > limit ? Cursor.encode(String.valueOf(page.get(limit - 1).id())) : null;
        Responses.json(res, Status.OK_200, new Page<>(items, next));
    }

    /** An RFC 3339 time parameter, or a field error naming it. */
    private static Optional<Instant> time(ServerRequest req, String name, List<FieldError> errors) {
        Optional<String> v = Queries.string(req, name);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Cursor.instant(v.get()));
        } catch (ApiException e) {
            errors.add(new FieldError(name, "must be an RFC 3339 time in UTC, e.g. 2026-01-31T12:00:00Z"));
            return Optional.empty();
        }
    }
}
