package io.tollgate.api.connect;

import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.api.access.AdminRoutes;
import io.tollgate.api.access.AuditLog;
import io.tollgate.api.access.Scope;
import io.tollgate.api.access.TenantLookup;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.Responses;
import io.tollgate.api.http.RouteTable;
import io.tollgate.api.input.Bodies;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code POST /admin/tenants/{slug}/connect}: registers the tenant's webhooks with Gorgias and Shopify (see
 * {@link Connector}); also the connect made with a tenant's creation ({@code "connect": true}).
 */
public final class ConnectService implements HttpService {
    /** The problem type of a connect refused for want of {@code TOLLGATE_PUBLIC_URL}. */
    public static final String PUBLIC_URL_REQUIRED = "public-url-required";

    private final Connector connector;
    private final Optional<URI> publicUrl;
    private final boolean publicUrlRequired;
    private final RouteTable routes;
    private final TenantLookup tenants;

    /**
     * @param publicUrlRequired whether connect refuses ({@code 409 public-url-required}) until {@code publicUrl} is an
     *                          https URL, rather than register URLs built from the request's Host header upstream
     */
    public ConnectService(Connector connector, Optional<URI> publicUrl, boolean publicUrlRequired, RouteTable routes,
                          TenantLookup tenants) {
        this.connector = connector;
        this.publicUrl = publicUrl;
        this.publicUrlRequired = publicUrlRequired;
        this.routes = routes;
        this.tenants = tenants;
    }

    @Override
    public void routing(HttpRules rules) {
        AdminRoutes.on(routes, rules)
                .add(Method.POST, "/tenants/{slug}/connect", Scope.OPERATE, tenants.of(this::connect));
    }

    /**
     * {@code POST /admin/tenants/{slug}/connect}: optional body {@code {"providers": [...]}}. Always 200 when it ran:
     * the answer's {@code status} ({@code ok}, {@code partial}, {@code failed}) and each step say what happened; 409
     * while another connect of the tenant runs, and ({@code public-url-required}) while webhook URLs could only come
     * from the request's Host header.
     */
    private void connect(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        req.context().register(AuditLog.Note.on("tenant.connect", t, Optional.empty()));
        Set<Provider> providers = ConnectIn.read(Bodies.optionalJson(req)).providers();
        Optional<String> missing = publicUrlMissing();
        if (missing.isPresent()) {
            throw new ApiException.Conflict(PUBLIC_URL_REQUIRED, missing.get());
        }
        req.context().register(AuditLog.Note.on("tenant.connect", t, Optional.of(providers.isEmpty()
                ? "gorgias,shopify"
                : providers.stream().map(Provider::wire).sorted().collect(Collectors.joining(",")))));
        ConnectOut out = run(req, t, providers);
        // answered 200 whatever the upstreams said: the audit row records how the connect really ended
        req.context().register(switch (out.status()) {
            case "ok" -> AuditLog.Outcome.SUCCESS;
            case "partial" -> AuditLog.Outcome.PARTIAL;
            default -> AuditLog.Outcome.FAILURE;
        });
        Responses.json(res, Status.OK_200, out);
    }

    /**
     * The connect made with a tenant's creation: the tenant exists whatever the upstreams say, so a connect that
     * may not run is a {@code failed} result naming why, not an error.
     */
    public ConnectOut connectCreated(ServerRequest req, ResolvedTenant created) {
        ConnectOut out = publicUrlMissing()
                .map(why -> new ConnectOut("failed", null, null, List.of(PUBLIC_URL_REQUIRED + ": " + why)))
                .orElseGet(() -> run(req, created, Set.of()));
        // the tenant was created; when its connect did not fully succeed, the creation's audit row says partial
        req.context().register("ok".equals(out.status()) ? AuditLog.Outcome.SUCCESS : AuditLog.Outcome.PARTIAL);
        return out;
    }

    /**
     * Why connect may not register webhook URLs upstream now: outside local and test mode they must be built on an
     * https {@code TOLLGATE_PUBLIC_URL}, never on the request's Host header (which would carry the tenant's Gorgias
     * token to whatever host the request named). Empty when connect may run.
     */
    public Optional<String> publicUrlMissing() {
        if (!publicUrlRequired || publicUrl.filter(u -> "https".equals(u.getScheme())).isPresent()) {
            return Optional.empty();
        }
        return Optional.of("TOLLGATE_PUBLIC_URL is not set to an https URL, so there is no address to register"
                + " upstream (the request's Host header is not trusted for it); set TOLLGATE_PUBLIC_URL to the https"
                + " address merchants reach Tollgate at, restart, and connect again.");
    }

    private ConnectOut run(ServerRequest req, ResolvedTenant t, Set<Provider> providers) {
        WebhookUrls urls = WebhookUrls.of(WebhookUrls.base(publicUrl, req), t.tenant().slug());
        try {
            return connector.connect(t, providers, new Connector.Targets(URI.create(urls.gorgias()),
                                                                        URI.create(urls.shopify()),
                                                                        publicUrl.isPresent()));
        } catch (Connector.InProgress e) {
            throw new ApiException.Conflict("connect-in-progress", "A connect of this tenant's "
                    + e.provider().wire() + " is already running; try again when it is done.");
        }
    }
}
