package io.tollgate.api.http;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;

import java.util.ArrayList;
import java.util.List;

/**
 * Registers routes and remembers them, so the route table itself can be checked against the OpenAPI document.
 * Paths use OpenAPI's template syntax ({@code /tenants/{slug}}), which is also Helidon's.
 */
public final class RouteTable {
    public record Route(String method, String path) {
    }

    private final List<Route> routes = new ArrayList<>();

    public RouteTable add(HttpRules rules, String prefix, Method method, String path, Handler handler) {
        rules.route(method, path, handler);
        routes.add(new Route(method.text(), prefix + path));
        return this;
    }

    public List<Route> routes() {
        return List.copyOf(routes);
    }
}
