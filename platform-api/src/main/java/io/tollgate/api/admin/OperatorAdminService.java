package io.tollgate.api.admin;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.Bodies;
import io.tollgate.api.http.Cursor;
import io.tollgate.api.http.Fields;
import io.tollgate.api.http.Page;
import io.tollgate.api.http.Problem.FieldError;
import io.tollgate.api.http.Queries;
import io.tollgate.api.http.Responses;
import io.tollgate.api.http.RouteTable;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** {@code /admin/tokens} (operator tokens) and {@code /admin/audit} (the audit log). */
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
        routes.add(rules, "/admin", Method.POST, "/tokens", this::create)
                .add(rules, "/admin", Method.GET, "/tokens", this::list)
                .add(rules, "/admin", Method.DELETE, "/tokens/{id}", this::revoke)
                .add(rules, "/admin", Method.GET, "/audit", this::audit);
    }

    /** A token as listed; {@code token} is present only in the answer to its creation. */
    public record TokenOut(UUID id, String name, Instant createdAt, Instant lastUsedAt, Instant revokedAt,
                           String token) {
        static TokenOut of(OperatorTokens.TokenRow r, String token) {
            return new TokenOut(r.id(), r.name(), r.createdAt(), r.lastUsedAt().orElse(null),
                                r.revokedAt().orElse(null), token);
        }
    }

    private void create(ServerRequest req, ServerResponse res) {
        req.context().register(new AuditLog.Note("token.create", Optional.empty(), Optional.empty(), Optional.empty()));
        List<FieldError> errors = new ArrayList<>();
        Fields f = Fields.root(Bodies.json(req), Set.of("name"), errors);
        Optional<String> name = f.string("name", true, 100);
        Fields.throwIfAny(errors);
        Operator by = req.context().get(Operator.class).orElseThrow();
        OperatorTokens.Created created = tokens.create(name.get(), by);
        req.context().register(new AuditLog.Note("token.create", Optional.empty(), Optional.empty(),
                                                 Optional.of(created.row().id() + " (" + name.get() + ")")));
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
        if (!tokens.revoke(id)) {
            throw new ApiException.NotFound("token-not-found", "No live token " + id + ".");
        }
        res.status(Status.NO_CONTENT_204).send();
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
