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
import io.tollgate.api.access.Scope;
import io.tollgate.api.access.TenantLookup;
import io.tollgate.api.connect.ConnectService;
import io.tollgate.api.connect.Connector;
import io.tollgate.api.connect.StepOut;
import io.tollgate.api.connect.WebhookUrls;
import io.tollgate.api.events.EventStore;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.Page;
import io.tollgate.api.http.Problem.FieldError;
import io.tollgate.api.http.Responses;
import io.tollgate.api.http.RouteTable;
import io.tollgate.api.input.Bodies;
import io.tollgate.api.input.Cursor;
import io.tollgate.api.input.Queries;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.TenantStatus;
import io.tollgate.tenant.db.DataException;
import io.tollgate.tenant.resolve.TenantResolver;
import io.tollgate.tenant.store.TenantStore;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /admin/tenants/**}: onboarding (with a connect on request, see {@link ConnectService}), credentials, secret
 * rotation (which follows through to a connected Gorgias integration) and lifecycle (deletion disconnects first).
 * Connect and events have their own services.
 */
public final class TenantAdminService implements HttpService {
    private final TenantStore tenants;
    private final TenantResolver resolver;
    private final EventStore events;
    private final TenantValidation validation;
    private final Optional<URI> publicUrl;
    private final RouteTable routes;
    private final Connector connector;
    private final ConnectService connect;
    private final TenantLookup lookup;
    private final SecureRandom random = new SecureRandom();

    public TenantAdminService(TenantStore tenants, TenantResolver resolver, EventStore events, boolean allowOverride,
                              Optional<URI> publicUrl, RouteTable routes, Connector connector,
                              ConnectService connect, TenantLookup lookup) {
        this.connector = connector;
        this.tenants = tenants;
        this.resolver = resolver;
        this.events = events;
        this.validation = new TenantValidation(allowOverride);
        this.publicUrl = publicUrl;
        this.routes = routes;
        this.connect = connect;
        this.lookup = lookup;
    }

    @Override
    public void routing(HttpRules rules) {
        // each route with the scope it needs (see Scope); a token without it gets 403 before the handler runs, and
        // only then is the tenant of /tenants/{slug}/** looked up
        AdminRoutes.on(routes, rules)
                .add(Method.POST, "/tenants", Scope.OPERATE, this::create)
                .add(Method.GET, "/tenants", Scope.READ, this::list)
                .add(Method.GET, "/tenants/{slug}", Scope.READ, lookup.of(this::get))
                .add(Method.PATCH, "/tenants/{slug}", Scope.OPERATE, lookup.of(this::patch))
                .add(Method.DELETE, "/tenants/{slug}", Scope.OPERATE, lookup.of(this::delete))
                .add(Method.POST, "/tenants/{slug}/suspend", Scope.OPERATE,
                     lookup.of((req, res, t) -> setStatus(req, res, t, TenantStatus.SUSPENDED)))
                .add(Method.POST, "/tenants/{slug}/resume", Scope.OPERATE,
                     lookup.of((req, res, t) -> setStatus(req, res, t, TenantStatus.ACTIVE)))
                .add(Method.POST, "/tenants/{slug}/secrets/rotate", Scope.OPERATE, lookup.of(this::rotate));
    }

    private void create(ServerRequest req, ServerResponse res) {
        req.context().register(new AuditLog.Note("tenant.create", Optional.empty(), Optional.empty(),
                                                 Optional.empty()));
        TenantIn in = validation.create(Bodies.json(req));
        Secret gorgiasSecret = generateSecret();
        req.context().register(new AuditLog.Note("tenant.create", Optional.empty(), Optional.of(in.slug().value()),
                                                 Optional.empty()));
        ResolvedTenant created;
        try {
            created = tenants.create(in.toNew(gorgiasSecret));
        } catch (DataException.Conflict e) {
            throw new ApiException.Conflict("slug-taken", "A tenant with slug '" + in.slug().value()
                    + "' already exists.");
        }
        resolver.invalidate(created);
        note(req, "tenant.create", created, Optional.empty());
        TenantOut out = TenantOut.of(created, base(req), gorgiasSecret);
        if (in.connect()) {
            // the tenant exists whatever the upstreams say: the answer is 201 and the connect result tells the rest
            note(req, "tenant.create", created, Optional.of("connect"));
            out = out.withConnect(connect.connectCreated(req, created));
        }
        res.header(HeaderNames.LOCATION, "/admin/tenants/" + created.tenant().slug());
        Responses.json(res, Status.CREATED_201, out);
    }

    private void list(ServerRequest req, ServerResponse res) {
        int limit = Queries.limit(req);
        Optional<String> connection = Queries.string(req, "connection");
        if (connection.isPresent() && !connection.get().equals("broken")) {
            throw new ApiException.BadRequest("invalid-query", "Unknown connection filter.",
                                              List.of(new FieldError("connection", "must be broken")));
        }
        Optional<String> after = Cursor.decode(Queries.string(req, "cursor"), 1).map(List::getFirst);
        List<ResolvedTenant> page = tenants.listResolved(limit + 1, after, connection.isPresent());
        URI base = base(req);
        List<ResolvedTenant> shown = page.subList(0, Math.min(limit, page.size()));
        List<TenantOut> items = observed(shown, base);
        String next = page.size() > limit ? Cursor.encode(page.get(limit - 1).tenant().slug()) : null;
        Responses.json(res, Status.OK_200, new Page<>(items, next));
    }

    private void get(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        Responses.json(res, Status.OK_200, observed(List.of(t), base(req)).getFirst());
    }

    /**
     * The tenants' answers with their connections' status and last deliveries (two statements for all). The last
     * deliveries are left out (no {@code last_delivery_at}) when they cannot be read promptly.
     */
    private List<TenantOut> observed(List<ResolvedTenant> shown, URI base) {
        List<TenantId> ids = shown.stream().map(ResolvedTenant::id).toList();
        var connections = connector.connections(ids);
        Optional<Map<TenantId, Map<Provider, Instant>>> last = events.lastDeliveries(ids);
        return shown.stream().map(t -> TenantOut.of(t, base).withObserved(
                TenantOut.ConnectionsOut.of(connections.getOrDefault(t.id(), Map.of())),
                last.map(all -> all.getOrDefault(t.id(), Map.of()))
                        .map(l -> new TenantOut.LastDeliveryOut(l.get(Provider.GORGIAS), l.get(Provider.SHOPIFY)))
                        .orElse(null))).toList();
    }

    private void patch(ServerRequest req, ServerResponse res, ResolvedTenant current) {
        note(req, "tenant.update", current, Optional.empty());
        TenantPatch p = validation.patch(Bodies.json(req), current);
        boolean wasDraftOnly = current.tenant().draftOnly();
        p.draftOnly().filter(on -> on != wasDraftOnly).ifPresent(
                on -> note(req, "tenant.update", current, Optional.of("draft_only=" + on)));
        if (!tenants.update(current.id(), p.name(), p.limits(), p.draftOnly(), p.gorgias(), p.shopify())) {
            throw TenantLookup.notFound(current.tenant().slug());
        }
        resolver.invalidate(current);
        Responses.json(res, Status.OK_200, TenantOut.of(lookup.reload(current), base(req)));
    }

    private void delete(ServerRequest req, ServerResponse res, ResolvedTenant current) {
        note(req, "tenant.delete", current, Optional.empty());
        // upstreams would otherwise keep posting into 404s; best effort, each outcome logged
        connector.disconnect(current);
        if (!tenants.delete(current.id())) {
            throw TenantLookup.notFound(current.tenant().slug());
        }
        resolver.invalidate(current);
        res.status(Status.NO_CONTENT_204).send();
    }

    private void setStatus(ServerRequest req, ServerResponse res, ResolvedTenant current, TenantStatus status) {
        note(req, status == TenantStatus.SUSPENDED ? "tenant.suspend" : "tenant.resume", current, Optional.empty());
        tenants.setStatus(current.id(), status);
        resolver.invalidate(current);
        Responses.json(res, Status.OK_200, TenantOut.of(lookup.reload(current), base(req)));
    }

    /**
     * The answer to a rotation: the new Gorgias secret appears here once. {@code gorgiasIntegration}: for Gorgias,
     * whether the connected integration's {@code X-Tollgate-Token} header was updated upstream ({@code updated},
     * {@code not_connected}, {@code skipped} or {@code failed}, see {@link Connector#followRotation}).
     */
    public record RotateOut(String provider, int graceSeconds, Instant previousValidUntil, String webhookSecretHint,
                            String gorgiasWebhookSecret, StepOut gorgiasIntegration) {
    }

    private void rotate(ServerRequest req, ServerResponse res, ResolvedTenant current) {
        note(req, "tenant.secret.rotate", current, Optional.empty());
        RotateIn in = TenantValidation.rotate(Bodies.json(req));
        Provider provider = in.provider();
        int grace = in.graceSeconds();
        note(req, "tenant.secret.rotate", current, Optional.of(provider.wire()));
        Secret next = in.webhookSecret().orElseGet(this::generateSecret);
        Instant until = Instant.now().plusSeconds(grace);
        if (!tenants.rotateSecret(current.id(), provider, next, Duration.ofSeconds(grace))) {
            throw TenantLookup.notFound(current.tenant().slug());
        }
        resolver.invalidate(current);
        StepOut followed = null;
        if (provider == Provider.GORGIAS) {
            // a URL built from the Host header is never registered upstream where a public URL is required
            Optional<URI> fallback = connect.publicUrlMissing().isPresent() ? Optional.empty() : Optional.of(
                    URI.create(WebhookUrls.of(base(req), current.tenant().slug()).gorgias()));
            followed = connector.followRotation(lookup.reload(current), next, fallback);
        }
        Responses.json(res, Status.OK_200, new RotateOut(provider.wire(), grace, until, TenantOut.mask(next),
                                                         provider == Provider.GORGIAS ? next.reveal() : null,
                                                         followed));
    }

    private URI base(ServerRequest req) {
        return WebhookUrls.base(publicUrl, req);
    }

    private Secret generateSecret() {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        return Secret.of("tgws_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
    }

    private static void note(ServerRequest req, String action, ResolvedTenant t, Optional<String> target) {
        req.context().register(AuditLog.Note.on(action, t, target));
    }
}
