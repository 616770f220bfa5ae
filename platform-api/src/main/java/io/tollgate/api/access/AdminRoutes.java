package io.tollgate.api.access;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.RouteTable;

import java.util.stream.Collectors;

/**
 * Mounts an admin route with the one {@link Scope} it needs, written where the route is listed. The check runs before
 * the handler reads anything (a refused call learns nothing, not even whether the tenant exists): a token without the
 * scope gets {@code 403} problem+json naming it ({@code missing-scope}). A route under {@code /tenants/{slug}} passes
 * its handler through {@link TenantLookup#of}, so its tenant is looked up once, after the check.
 */
public final class AdminRoutes {
    private final RouteTable routes;
    private final HttpRules rules;

    private AdminRoutes(RouteTable routes, HttpRules rules) {
        this.routes = routes;
        this.rules = rules;
    }

    public static AdminRoutes on(RouteTable routes, HttpRules rules) {
        return new AdminRoutes(routes, rules);
    }

    public AdminRoutes add(Method method, String path, Scope scope, Handler handler) {
        routes.add(rules, "/admin", method, path, (req, res) -> {
            require(req, scope);
            handler.handle(req, res);
        });
        return this;
    }

    /** The calling operator, who must hold {@code scope}. */
    public static Operator require(ServerRequest req, Scope scope) {
        // AdminFilter registers the operator before any admin route runs; without one, fail closed
        Operator op = req.context().get(Operator.class).orElseThrow(() -> new ApiException.Unauthorized(
                "unauthorized", "A valid operator token is required: Authorization: Bearer <token>."));
        if (!op.may(scope)) {
            throw new ApiException.Forbidden("missing-scope", "This call needs the '" + scope.wire()
                    + "' scope; this token has " + (op.scopes().isEmpty() ? "none"
                    : op.scopes().stream().sorted().map(Scope::wire).collect(Collectors.joining(", "))) + ".");
        }
        return op;
    }
}
