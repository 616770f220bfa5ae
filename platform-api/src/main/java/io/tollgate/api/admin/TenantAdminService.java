package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.api.connect.ConnectOut;
import io.tollgate.api.connect.Connector;
import io.tollgate.api.connect.StepOut;
import io.tollgate.api.events.EventStatus;
import io.tollgate.api.events.EventStore;
import io.tollgate.api.events.JobQueue;
import io.tollgate.api.events.JobStatus;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.Page;
import io.tollgate.api.http.Problem.FieldError;
import io.tollgate.api.http.Responses;
import io.tollgate.api.http.RouteTable;
import io.tollgate.api.input.Bodies;
import io.tollgate.api.input.Cursor;
import io.tollgate.api.input.Fields;
import io.tollgate.api.input.Queries;
import io.tollgate.tenant.EventId;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@code /admin/tenants/**}: onboarding, connecting a tenant's Gorgias and Shopify (see {@link Connector}),
 * credentials, secret rotation (which follows through to a connected Gorgias integration), lifecycle (deletion
 * disconnects first), events and replay.
 */
public final class TenantAdminService implements HttpService {
    private static final Set<String> ROTATE_FIELDS = Set.of("provider", "grace_seconds", "webhook_secret");
    /** Default overlap when a rotation names none: Shopify retries for up to 4 hours; a day covers it. */
    static final int DEFAULT_GRACE_SECONDS = 86_400;
    static final int MAX_GRACE_SECONDS = 30 * 86_400;

    private final TenantStore tenants;
    private final TenantResolver resolver;
    private final EventStore events;
    private final JobQueue jobs;
    private final TenantValidation validation;
    private final Optional<URI> publicUrl;
    private final boolean publicUrlRequired;
    private final RouteTable routes;
    private final Connector connector;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param publicUrlRequired whether connect refuses ({@code 409 public-url-required}) until {@code publicUrl} is an
     *                          https URL, rather than register URLs built from the request's Host header upstream
     */
    public TenantAdminService(TenantStore tenants, TenantResolver resolver, EventStore events, JobQueue jobs,
                              boolean allowOverride, Optional<URI> publicUrl, boolean publicUrlRequired,
                              RouteTable routes, Connector connector) {
        this.connector = connector;
        this.tenants = tenants;
        this.resolver = resolver;
        this.events = events;
        this.jobs = jobs;
        this.validation = new TenantValidation(allowOverride);
        this.publicUrl = publicUrl;
        this.publicUrlRequired = publicUrlRequired;
        this.routes = routes;
    }

    @Override
    public void routing(HttpRules rules) {
        // each route with the scope it needs (see Scope); a token without it gets 403 before the handler runs
        AdminRoutes.on(routes, rules)
                .add(Method.POST, "/tenants", Scope.OPERATE, this::create)
                .add(Method.GET, "/tenants", Scope.READ, this::list)
                .add(Method.GET, "/tenants/{slug}", Scope.READ, this::get)
                .add(Method.PATCH, "/tenants/{slug}", Scope.OPERATE, this::patch)
                .add(Method.DELETE, "/tenants/{slug}", Scope.OPERATE, this::delete)
                .add(Method.POST, "/tenants/{slug}/suspend", Scope.OPERATE,
                     (req, res) -> setStatus(req, res, TenantStatus.SUSPENDED))
                .add(Method.POST, "/tenants/{slug}/resume", Scope.OPERATE,
                     (req, res) -> setStatus(req, res, TenantStatus.ACTIVE))
                .add(Method.POST, "/tenants/{slug}/connect", Scope.OPERATE, this::connect)
                .add(Method.POST, "/tenants/{slug}/secrets/rotate", Scope.OPERATE, this::rotate)
                .add(Method.GET, "/tenants/{slug}/events", Scope.READ, this::listEvents)
                // the body is there only for a token with the payloads scope (see getEvent)
                .add(Method.GET, "/tenants/{slug}/events/{event_id}", Scope.READ, this::getEvent)
                .add(Method.POST, "/tenants/{slug}/events/{event_id}/replay", Scope.OPERATE, this::replay);
    }

    private void create(ServerRequest req, ServerResponse res) {
        note(req, "tenant.create", null, Optional.empty());
        JsonNode body = Bodies.json(req);
        Secret gorgiasSecret = generateSecret();
        var newTenant = validation.create(body, gorgiasSecret);
        note(req, "tenant.create", null, Optional.of(newTenant.slug()));
        ResolvedTenant created;
        try {
            created = tenants.create(newTenant);
        } catch (DataException.Conflict e) {
            throw new ApiException.Conflict("slug-taken", "A tenant with slug '" + newTenant.slug()
                    + "' already exists.");
        }
        resolver.invalidate(created);
        note(req, "tenant.create", created, Optional.empty());
        TenantOut out = TenantOut.of(created, base(req), gorgiasSecret);
        if (body.path("connect").asBoolean(false)) {
            // the tenant exists whatever the upstreams say: the answer is 201 and the connect result tells the rest
            note(req, "tenant.create", created, Optional.of("connect"));
            out = out.withConnect(publicUrlMissing()
                                          .map(why -> new ConnectOut("failed", null, null,
                                                                     List.of(PUBLIC_URL_REQUIRED + ": " + why)))
                                          .orElseGet(() -> runConnect(req, created, Set.of())));
        }
        res.header(HeaderNames.LOCATION, "/admin/tenants/" + created.tenant().slug());
        Responses.json(res, Status.CREATED_201, out);
    }

    /**
     * {@code POST /admin/tenants/{slug}/connect}: optional body {@code {"providers": [...]}}. Always 200 when it ran:
     * the answer's {@code status} ({@code ok}, {@code partial}, {@code failed}) and each step say what happened; 409
     * while another connect of the tenant runs, and ({@code public-url-required}) while webhook URLs could only come
     * from the request's Host header.
     */
    private void connect(ServerRequest req, ServerResponse res) {
        ResolvedTenant t = tenant(req);
        note(req, "tenant.connect", t, Optional.empty());
        Set<Provider> providers = TenantValidation.connectProviders(Bodies.optionalJson(req));
        Optional<String> missing = publicUrlMissing();
        if (missing.isPresent()) {
            throw new ApiException.Conflict(PUBLIC_URL_REQUIRED, missing.get());
        }
        note(req, "tenant.connect", t, Optional.of(providers.isEmpty() ? "gorgias,shopify"
                : providers.stream().map(Provider::wire).sorted().collect(java.util.stream.Collectors.joining(","))));
        Responses.json(res, Status.OK_200, runConnect(req, t, providers));
    }

    /** The problem type of a connect refused for want of {@code TOLLGATE_PUBLIC_URL}. */
    static final String PUBLIC_URL_REQUIRED = "public-url-required";

    /**
     * Why connect may not register webhook URLs upstream now: outside local and test mode they must be built on an
     * https {@code TOLLGATE_PUBLIC_URL}, never on the request's Host header (which would carry the tenant's Gorgias
     * token to whatever host the request named). Empty when connect may run.
     */
    private Optional<String> publicUrlMissing() {
        if (!publicUrlRequired || publicUrl.filter(u -> "https".equals(u.getScheme())).isPresent()) {
            return Optional.empty();
        }
        return Optional.of("TOLLGATE_PUBLIC_URL is not set to an https URL, so there is no address to register"
                + " upstream (the request's Host header is not trusted for it); set TOLLGATE_PUBLIC_URL to the https"
                + " address merchants reach Tollgate at, restart, and connect again.");
    }

    private ConnectOut runConnect(ServerRequest req, ResolvedTenant t, Set<Provider> providers) {
        TenantOut.WebhookUrls urls = TenantOut.WebhookUrls.of(base(req), t.tenant().slug());
        try {
            return connector.connect(t, providers, new Connector.Targets(URI.create(urls.gorgias()),
                                                                        URI.create(urls.shopify()),
                                                                        publicUrl.isPresent()));
        } catch (Connector.InProgress e) {
            throw new ApiException.Conflict("connect-in-progress", "A connect of this tenant's "
                    + e.provider().wire() + " is already running; try again when it is done.");
        }
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

    private void get(ServerRequest req, ServerResponse res) {
        Responses.json(res, Status.OK_200, observed(List.of(tenant(req)), base(req)).getFirst());
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

    private void patch(ServerRequest req, ServerResponse res) {
        ResolvedTenant current = tenant(req);
        note(req, "tenant.update", current, Optional.empty());
        TenantValidation.Patched p = validation.patch(Bodies.json(req), current);
        if (!tenants.update(current.id(), p.name(), p.limits(), p.gorgias(), p.shopify())) {
            throw notFound(current.tenant().slug());
        }
        resolver.invalidate(current);
        Responses.json(res, Status.OK_200, TenantOut.of(reload(current), base(req)));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        ResolvedTenant current = tenant(req);
        note(req, "tenant.delete", current, Optional.empty());
        // upstreams would otherwise keep posting into 404s; best effort, each outcome logged
        connector.disconnect(current);
        if (!tenants.delete(current.id())) {
            throw notFound(current.tenant().slug());
        }
        resolver.invalidate(current);
        res.status(Status.NO_CONTENT_204).send();
    }

    private void setStatus(ServerRequest req, ServerResponse res, TenantStatus status) {
        ResolvedTenant current = tenant(req);
        note(req, status == TenantStatus.SUSPENDED ? "tenant.suspend" : "tenant.resume", current, Optional.empty());
        tenants.setStatus(current.id(), status);
        resolver.invalidate(current);
        Responses.json(res, Status.OK_200, TenantOut.of(reload(current), base(req)));
    }

    /**
     * The answer to a rotation: the new Gorgias secret appears here once. {@code gorgiasIntegration}: for Gorgias,
     * whether the connected integration's {@code X-Tollgate-Token} header was updated upstream ({@code updated},
     * {@code not_connected}, {@code skipped} or {@code failed}, see {@link Connector#followRotation}).
     */
    public record RotateOut(String provider, int graceSeconds, Instant previousValidUntil, String webhookSecretHint,
                            String gorgiasWebhookSecret, StepOut gorgiasIntegration) {
    }

    private void rotate(ServerRequest req, ServerResponse res) {
        ResolvedTenant current = tenant(req);
        note(req, "tenant.secret.rotate", current, Optional.empty());
        List<FieldError> errors = new ArrayList<>();
        Fields f = Fields.root(Bodies.json(req), ROTATE_FIELDS, errors);
        Optional<Provider> provider = f.parsed("provider", true, 20, p -> Provider.fromWire(p)
                .map(Fields.Parsed::ok).orElseGet(() -> Fields.Parsed.fail("must be \"gorgias\" or \"shopify\"")));
        int grace = f.integer("grace_seconds", false, 0, MAX_GRACE_SECONDS).orElse(DEFAULT_GRACE_SECONDS);
        Optional<String> given = Optional.empty();
        if (provider.isPresent() && provider.get() == Provider.SHOPIFY) {
            given = TenantValidation.webhookSecret(f, true);
        } else if (provider.isPresent() && f.has("webhook_secret")) {
            f.error("webhook_secret", "the Gorgias webhook secret is generated by Tollgate; leave it out");
        }
        Fields.throwIfAny(errors);
        note(req, "tenant.secret.rotate", current, Optional.of(provider.get().wire()));
        Secret next = given.map(Secret::of).orElseGet(this::generateSecret);
        Instant until = Instant.now().plusSeconds(grace);
        if (!tenants.rotateSecret(current.id(), provider.get(), next, Duration.ofSeconds(grace))) {
            throw notFound(current.tenant().slug());
        }
        resolver.invalidate(current);
        StepOut followed = null;
        if (provider.get() == Provider.GORGIAS) {
            // a URL built from the Host header is never registered upstream where a public URL is required
            Optional<URI> fallback = publicUrlMissing().isPresent() ? Optional.empty() : Optional.of(URI.create(
                    TenantOut.WebhookUrls.of(base(req), current.tenant().slug()).gorgias()));
            followed = connector.followRotation(reload(current), next, fallback);
        }
        Responses.json(res, Status.OK_200, new RotateOut(provider.get().wire(), grace, until, TenantOut.mask(next),
                                                         provider.get() == Provider.GORGIAS ? next.reveal() : null,
                                                         followed));
    }

    /** One event in a list: no body. */
    public record EventOut(UUID id, String provider, String topic, String deliveryKey, String status,
                           Instant receivedAt, Instant processedAt, String payloadSha256, int sizeBytes, String error) {
        static EventOut of(EventStore.EventSummary e) {
            return new EventOut(e.id().value(), e.provider().wire(), e.topic().orElse(null), e.deliveryKey(),
                                e.status().wire(), e.receivedAt(), e.processedAt().orElse(null),
                                java.util.HexFormat.of().formatHex(e.payloadSha256()), e.sizeBytes(),
                                e.error().orElse(null));
        }
    }

    /**
     * One event in full: headers (never secrets), body as text when it is UTF-8, else base64, and its job. The body
     * is personal data: without the {@code payloads} scope it is left out and {@code body_withheld} is true.
     */
    public record EventDetailOut(EventOut event, Map<String, String> headers, String body, String bodyBase64,
                                 Boolean bodyWithheld, EventStore.JobState job) {
    }

    private void listEvents(ServerRequest req, ServerResponse res) {
        ResolvedTenant t = tenant(req);
        Optional<EventStatus> status = Queries.string(req, "status").map(s -> EventStatus.fromWire(s)
                .orElseThrow(() -> new ApiException.BadRequest("invalid-query", "Unknown event status.",
                                                               List.of(new FieldError("status", "must be one of "
                                                                       + java.util.Arrays.stream(EventStatus.values())
                                                                       .map(EventStatus::wire).toList())))));
        int limit = Queries.limit(req);
        Optional<Map.Entry<Instant, EventId>> after = Cursor.decode(Queries.string(req, "cursor"), 2)
                .map(p -> Map.entry(Cursor.instant(p.get(0)), new EventId(Cursor.uuid(p.get(1)))));
        List<EventStore.EventSummary> page = events.list(t.id(), status, limit + 1, after);
        List<EventOut> items = page.subList(0, Math.min(limit, page.size())).stream().map(EventOut::of).toList();
        String next = page.size() > limit
                ? Cursor.encode(page.get(limit - 1).receivedAt().toString(), page.get(limit - 1).id().toString())
                : null;
        Responses.json(res, Status.OK_200, new Page<>(items, next));
    }

    private void getEvent(ServerRequest req, ServerResponse res) {
        ResolvedTenant t = tenant(req);
        EventId id = eventId(req);
        EventStore.EventDetail d = events.get(t.id(), id).orElseThrow(() -> eventNotFound(id));
        Map<String, String> headers = new java.util.TreeMap<>();
        d.headers().forEach((k, v) -> headers.put(k, SENSITIVE_HEADER.matcher(k).find() ? "****" : v));
        if (!req.context().get(Operator.class).map(op -> op.may(Scope.PAYLOADS)).orElse(false)) {
            Responses.json(res, Status.OK_200, new EventDetailOut(EventOut.of(d.summary()), headers, null, null, true,
                                                                  d.job().orElse(null)));
            return;
        }
        String text = utf8(d.body());
        String base64 = text == null ? Base64.getEncoder().encodeToString(d.body()) : null;
        Responses.json(res, Status.OK_200, new EventDetailOut(EventOut.of(d.summary()), headers, text, base64, null,
                                                              d.job().orElse(null)));
    }

    private static final java.util.regex.Pattern SENSITIVE_HEADER = java.util.regex.Pattern.compile(
            "(?i)(token|secret|authorization|cookie|password|api-key)");

    /** The answer to a replay. */
    public record ReplayOut(String status, UUID eventId) {
    }

    private void replay(ServerRequest req, ServerResponse res) {
        ResolvedTenant t = tenant(req);
        EventId id = eventId(req);
        note(req, "event.replay", t, Optional.of(id.toString()));
        switch (jobs.replay(t.id(), id)) {
            case JobQueue.ReplayResult.Queued q -> Responses.json(res, Status.ACCEPTED_202,
                                                                  new ReplayOut(JobStatus.QUEUED.wire(), id.value()));
            case JobQueue.ReplayResult.NotFound n -> throw eventNotFound(id);
            case JobQueue.ReplayResult.NotReplayable n -> throw new ApiException.Conflict(
                    "event-not-replayable", "Event " + id + " is " + n.status().wire()
                    + " (its body was not valid JSON) and cannot be replayed.");
        }
    }

    private ResolvedTenant tenant(ServerRequest req) {
        String slug = req.path().pathParameters().get("slug");
        if (!TenantValidation.SLUG.matcher(slug).matches()) {
            throw notFound(slug);
        }
        return tenants.findBySlugUnscoped(slug).orElseThrow(() -> notFound(slug));
    }

    private ResolvedTenant reload(ResolvedTenant t) {
        return tenants.find(t.id()).orElseThrow(() -> notFound(t.tenant().slug()));
    }

    private static EventId eventId(ServerRequest req) {
        String raw = req.path().pathParameters().get("event_id");
        try {
            return EventId.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new ApiException.NotFound("event-not-found", "No such event.");
        }
    }

    private URI base(ServerRequest req) {
        return publicUrl.orElseGet(() -> URI.create("http://" + req.headers().first(HeaderNames.HOST)
                .orElse("localhost:" + req.localPeer().port())));
    }

    private Secret generateSecret() {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        return Secret.of("tgws_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
    }

    private static void note(ServerRequest req, String action, ResolvedTenant t, Optional<String> targetOrSlug) {
        if (t == null) {
            req.context().register(new AuditLog.Note(action, Optional.empty(), targetOrSlug, Optional.empty()));
        } else {
            req.context().register(new AuditLog.Note(action, Optional.of(t.id()), Optional.of(t.tenant().slug()),
                                                     targetOrSlug));
        }
    }

    private static ApiException notFound(String slug) {
        return new ApiException.NotFound("tenant-not-found", "No tenant with slug '" + slug + "'.");
    }

    private static ApiException eventNotFound(EventId id) {
        return new ApiException.NotFound("event-not-found", "This tenant has no event " + id + ".");
    }

    private static String utf8(byte[] body) {
        try {
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(body)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }
}
