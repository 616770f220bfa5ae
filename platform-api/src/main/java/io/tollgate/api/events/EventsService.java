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
import io.tollgate.api.input.Cursor;
import io.tollgate.api.input.Queries;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.ResolvedTenant;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

/** {@code /admin/tenants/{slug}/events/**}: a tenant's stored events, one event in full, and replaying one. */
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
                // the body is there only for a token with the payloads scope (see get)
                .add(Method.GET, "/tenants/{slug}/events/{event_id}", Scope.READ, tenants.of(this::get))
                .add(Method.POST, "/tenants/{slug}/events/{event_id}/replay", Scope.OPERATE, tenants.of(this::replay));
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
     * The internal note the event's job drafted for Gorgias, if it drafted one. Its text is the customer's data:
     * there only with the {@code payloads} scope, like the body.
     */
    public record NoteOut(String state, Long upstreamMessageId, String draftSource, String bodyText,
                          Instant postedAt, String error) {
        static NoteOut of(EventStore.NoteState n, boolean payloads) {
            return new NoteOut(n.state(), n.upstreamMessageId().orElse(null), n.draftSource().orElse(null),
                               payloads ? n.bodyText().orElse(null) : null, n.postedAt().orElse(null),
                               n.error().orElse(null));
        }
    }

    /** The answer to a replay. */
    public record ReplayOut(String status, UUID eventId) {
    }

    private void list(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        Optional<EventStatus> status = Queries.string(req, "status").map(s -> EventStatus.fromWire(s)
                .orElseThrow(() -> new ApiException.BadRequest("invalid-query", "Unknown event status.",
                                                               List.of(new FieldError("status", "must be one of "
                                                                       + Arrays.stream(EventStatus.values())
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

    private void get(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        EventId id = eventId(req);
        EventStore.EventDetail d = events.get(t.id(), id).orElseThrow(() -> notFound(id));
        Map<String, String> headers = new TreeMap<>();
        d.headers().forEach((k, v) -> headers.put(k, SENSITIVE_HEADER.matcher(k).find() ? "****" : v));
        boolean payloads = req.context().get(Operator.class).map(op -> op.may(Scope.PAYLOADS)).orElse(false);
        NoteOut note = d.note().map(n -> NoteOut.of(n, payloads)).orElse(null);
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
