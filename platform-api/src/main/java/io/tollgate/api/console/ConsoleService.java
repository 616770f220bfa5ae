package io.tollgate.api.console;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.api.access.AdminRoutes;
import io.tollgate.api.access.Scope;
import io.tollgate.api.access.TenantLookup;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.Problem.FieldError;
import io.tollgate.api.http.Responses;
import io.tollgate.api.http.RouteTable;
import io.tollgate.api.input.Cursor;
import io.tollgate.api.input.Queries;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Slug;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code GET /admin/attention}, {@code GET /admin/tenant-summaries} and {@code GET /admin/tenants/{slug}/stats}: the
 * operator console's views of the fleet (scope {@code read}; nothing here changes anything). Every fix they point at
 * is a route of its own feature (connect, events, data requests).
 */
public final class ConsoleService implements HttpService {
    /** How many items each attention list holds at most; its {@code *_total} counts them all. */
    static final int ATTENTION_CAP = 50;
    /** The longest search text: a slug is at most 63 characters, a name is longer but nobody types all of it. */
    static final int MAX_QUERY = 200;
    private static final Pattern HOURS = Pattern.compile("[0-9]{1,3}");

    private final FleetStore fleet;
    private final RouteTable routes;
    private final TenantLookup tenants;

    public ConsoleService(FleetStore fleet, RouteTable routes, TenantLookup tenants) {
        this.fleet = fleet;
        this.routes = routes;
        this.tenants = tenants;
    }

    @Override
    public void routing(HttpRules rules) {
        AdminRoutes.on(routes, rules)
                .add(Method.GET, "/attention", Scope.READ, this::attention)
                .add(Method.GET, "/tenant-summaries", Scope.READ, this::summaries)
                .add(Method.GET, "/tenants/{slug}/stats", Scope.READ, tenants.of(this::stats));
    }

    // --- attention ----------------------------------------------------------------------------------------------

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record BrokenOut(String slug, String name, String provider, String reason, Instant since) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SilentOut(String slug, String name, String provider, Instant lastDeliveryAt) {
    }

    public record DeadOut(String slug, String name, long count) {
    }

    public record OpenRequestOut(String slug, String name, java.util.UUID id, Instant receivedAt, long ageSeconds) {
    }

    public record QueuedOut(String slug, java.util.UUID eventId, Instant runAt, long ageSeconds) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record AttentionOut(List<BrokenOut> brokenConnections, long brokenConnectionsTotal,
                               List<SilentOut> silentTenants, long silentTenantsTotal, List<DeadOut> deadEvents,
                               long deadEventsTotal, List<OpenRequestOut> openDataRequests,
                               long openDataRequestsTotal, QueuedOut oldestQueuedJob, Instant asOf) {
    }

    private void attention(ServerRequest req, ServerResponse res) {
        FleetStore.Attention a = fleet.attention(ATTENTION_CAP);
        Responses.json(res, Status.OK_200, new AttentionOut(
                a.broken().items().stream().map(b -> new BrokenOut(b.slug(), b.name(), b.provider().wire(),
                                                                   b.reason().orElse(null), b.since())).toList(),
                a.broken().total(),
                a.silent().items().stream().map(s -> new SilentOut(s.slug(), s.name(), s.provider().wire(),
                                                                   s.lastDeliveryAt())).toList(),
                a.silent().total(),
                a.dead().items().stream().map(d -> new DeadOut(d.slug(), d.name(), d.count())).toList(),
                a.dead().total(),
                a.openRequests().items().stream().map(o -> new OpenRequestOut(o.slug(), o.name(), o.id(),
                                                                              o.receivedAt(), o.ageSeconds()))
                        .toList(),
                a.openRequests().total(),
                a.oldestQueued().map(q -> new QueuedOut(q.slug(), q.eventId(), q.runAt(), q.ageSeconds()))
                        .orElse(null),
                a.asOf()));
    }

    // --- tenant summaries ---------------------------------------------------------------------------------------

    /** Per provider {@code ok}, {@code broken} or {@code none}; {@code reason}: the first broken one's. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ConnectionOut(String gorgias, String shopify, String reason) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record LastDeliveryOut(Instant gorgias, Instant shopify) {
    }

    /** {@code deliveriesLastHour}: at most 10,000, {@code deliveriesLastHourCapped} true when there were more. */
    public record SummaryOut(String slug, String name, String status, ConnectionOut connection,
                             long deliveriesLastHour, boolean deliveriesLastHourCapped, LastDeliveryOut lastDelivery,
                             long deadEvents) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SummaryPageOut(List<SummaryOut> items, String nextCursor) {
    }

    private void summaries(ServerRequest req, ServerResponse res) {
        List<FieldError> errors = new ArrayList<>();
        Optional<String> q = Queries.string(req, "q").map(String::strip).filter(s -> !s.isEmpty());
        if (q.isPresent() && q.get().length() > MAX_QUERY) {
            errors.add(new FieldError("q", "at most " + MAX_QUERY + " characters"));
        }
        Optional<String> status = Queries.string(req, "status");
        if (status.isPresent() && !List.of("active", "suspended").contains(status.get())) {
            errors.add(new FieldError("status", "must be active or suspended"));
        }
        Optional<String> connection = Queries.string(req, "connection");
        Optional<FleetStore.Health> health = connection.flatMap(FleetStore.Health::fromWire);
        if (connection.isPresent() && health.isEmpty()) {
            errors.add(new FieldError("connection", "must be one of " + Arrays.stream(FleetStore.Health.values())
                    .map(FleetStore.Health::wire).toList()));
        }
        int limit = Queries.limit(req);
        if (!errors.isEmpty()) {
            throw new ApiException.BadRequest("invalid-query", "Invalid filter.", errors);
        }
        Optional<String> after = Cursor.decode(Queries.string(req, "cursor"), 1).map(p -> slug(p.getFirst()));
        List<FleetStore.Summary> page = fleet.summaries(new FleetStore.Filter(q, status, health), after, limit + 1);
        List<SummaryOut> items = page.subList(0, Math.min(limit, page.size())).stream().map(s -> new SummaryOut(
                s.slug(), s.name(), s.status(),
                new ConnectionOut(s.connections().get(Provider.GORGIAS).wire(),
                                  s.connections().get(Provider.SHOPIFY).wire(), s.reason().orElse(null)),
                s.deliveriesLastHour(), s.lastHourCapped(),
                new LastDeliveryOut(s.lastDelivery().get(Provider.GORGIAS), s.lastDelivery().get(Provider.SHOPIFY)),
                s.deadEvents())).toList();
        String next = page.size() > limit ? Cursor.encode(page.get(limit - 1).slug()) : null;
        Responses.json(res, Status.OK_200, new SummaryPageOut(items, next));
    }

    /** A cursor's slug part: only a valid slug can be the last one of a page. */
    private static String slug(String part) {
        return Slug.parse(part).map(Slug::value).orElseThrow(Cursor::invalid);
    }

    // --- one tenant's hours -------------------------------------------------------------------------------------

    public record HourOut(Instant start, Map<String, Long> deliveries, long notesPosted) {
    }

    public record StatsOut(Instant from, Instant to, int bucketSeconds, List<HourOut> buckets) {
    }

    private void stats(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        int hours = Queries.string(req, "hours").filter(h -> HOURS.matcher(h).matches()).map(Integer::parseInt)
                .filter(h -> h >= 1 && h <= 168)
                .or(() -> Queries.string(req, "hours").isEmpty() ? Optional.of(24) : Optional.empty())
                .orElseThrow(() -> new ApiException.BadRequest(
                        "invalid-query", "hours must be a whole number from 1 to 168.",
                        List.of(new FieldError("hours", "must be between 1 and 168"))));
        Instant to = Instant.now();
        Instant from = to.truncatedTo(ChronoUnit.HOURS).minus(hours - 1L, ChronoUnit.HOURS);
        List<HourOut> buckets = fleet.hours(t.id(), from, hours).stream()
                .map(h -> new HourOut(h.start(), h.deliveries(), h.notesPosted())).toList();
        Responses.json(res, Status.OK_200, new StatsOut(from, to, 3600, buckets));
    }
}
