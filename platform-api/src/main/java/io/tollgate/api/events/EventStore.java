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
import java.util.ArrayList;
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

    /**
     * The most events one page of a text search ({@code q}) examines: a search of a tenant's events is a scan of its
     * newest events (no index can serve a substring of a body without costing every delivery), bounded so one page
     * answers within the console's budget whatever the tenant holds (docs/benchmarks.md).
     */
    public static final int SCAN_BUDGET = 5_000;
    /** Events read per statement of a text search; the time budget is looked at between two. */
    static final int SCAN_CHUNK = 200;
    /**
     * How long one page of a text search goes on reading: past it, no further chunk is read (one already started
     * finishes), so a page answers in about this much plus one chunk however slow the machine is.
     */
    public static final Duration SCAN_TIME = Duration.ofMillis(50);

    private final Database db;
    private final int scanBudget;
    private final Duration scanTime;

    public EventStore(Database db) {
        this(db, SCAN_BUDGET, SCAN_TIME);
    }

    /**
     * @param scanBudget the most events one page of a text search examines
     * @param scanTime   how long one page of a text search starts reading chunks
     */
    public EventStore(Database db, int scanBudget, Duration scanTime) {
        if (scanBudget < 1) {
            throw new IllegalArgumentException("scanBudget must be at least 1");
        }
        this.db = db;
        this.scanBudget = scanBudget;
        this.scanTime = java.util.Objects.requireNonNull(scanTime, "scanTime");
    }

    public record EventSummary(EventId id, Provider provider, Optional<String> topic, String deliveryKey,
                               byte[] payloadSha256, int sizeBytes, EventStatus status, Optional<String> error,
                               Instant receivedAt, Optional<Instant> processedAt) {
    }

    /**
     * An event's job: its status, the attempts run, the most it may run (the tenant's retry budget), when it runs
     * (next, or last), and the last error (the upstream's status or a reason written by the gateway, never a body).
     */
    public record JobState(JobStatus status, int attempts, int maxAttempts, Instant runAt,
                           Optional<String> lastError) {
    }

    public record EventDetail(EventSummary summary, Map<String, String> headers, byte[] body, Optional<JobState> job,
                              Optional<NoteState> note) {
    }

    /**
     * The internal note this event's job drafted (the note ledger's row reserved by the event): its state
     * ({@code pending}, {@code posted}, {@code failed}), Gorgias' id of the posted message, what drafted it, the text
     * (customer data: shown with the payloads scope only), when it was posted, and why the last attempt failed.
     */
    public record NoteState(String state, long ticketId, Optional<Long> upstreamMessageId,
                            Optional<String> draftSource, Optional<String> bodyText, Optional<Instant> postedAt,
                            Optional<String> error) {
    }

    /** The key of an event in the listing order (newest first): its {@code received_at}, then its id. */
    public record Key(Instant receivedAt, EventId id) {
    }

    /**
     * A page of a listing: the events found (up to the limit asked for), and, for a text search whose scan reached its
     * budget first, the key of the last event it examined ({@code scannedTo}: the next page continues after it).
     */
    public record Listed(List<EventSummary> events, Optional<Key> scannedTo) {
    }

    /**
     * Newest first, of one status or any, matching {@code filter}; {@code after} is the key of the last event of the
     * previous page (or where a limited scan stopped). A text match ({@code filter.text()}) reads the events matching
     * the rest of the filter in chunks of {@link #SCAN_CHUNK}, matching each body as it is read, until {@code limit}
     * are found, none are left, or the page has examined its budget of events or spent its time
     * ({@link #SCAN_BUDGET}, {@link #SCAN_TIME}; at least one chunk is always read): then the answer says where it
     * stopped.
     */
    public Listed list(TenantId tenant, Optional<EventStatus> status, EventFilter filter, int limit,
                       Optional<Key> after) {
        if (filter.text().isEmpty()) {
            return db.call(() -> {
                try (Stream<DbRow> rows = db.client().execute().query(scanSql(tenant, status, filter, false),
                                                                      scanParams(tenant, status, filter, after, limit)
                                                                              .toArray())) {
                    return new Listed(rows.map(EventStore::summary).toList(), Optional.empty());
                }
            });
        }
        long deadline = System.nanoTime() + scanTime.toNanos();
        List<EventSummary> found = new ArrayList<>();
        Optional<Key> from = after;
        int examined = 0;
        while (true) {
            int chunk = Math.min(SCAN_CHUNK, scanBudget - examined);
            Chunk c = chunk(tenant, status, filter, limit - found.size(), from, chunk);
            found.addAll(c.hits());
            examined += chunk;
            if (found.size() >= limit || c.last().isEmpty()) {
                // a full page says itself where the next one starts; a scan that reached the end says nothing
                return new Listed(found, Optional.empty());
            }
            from = c.last();
            if (examined >= scanBudget || System.nanoTime() >= deadline) {
                return new Listed(found, from);
            }
        }
    }

    /** What one chunk of a text search found, and the key of its last event when it read a whole chunk. */
    private record Chunk(List<EventSummary> hits, Optional<Key> last) {
    }

    /**
     * One statement of a text search: the next {@code size} events of the rest of the filter after {@code from},
     * numbered, each matched against the text as it is read; the outer LIMIT stops reading as soon as {@code need}
     * events are found, and the chunk's last event (hit or not) comes back too, to say where the next chunk starts.
     */
    private Chunk chunk(TenantId tenant, Optional<EventStatus> status, EventFilter filter, int need,
                        Optional<Key> from, int size) {
        String sql = """
                SELECT s.id, s.provider, s.topic, s.delivery_key, s.payload_sha256, s.size_bytes, s.status, s.error,
                       s.received_at, s.processed_at, s.hit, s.n
                  FROM (SELECT e.id, e.provider, e.topic, e.delivery_key, e.payload_sha256, e.size_bytes, e.status,
                               e.error, e.received_at, e.processed_at, %s AS hit,
                               row_number() OVER (ORDER BY e.received_at DESC, e.id DESC) AS n
                          FROM (%s) e) s
                 WHERE s.hit OR s.n = ?
                 ORDER BY s.received_at DESC, s.id DESC
                 LIMIT ?""".formatted(EventFilter.textSql(filter.text().get()), scanSql(tenant, status, filter, true));
        // the text's placeholder comes first in the statement (the matching SELECT's list), the inner scan's after it
        List<Object> params = new ArrayList<>();
        params.add(filter.text().get());
        params.addAll(scanParams(tenant, status, filter, from, size));
        params.add(size);
        params.add(need);
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query(sql, params.toArray())) {
                List<EventSummary> hits = new ArrayList<>();
                Optional<Key> last = Optional.empty();
                for (DbRow r : (Iterable<DbRow>) rows::iterator) {
                    EventSummary e = summary(r);
                    if (Rows.bool(r, "hit")) {
                        hits.add(e);
                    }
                    if (Rows.bigint(r, "n") == size) {
                        last = Optional.of(new Key(e.receivedAt(), e.id()));
                    }
                }
                return new Chunk(hits, last);
            }
        });
    }

    /** The newest events of the filter (without its text) after a key, up to a limit; with their bodies or not. */
    private static String scanSql(TenantId tenant, Optional<EventStatus> status, EventFilter filter, boolean body) {
        return "SELECT " + SUMMARY_COLUMNS + (body ? ", e.body" : "") + " FROM webhook_events e WHERE "
                + filter.where(tenant, status, false).sql() + """
                   AND (e.received_at, e.id) < (?, ?)
                ORDER BY e.received_at DESC, e.id DESC LIMIT ?""";
    }

    private static List<Object> scanParams(TenantId tenant, Optional<EventStatus> status, EventFilter filter,
                                           Optional<Key> after, int limit) {
        List<Object> params = new ArrayList<>(filter.where(tenant, status, false).params());
        params.add(Rows.param(after.map(Key::receivedAt).orElse(Instant.parse("9999-12-31T00:00:00Z"))));
        params.add(after.map(Key::id).map(EventId::value).orElse(new UUID(-1L, -1L)));
        params.add(limit);
        return params;
    }

    public Optional<EventDetail> get(TenantId tenant, EventId eventId) {
        return db.call(() -> db.client().execute().get(
                "SELECT " + SUMMARY_COLUMNS + """
                , e.headers::text AS headers, e.body,
                          coalesce(j.status, CASE WHEN e.job_finished_at IS NOT NULL THEN 'done' END) AS job_status,
                          coalesce(j.attempts, e.job_attempts, 0) AS attempts,
                          coalesce(j.run_at, e.job_finished_at) AS run_at,
                          CASE WHEN j.id IS NOT NULL THEN j.last_error ELSE e.job_last_error END AS last_error,
                          (SELECT t.retry_attempts FROM tenants t WHERE t.id = e.tenant_id) AS max_attempts,
                          n.state AS note_state, n.gorgias_ticket_id AS note_ticket_id,
                          n.upstream_message_id AS note_message_id,
                          n.draft_source AS note_draft_source, n.body_text AS note_body_text,
                          n.posted_at AS note_posted_at, n.error AS note_error
                FROM webhook_events e LEFT JOIN jobs j ON j.event_id = e.id AND j.tenant_id = e.tenant_id
                     LEFT JOIN notes n ON n.event_id = e.id AND n.tenant_id = e.tenant_id
                WHERE e.tenant_id = ? AND e.id = ?""", tenant.value(), eventId.value())
                .map(r -> new EventDetail(summary(r), headers(string(r, "headers")), bytes(r, "body"),
                                          optString(r, "job_status").map(js -> new JobState(
                                                  JobStatus.fromWire(js).orElseThrow(), integer(r, "attempts"),
                                                  integer(r, "max_attempts"), instant(r, "run_at"),
                                                  optString(r, "last_error"))),
                                          optString(r, "note_state").map(state -> new NoteState(
                                                  state, Rows.bigint(r, "note_ticket_id"),
                                                  optBigint(r, "note_message_id"),
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

    /**
     * Where the events of one bulk replay are now ({@link JobQueue#bulk} listed them in {@code replay_batches}):
     * how many there are, and how many wait in the queue (accepted: queued, retrying or deferred), run now, or ended
     * processed, skipped, dead or discarded. Counted from the batch's events still stored: a privacy erasure ends a
     * waiting one as skipped (still counted); one retention retired is no longer counted; one a later bulk replay
     * queued again counts in both batches, as it is now. {@code done} when none waits or runs.
     */
    public record BatchProgress(UUID batch, long count, long waiting, long running, long processed, long skipped,
                                long dead, long discarded) {
        public boolean done() {
            return waiting == 0 && running == 0;
        }
    }

    /** The progress of a tenant's bulk replay {@code batch}; empty when no stored event of this tenant is in it. */
    public Optional<BatchProgress> batch(TenantId tenant, UUID batch) {
        String sql = """
                SELECT count(*) AS n,
                       count(*) FILTER (WHERE status = %s) AS waiting,
                       count(*) FILTER (WHERE status = %s) AS running,
                       count(*) FILTER (WHERE status = %s) AS processed,
                       count(*) FILTER (WHERE status = %s) AS skipped,
                       count(*) FILTER (WHERE status = %s) AS dead,
                       count(*) FILTER (WHERE status = %s) AS discarded
                  FROM replay_batches b JOIN webhook_events e ON e.id = b.event_id AND e.tenant_id = b.tenant_id
                 WHERE b.tenant_id = ? AND b.batch = ?""".formatted(
                EventStatus.ACCEPTED.sql(), EventStatus.PROCESSING.sql(), EventStatus.PROCESSED.sql(),
                EventStatus.SKIPPED.sql(), EventStatus.DEAD.sql(), EventStatus.DISCARDED.sql());
        return db.call(() -> db.client().execute().get(sql, tenant.value(), batch))
                .filter(r -> Rows.bigint(r, "n") > 0)
                .map(r -> new BatchProgress(batch, Rows.bigint(r, "n"), Rows.bigint(r, "waiting"),
                                            Rows.bigint(r, "running"), Rows.bigint(r, "processed"),
                                            Rows.bigint(r, "skipped"), Rows.bigint(r, "dead"),
                                            Rows.bigint(r, "discarded")));
    }
}
