package io.tollgate.api.events;

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
import io.tollgate.api.access.TenantLookup;
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

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code /admin/tenants/{slug}/events/**}: a tenant's stored events, one event in full, replaying or discarding one,
 * and counting, then discarding or replaying, exactly the counted dead events of a filter.
 */
public final class EventsService implements HttpService {
    private static final Pattern SENSITIVE_HEADER = Pattern.compile(
            "(?i)(token|secret|authorization|cookie|password|api-key)");

    private final EventStore events;
    private final JobQueue jobs;
    private final RouteTable routes;
    private final TenantLookup tenants;

    public EventsService(EventStore events, JobQueue jobs, RouteTable routes, TenantLookup tenants) {
        this.events = events;
        this.jobs = jobs;
        this.routes = routes;
        this.tenants = tenants;
    }

    @Override
    public void routing(HttpRules rules) {
        AdminRoutes.on(routes, rules)
                .add(Method.GET, "/tenants/{slug}/events", Scope.READ, tenants.of(this::list))
                // before /events/{event_id}: "count" is not an event id
                .add(Method.GET, "/tenants/{slug}/events/count", Scope.READ, tenants.of(this::count))
                .add(Method.POST, "/tenants/{slug}/events/discard", Scope.OPERATE,
                     tenants.of((req, res, t) -> bulk(req, res, t, JobQueue.BulkAction.DISCARD)))
                .add(Method.POST, "/tenants/{slug}/events/replay", Scope.OPERATE,
                     tenants.of((req, res, t) -> bulk(req, res, t, JobQueue.BulkAction.REPLAY)))
                .add(Method.GET, "/tenants/{slug}/events/replays/{batch}", Scope.READ, tenants.of(this::batch))
                // the body is there only for a token with the payloads scope (see get)
                .add(Method.GET, "/tenants/{slug}/events/{event_id}", Scope.READ, tenants.of(this::get))
                .add(Method.POST, "/tenants/{slug}/events/{event_id}/replay", Scope.OPERATE, tenants.of(this::replay))
                .add(Method.POST, "/tenants/{slug}/events/{event_id}/discard", Scope.OPERATE,
                     tenants.of(this::discard));
    }

    /** One event in a list: no body. */
    public record EventOut(UUID id, String provider, String topic, String deliveryKey, String status,
                           Instant receivedAt, Instant processedAt, String payloadSha256, int sizeBytes, String error) {
        static EventOut of(EventStore.EventSummary e) {
            return new EventOut(e.id().value(), e.provider().wire(), e.topic().orElse(null), e.deliveryKey(),
                                e.status().wire(), e.receivedAt(), e.processedAt().orElse(null),
                                HexFormat.of().formatHex(e.payloadSha256()), e.sizeBytes(),
                                e.error().orElse(null));
        }
    }

    /**
     * One event in full: headers (never secrets), body as text when it is UTF-8, else base64, and its job. The body
     * is personal data: without the {@code payloads} scope it is left out and {@code body_withheld} is true.
     */
    public record EventDetailOut(EventOut event, Map<String, String> headers, String body, String bodyBase64,
                                 Boolean bodyWithheld, EventStore.JobState job, NoteOut note) {
    }

    /**
     * The internal note the event's job drafted for Gorgias, if it drafted one: its state ({@code pending},
     * {@code posted}, {@code failed}, or {@code drafted}: kept, never posted, for a draft-only tenant), the Gorgias
     * ticket it answers with a link to it, and its text, the customer's data: there only with the {@code payloads}
     * scope, like the body.
     */
    public record NoteOut(String state, long ticketId, String ticketUrl, Long upstreamMessageId, String draftSource,
                          String bodyText, Instant postedAt, String error) {
        static NoteOut of(EventStore.NoteState n, boolean payloads, String gorgiasDomain) {
            return new NoteOut(n.state(), n.ticketId(), EventsService.ticketUrl(gorgiasDomain, n.ticketId()),
                               n.upstreamMessageId().orElse(null), n.draftSource().orElse(null),
                               payloads ? n.bodyText().orElse(null) : null, n.postedAt().orElse(null),
                               n.error().orElse(null));
        }
    }

    /** The ticket in the merchant's Gorgias web app ({@code domain}: its account name). */
    static String ticketUrl(String domain, long ticketId) {
        return "https://" + domain + ".gorgias.com/app/ticket/" + ticketId;
    }

    /**
     * A page of events. {@code scanLimited} is there only for a text search ({@code q}): true when the scan examined
     * its budget of events without filling the page; {@code next_cursor} then continues the scan after the last event
     * it examined (the page may even be empty).
     */
    public record EventPage(List<EventOut> items, String nextCursor, Boolean scanLimited) {
    }

    /** The answer to a replay. */
    public record ReplayOut(String status, UUID eventId) {
    }

    /** The answer to a discard. */
    public record DiscardOut(String status, UUID eventId) {
    }

    /**
     * How many of the tenant's dead events match the filter, as of the database time {@code asOf}: the
     * {@code expected_count} and {@code as_of} a bulk discard or replay of the same filter must send.
     */
    public record CountOut(String status, String provider, String topic, Instant receivedAfter, Instant receivedBefore,
                           String q, long count, Instant asOf) {
    }

    /**
     * The answer to a bulk discard or replay. {@code batch}: a replay's id (not a dry run's, not a discard's), set on
     * exactly the events it queued again; {@code GET .../events/replays/{batch}} shows their progress.
     */
    public record BulkOut(String action, long count, boolean dryRun, UUID batch) {
    }

    /** The progress of a bulk replay: its events by where they are now ({@link EventStore.BatchProgress}). */
    public record BatchOut(UUID batch, long count, long waiting, long running, long processed, long skipped,
                           long dead, long discarded, boolean done) {
        static BatchOut of(EventStore.BatchProgress p) {
            return new BatchOut(p.batch(), p.count(), p.waiting(), p.running(), p.processed(), p.skipped(), p.dead(),
                                p.discarded(), p.done());
        }
    }

    private static final Set<String> BULK_FIELDS = Set.of("status", "provider", "topic", "received_after",
                                                          "received_before", "q", "as_of", "expected_count",
                                                          "dry_run");

    private void list(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        List<FieldError> errors = new ArrayList<>();
        Optional<EventStatus> status = Queries.string(req, "status").flatMap(s -> {
            Optional<EventStatus> out = EventStatus.fromWire(s);
            if (out.isEmpty()) {
                errors.add(new FieldError("status", "must be one of " + Arrays.stream(EventStatus.values())
                        .map(EventStatus::wire).toList()));
            }
            return out;
        });
        EventFilter filter = queryFilter(req, errors);
        int limit = Queries.limit(req);
        if (!errors.isEmpty()) {
            throw new ApiException.BadRequest("invalid-query", "Invalid filter.", errors);
        }
        requirePayloadsFor(req, filter);
        Optional<EventStore.Key> after = Cursor.decode(Queries.string(req, "cursor"), 2)
                .map(p -> new EventStore.Key(Cursor.instant(p.get(0)), new EventId(Cursor.uuid(p.get(1)))));
        EventStore.Listed page = events.list(t.id(), status, filter, limit + 1, after);
        List<EventStore.EventSummary> found = page.events();
        List<EventOut> items = found.subList(0, Math.min(limit, found.size())).stream().map(EventOut::of).toList();
        String next = null;
        if (found.size() > limit) {
            next = cursor(found.get(limit - 1).receivedAt(), found.get(limit - 1).id());
        } else if (page.scannedTo().isPresent()) {
            next = cursor(page.scannedTo().get().receivedAt(), page.scannedTo().get().id());
        }
        Boolean scanLimited = filter.text().isPresent() ? found.size() <= limit && page.scannedTo().isPresent()
                : null;
        Responses.json(res, Status.OK_200, new EventPage(items, next, scanLimited));
    }

    private static String cursor(Instant receivedAt, EventId id) {
        return Cursor.encode(receivedAt.toString(), id.toString());
    }

    /**
     * The filter of a list or a count from the query: {@code provider}, {@code topic}, {@code received_after},
     * {@code received_before}, {@code q}; an invalid one adds to {@code errors}.
     */
    private static EventFilter queryFilter(ServerRequest req, List<FieldError> errors) {
        return new EventFilter(
                Queries.string(req, "provider").flatMap(p -> provider(p, errors)),
                Queries.string(req, "topic").flatMap(v -> topic(v, errors)),
                Queries.string(req, "received_after").flatMap(v -> instant("received_after", v, errors)),
                Queries.string(req, "received_before").flatMap(v -> instant("received_before", v, errors)),
                Queries.string(req, "q").flatMap(v -> text(v, errors)));
    }

    private static Optional<String> text(String v, List<FieldError> errors) {
        int n = v.codePointCount(0, v.length());
        if (n < EventFilter.TEXT_MIN || n > EventFilter.TEXT_MAX) {
            errors.add(new FieldError("q", "must be " + EventFilter.TEXT_MIN + " to " + EventFilter.TEXT_MAX
                    + " characters"));
            return Optional.empty();
        }
        return Optional.of(v);
    }

    /** A text match tells what bodies contain: it needs the {@code payloads} scope, as reading a body does. */
    private static void requirePayloadsFor(ServerRequest req, EventFilter filter) {
        if (filter.text().isPresent() && !payloads(req)) {
            throw new ApiException.Forbidden("missing-scope", "A text search (q) reveals what event bodies contain:"
                    + " it needs the '" + Scope.PAYLOADS.wire() + "' scope, which this token does not have.");
        }
    }

    private static boolean payloads(ServerRequest req) {
        return req.context().get(Operator.class).map(op -> op.may(Scope.PAYLOADS)).orElse(false);
    }

    private void get(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        EventId id = eventId(req);
        EventStore.EventDetail d = events.get(t.id(), id).orElseThrow(() -> notFound(id));
        Map<String, String> headers = new TreeMap<>();
        d.headers().forEach((k, v) -> headers.put(k, SENSITIVE_HEADER.matcher(k).find() ? "****" : v));
        boolean payloads = payloads(req);
        NoteOut note = d.note().map(n -> NoteOut.of(n, payloads, t.gorgias().domain())).orElse(null);
        if (!payloads) {
            Responses.json(res, Status.OK_200, new EventDetailOut(EventOut.of(d.summary()), headers, null, null, true,
                                                                  d.job().orElse(null), note));
            return;
        }
        String text = utf8(d.body());
        String base64 = text == null ? Base64.getEncoder().encodeToString(d.body()) : null;
        Responses.json(res, Status.OK_200, new EventDetailOut(EventOut.of(d.summary()), headers, text, base64, null,
                                                              d.job().orElse(null), note));
    }

    private void replay(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        EventId id = eventId(req);
        req.context().register(AuditLog.Note.on("event.replay", t, Optional.of(id.toString())));
        switch (jobs.replay(t.id(), id)) {
            case JobQueue.ReplayResult.Queued q -> Responses.json(res, Status.ACCEPTED_202,
                                                                  new ReplayOut(JobStatus.QUEUED.wire(), id.value()));
            case JobQueue.ReplayResult.NotFound n -> throw notFound(id);
            case JobQueue.ReplayResult.NotReplayable n -> throw new ApiException.Conflict(
                    "event-not-replayable", "Event " + id + " is " + n.status().wire()
                    + " (its body was not valid JSON) and cannot be replayed.");
        }
    }

    private void discard(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        EventId id = eventId(req);
        req.context().register(AuditLog.Note.on("event.discard", t, Optional.of(id.toString())));
        switch (jobs.discard(t.id(), id)) {
            case JobQueue.DiscardResult.Discarded d -> Responses.json(
                    res, Status.OK_200, new DiscardOut(EventStatus.DISCARDED.wire(), id.value()));
            case JobQueue.DiscardResult.NotFound n -> throw notFound(id);
            case JobQueue.DiscardResult.NotDiscardable n -> throw new ApiException.Conflict(
                    "event-not-discardable", "Event " + id + " is " + n.status().wire()
                    + ": only a dead event, or one whose job waits in the queue, can be discarded.");
        }
    }

    private void count(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        List<FieldError> errors = new ArrayList<>();
        String status = Queries.string(req, "status").orElse(EventFilter.STATUS.wire());
        if (!EventFilter.STATUS.wire().equals(status)) {
            errors.add(new FieldError("status", "only dead events are counted for bulk actions"));
        }
        EventFilter filter = queryFilter(req, errors);
        if (!errors.isEmpty()) {
            throw new ApiException.BadRequest("invalid-query", "Invalid filter.", errors);
        }
        requirePayloadsFor(req, filter);
        EventFilter.Count c = jobs.count(t.id(), filter);
        Responses.json(res, Status.OK_200, new CountOut(status, filter.provider().map(Provider::wire).orElse(null),
                                                        filter.topic().orElse(null),
                                                        filter.receivedAfter().orElse(null),
                                                        filter.receivedBefore().orElse(null),
                                                        filter.text().orElse(null), c.count(), c.asOf()));
    }

    private void bulk(ServerRequest req, ServerResponse res, ResolvedTenant t, JobQueue.BulkAction action) {
        List<FieldError> errors = new ArrayList<>();
        Fields f = Fields.root(Bodies.json(req), BULK_FIELDS, errors);
        f.string("status", false, 20).ifPresent(s -> {
            if (!EventFilter.STATUS.wire().equals(s)) {
                f.error("status", "only dead events are discarded or replayed in bulk");
            }
        });
        EventFilter filter = new EventFilter(
                f.string("provider", false, 20).flatMap(p -> provider(p, errors)),
                f.string("topic", false, 200),
                f.parsed("received_after", false, 64, EventsService::instant),
                f.parsed("received_before", false, 64, EventsService::instant),
                f.string("q", false, 4 * EventFilter.TEXT_MAX).flatMap(v -> text(v, errors)));
        Optional<Instant> asOf = f.parsed("as_of", true, 64, EventsService::instant);
        Optional<Integer> expected = f.integer("expected_count", true, 0, Integer.MAX_VALUE);
        boolean dryRun = f.bool("dry_run", false).orElse(false);
        Fields.throwIfAny(errors);
        requirePayloadsFor(req, filter);
        String verb = action == JobQueue.BulkAction.DISCARD ? "discard" : "replay";
        JobQueue.BulkResult result = jobs.bulk(t.id(), filter, asOf.orElseThrow(), expected.orElseThrow(), action,
                                               dryRun);
        String target = "status=dead" + filter.describe() + " as_of=" + asOf.orElseThrow() + " expected_count="
                + expected.orElseThrow();
        switch (result) {
            case JobQueue.BulkResult.Done d -> {
                req.context().register(AuditLog.Note.on("events." + verb + (dryRun ? ".dry_run" : ""), t,
                                                        Optional.of("count=" + d.count() + " " + target
                                                                + d.batch().map(b -> " batch=" + b).orElse(""))));
                Responses.json(res, dryRun || action == JobQueue.BulkAction.DISCARD ? Status.OK_200
                                       : Status.ACCEPTED_202, new BulkOut(verb, d.count(), dryRun,
                                                                          d.batch().orElse(null)));
            }
            case JobQueue.BulkResult.Stale st -> {
                req.context().register(AuditLog.Note.on("events." + verb, t,
                                                        Optional.of("count=" + st.actual() + " " + target)));
                throw new ApiException.Conflict(
                        "stale-count", "The filter matches " + st.actual() + " dead events dead by as_of, not "
                        + expected.orElseThrow() + "; nothing was done. Count again and confirm the new count.",
                        List.of(new FieldError("expected_count", "the filter matches " + st.actual()
                                + " events now"), new FieldError("count", Integer.toString(st.actual()))));
            }
            case JobQueue.BulkResult.TooMany tm -> {
                req.context().register(AuditLog.Note.on("events." + verb, t, Optional.of(target)));
                throw new ApiException.BadRequest(
                        "too-many-events", "More than " + JobQueue.BULK_MAX + " events match; narrow the filter "
                        + "(received_before, received_after, provider, topic).",
                        List.of(new FieldError("expected_count", "at most " + JobQueue.BULK_MAX + " per call")));
            }
        }
    }

    private void batch(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        String raw = req.path().pathParameters().get("batch");
        UUID batch;
        try {
            batch = UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw batchNotFound();
        }
        if (!batch.toString().equalsIgnoreCase(raw)) {
            throw batchNotFound();
        }
        Responses.json(res, Status.OK_200, BatchOut.of(events.batch(t.id(), batch).orElseThrow(
                EventsService::batchNotFound)));
    }

    private static ApiException batchNotFound() {
        return new ApiException.NotFound("replay-not-found", "This tenant has no bulk replay with this id (or none"
                + " of its events is left: all past retention).");
    }

    private static Optional<Provider> provider(String p, List<FieldError> errors) {
        Optional<Provider> out = Provider.fromWire(p);
        if (out.isEmpty()) {
            errors.add(new FieldError("provider", "must be \"gorgias\" or \"shopify\""));
        }
        return out;
    }

    private static Optional<String> topic(String v, List<FieldError> errors) {
        if (v.length() > 200) {
            errors.add(new FieldError("topic", "at most 200 characters"));
            return Optional.empty();
        }
        return Optional.of(v);
    }

    private static Optional<Instant> instant(String name, String v, List<FieldError> errors) {
        Fields.Parsed<Instant> p = instant(v);
        if (p.error() != null) {
            errors.add(new FieldError(name, p.error()));
            return Optional.empty();
        }
        return Optional.of(p.value());
    }

    private static Fields.Parsed<Instant> instant(String v) {
        try {
            return Fields.Parsed.ok(Instant.parse(v));
        } catch (DateTimeParseException e) {
            return Fields.Parsed.fail("must be an RFC 3339 time in UTC, e.g. 2026-01-31T12:00:00Z");
        }
    }

    private static EventId eventId(ServerRequest req) {
        String raw = req.path().pathParameters().get("event_id");
        try {
            return EventId.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new ApiException.NotFound("event-not-found", "No such event.");
        }
    }

    private static ApiException notFound(EventId id) {
        return new ApiException.NotFound("event-not-found", "This tenant has no event " + id + ".");
    }

    private static String utf8(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
