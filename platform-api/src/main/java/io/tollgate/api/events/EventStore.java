package io.tollgate.api.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.helidon.dbclient.DbRow;
import io.tollgate.api.http.Json;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.DataException;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.db.Rows;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.bytes;
import static io.tollgate.tenant.db.Rows.instant;
import static io.tollgate.tenant.db.Rows.integer;
import static io.tollgate.tenant.db.Rows.optBigint;
import static io.tollgate.tenant.db.Rows.optInstant;
import static io.tollgate.tenant.db.Rows.optString;
import static io.tollgate.tenant.db.Rows.raw;
import static io.tollgate.tenant.db.Rows.string;
import static io.tollgate.tenant.db.Rows.uuid;

/**
 * Stored webhook events as operators see them. Every query takes the tenant id first. Re-queueing an event is the
 * job queue's ({@link io.tollgate.api.events.JobQueue#replay}).
 */
public final class EventStore {
    private static final String SUMMARY_COLUMNS = """
            e.id, e.provider, e.topic, e.delivery_key, e.payload_sha256, octet_length(e.body) AS size_bytes,
            e.status, e.error, e.received_at, e.processed_at""";

    /** The longest an admin answer waits for the last deliveries before it leaves them out. */
    static final Duration LAST_DELIVERY_LIMIT = Duration.ofMillis(800);
    private static final System.Logger LOG = System.getLogger(EventStore.class.getName());

    private final Database db;

    public EventStore(Database db) {
        this.db = db;
    }

    public record EventSummary(EventId id, Provider provider, Optional<String> topic, String deliveryKey,
                               byte[] payloadSha256, int sizeBytes, EventStatus status, Optional<String> error,
                               Instant receivedAt, Optional<Instant> processedAt) {
    }

    public record JobState(JobStatus status, int attempts, Instant runAt, Optional<String> lastError) {
    }

    public record EventDetail(EventSummary summary, Map<String, String> headers, byte[] body, Optional<JobState> job,
                              Optional<NoteState> note) {
    }

    /**
     * The internal note this event's job drafted (the note ledger's row reserved by the event): its state
     * ({@code pending}, {@code posted}, {@code failed}), Gorgias' id of the posted message, what drafted it, the text
     * (customer data: shown with the payloads scope only), when it was posted, and why the last attempt failed.
     */
    public record NoteState(String state, Optional<Long> upstreamMessageId, Optional<String> draftSource,
                            Optional<String> bodyText, Optional<Instant> postedAt, Optional<String> error) {
    }

    /** Newest first; {@code after} is the (received_at, id) of the last event of the previous page. */
    public List<EventSummary> list(TenantId tenant, Optional<EventStatus> status, int limit,
                                   Optional<Map.Entry<Instant, EventId>> after) {
        Instant beforeTime = after.map(Map.Entry::getKey).orElse(Instant.parse("9999-12-31T00:00:00Z"));
        UUID beforeId = after.map(Map.Entry::getValue).map(EventId::value).orElse(new UUID(-1L, -1L));
        // The status is a literal from the enum, never client text, so the planner can match the partial index of
        // dead and rejected events.
        String statusFilter = status.map(s -> " AND e.status = " + s.sql()).orElse("");
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query(
                    "SELECT " + SUMMARY_COLUMNS + " FROM webhook_events e WHERE e.tenant_id = ?" + statusFilter + """
                       AND (e.received_at, e.id) < (?, ?)
                    ORDER BY e.received_at DESC, e.id DESC LIMIT ?""",
                    tenant.value(), io.tollgate.tenant.db.Rows.param(beforeTime), beforeId, limit)) {
                return rows.map(EventStore::summary).toList();
            }
        });
    }

    public Optional<EventDetail> get(TenantId tenant, EventId eventId) {
        return db.call(() -> db.client().execute().get(
                "SELECT " + SUMMARY_COLUMNS + """
                , e.headers::text AS headers, e.body,
                          coalesce(j.status, CASE WHEN e.job_finished_at IS NOT NULL THEN 'done' END) AS job_status,
                          coalesce(j.attempts, e.job_attempts, 0) AS attempts,
                          coalesce(j.run_at, e.job_finished_at) AS run_at,
                          CASE WHEN j.id IS NOT NULL THEN j.last_error ELSE e.job_last_error END AS last_error,
                          n.state AS note_state, n.upstream_message_id AS note_message_id,
                          n.draft_source AS note_draft_source, n.body_text AS note_body_text,
                          n.posted_at AS note_posted_at, n.error AS note_error
                FROM webhook_events e LEFT JOIN jobs j ON j.event_id = e.id AND j.tenant_id = e.tenant_id
                     LEFT JOIN notes n ON n.event_id = e.id AND n.tenant_id = e.tenant_id
                WHERE e.tenant_id = ? AND e.id = ?""", tenant.value(), eventId.value())
                .map(r -> new EventDetail(summary(r), headers(string(r, "headers")), bytes(r, "body"),
                                          optString(r, "job_status").map(js -> new JobState(
                                                  JobStatus.fromWire(js).orElseThrow(), integer(r, "attempts"),
                                                  instant(r, "run_at"), optString(r, "last_error"))),
                                          optString(r, "note_state").map(state -> new NoteState(
                                                  state, optBigint(r, "note_message_id"),
                                                  optString(r, "note_draft_source"), optString(r, "note_body_text"),
                                                  optInstant(r, "note_posted_at"), optString(r, "note_error"))))));
    }

    /** What a job needs of the tenant's event (what the worker reads); empty when it is gone. */
    public Optional<StoredEvent> stored(TenantId tenant, EventId eventId) {
        return db.call(() -> db.client().execute().get(
                        "SELECT provider, topic, body FROM webhook_events WHERE tenant_id = ? AND id = ?",
                        tenant.value(), eventId.value())
                .map(r -> new StoredEvent(Provider.fromWire(string(r, "provider")).orElseThrow(),
                                                       optString(r, "topic"), bytes(r, "body"))));
    }

    private static EventSummary summary(DbRow r) {
        return new EventSummary(new EventId(uuid(r, "id")), Provider.fromWire(string(r, "provider")).orElseThrow(),
                                optString(r, "topic"), string(r, "delivery_key"), (byte[]) raw(r, "payload_sha256"),
                                integer(r, "size_bytes"), EventStatus.fromWire(string(r, "status")).orElseThrow(),
                                optString(r, "error"), instant(r, "received_at"), optInstant(r, "processed_at"));
    }

    private static Map<String, String> headers(String json) {
        try {
            return Json.MAPPER.readValue(json, new TypeReference<Map<String, String>>() { });
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }

    /**
     * When each tenant's last delivery per provider was accepted (within the retention): two probes of
     * {@code webhook_events_last_delivery_ix} per tenant, nothing written on the ingress path. Bounded by
     * {@link #LAST_DELIVERY_LIMIT}: empty when the table could not be read in time (a lock held on it, a saturated
     * database), so an operator's answer never waits behind ingress's trouble.
     */
    public Optional<Map<TenantId, Map<Provider, Instant>>> lastDeliveries(List<TenantId> tenants) {
        if (tenants.isEmpty()) {
            return Optional.of(Map.of());
        }
        try {
            return Optional.of(db.inBoundedTransaction(LAST_DELIVERY_LIMIT, tx -> {
                Map<TenantId, Map<Provider, Instant>> out = new HashMap<>();
                try (Stream<DbRow> rows = tx.query("""
                        SELECT t.id AS tenant_id, p.provider,
                               (SELECT e.received_at FROM webhook_events e
                                 WHERE e.tenant_id = t.id AND e.provider = p.provider
                                 ORDER BY e.received_at DESC LIMIT 1) AS last_at
                          FROM unnest(?::uuid[]) AS t(id) CROSS JOIN (VALUES ('gorgias'), ('shopify')) AS p(provider)""",
                        Rows.uuidArray(tenants))) {
                    rows.forEach(r -> optInstant(r, "last_at").ifPresent(at -> out
                            .computeIfAbsent(new TenantId(uuid(r, "tenant_id")), k -> new EnumMap<>(Provider.class))
                            .put(Provider.fromWire(string(r, "provider")).orElseThrow(), at)));
                }
                return out;
            }));
        } catch (DataException.Unavailable e) {
            LOG.log(System.Logger.Level.WARNING, "last deliveries not read within " + LAST_DELIVERY_LIMIT.toMillis()
                    + " ms, left out of the answer: " + e.getMessage());
            return Optional.empty();
        }
    }
}
