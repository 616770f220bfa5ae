package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.Page;
import io.tollgate.api.http.Problem.FieldError;
import io.tollgate.api.http.Responses;
import io.tollgate.api.http.RouteTable;
import io.tollgate.api.input.Bodies;
import io.tollgate.api.input.Cursor;
import io.tollgate.api.input.Fields;
import io.tollgate.api.input.Queries;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@code /admin/tokens} (operator tokens, their scopes and expiry, and disabling the bootstrap token) and
 * {@code /admin/audit} (the audit log).
 */
public final class OperatorAdminService implements HttpService {
    private static final Set<String> CREATE_FIELDS = Set.of("name", "scopes", "expires_at", "ttl_seconds");
    /** The longest a token may be made to last when it expires at all. */
    static final Duration MAX_TTL = Duration.ofDays(3_650);
    static final int MIN_TTL_SECONDS = 60;

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
        JsonNode body = Bodies.json(req);
        List<FieldError> errors = new ArrayList<>();
        Fields f = Fields.root(body, CREATE_FIELDS, errors);
        Optional<String> name = f.string("name", true, 100);
        Set<Scope> scopes = scopes(body.get("scopes"), f, errors);
        Optional<Instant> expiresAt = expiry(f);
        Fields.throwIfAny(errors);
        for (Scope s : scopes) {
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
        OperatorTokens.Created created = tokens.create(name.get(), scopes, expiresAt, by);
        req.context().register(new AuditLog.Note(
                "token.create", Optional.empty(), Optional.empty(),
                Optional.of(created.row().id() + " (" + name.get() + "; "
                                    + String.join(",", TokenOut.of(created.row(), null).scopes())
                                    + expiresAt.map(e -> "; expires " + e).orElse("") + ")")));
        res.header(HeaderNames.LOCATION, "/admin/tokens/" + created.row().id());
        Responses.json(res, Status.CREATED_201, TokenOut.of(created.row(), created.token().reveal()));
    }

    private static Set<Scope> scopes(JsonNode list, Fields f, List<FieldError> errors) {
        Set<Scope> out = EnumSet.noneOf(Scope.class);
        String hint = "must be a non-empty list of \"read\", \"operate\", \"payloads\" and \"tokens\"";
        if (list == null || list.isNull()) {
            f.error("scopes", "is required: " + hint.substring("must be ".length()));
        } else if (!list.isArray() || list.isEmpty()) {
            f.error("scopes", hint);
        } else {
            for (int i = 0; i < list.size(); i++) {
                JsonNode s = list.get(i);
                Optional<Scope> scope = s.isTextual() ? Scope.fromWire(s.textValue()) : Optional.empty();
                if (scope.isEmpty()) {
                    errors.add(new FieldError("scopes[" + i + "]", "must be \"read\", \"operate\", \"payloads\" or"
                            + " \"tokens\""));
                } else if (!out.add(scope.get())) {
                    errors.add(new FieldError("scopes[" + i + "]", "is listed twice"));
                }
            }
        }
        return out;
    }

    /** {@code expires_at} (RFC 3339, in the future) or {@code ttl_seconds}; neither: the token does not expire. */
    private static Optional<Instant> expiry(Fields f) {
        Instant now = Instant.now();
        if (f.has("expires_at") && f.has("ttl_seconds")) {
            f.error("ttl_seconds", "give expires_at or ttl_seconds, not both");
            return Optional.empty();
        }
        Optional<Integer> ttl = f.integer("ttl_seconds", false, MIN_TTL_SECONDS, MAX_TTL.toSeconds());
        if (ttl.isPresent()) {
            return Optional.of(now.plusSeconds(ttl.get()));
        }
        return f.parsed("expires_at", false, 40, s -> {
            Instant at;
            try {
                at = OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e) {
                return Fields.Parsed.fail("must be an RFC 3339 timestamp such as 2030-01-31T00:00:00Z");
            }
            if (!at.isAfter(now)) {
                return Fields.Parsed.fail("must be in the future");
            }
            if (at.isAfter(now.plus(MAX_TTL))) {
                return Fields.Parsed.fail("must be within " + MAX_TTL.toDays() + " days");
            }
            return Fields.Parsed.ok(at);
        });
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
        List<AuditLog.Entry> page = audit.list(Queries.string(req, "tenant"), limit + 1, before);
        List<AuditOut> items = page.subList(0, Math.min(limit, page.size())).stream()
                .map(e -> new AuditOut(e.id(), e.at(), e.tokenId().orElse(null), e.tokenName(), e.action(),
                                       e.tenantSlug().orElse(null), e.target().orElse(null), e.outcome(), e.status()))
                .toList();
        String next = page.size() > limit ? Cursor.encode(String.valueOf(page.get(limit - 1).id())) : null;
        Responses.json(res, Status.OK_200, new Page<>(items, next));
    }
}
