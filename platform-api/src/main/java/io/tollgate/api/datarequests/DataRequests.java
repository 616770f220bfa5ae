package io.tollgate.api.datarequests;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;
import io.tollgate.api.http.Json;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.instant;
import static io.tollgate.tenant.db.Rows.optInstant;
import static io.tollgate.tenant.db.Rows.optString;
import static io.tollgate.tenant.db.Rows.param;
import static io.tollgate.tenant.db.Rows.string;
import static io.tollgate.tenant.db.Rows.uuid;

/**
 * The {@code data_requests} table: opening a request when its event is processed (with its document), listing and
 * reading a tenant's requests, marking one delivered, and the fleet-wide count of open ones. Every query about a
 * request takes the tenant id first.
 */
public final class DataRequests {
    private static final String COLUMNS = """
            id, event_id, shopify_request_id::text AS shopify_request_id, customer_id::text AS customer_id, state,
            received_at, delivered_at, delivered_by""";

    private final Database db;

    public DataRequests(Database db) {
        this.db = db;
    }

    /** One request without its document. Shopify's ids are strings (64-bit). */
    public record Summary(UUID id, EventId eventId, Optional<String> shopifyRequestId, Optional<String> customerId,
                          DataRequestState state, Instant receivedAt, Optional<Instant> deliveredAt,
                          Optional<String> deliveredBy) {
    }

    /** One request with its document. */
    public record Detail(Summary summary, JsonNode document) {
    }

    /** The request of an event: {@code opened} false when it existed already (a retry, a replay, a resend). */
    public record Opened(UUID id, boolean opened) {
    }

    /** The request marked delivered: {@code now} false when it already was (the first delivery's time stays). */
    public record Delivered(Summary request, boolean now) {
    }

    /** The open requests of the whole fleet: how many, and the age of the oldest (0 when none). */
    public record Open(long count, double oldestSeconds) {
    }

    /**
     * The request stored as {@code event}: assembles the document and stores it as an open request, in one
     * transaction, unless the tenant already has the request of this event or of this Shopify request id (then that
     * one, unchanged: a retry, a replay or a resend never opens a second request nor rewrites the first).
     */
    public Opened open(TenantId tenant, EventId event, Subject subject) {
        return db.inTransaction(tx -> {
            Optional<UUID> existing = existing(tx, tenant, event, subject);
            if (existing.isPresent()) {
                return new Opened(existing.get(), false);
            }
            String document = CustomerDocument.assemble(tx, tenant, event, subject).toString();
            Optional<UUID> inserted = tx.get("""
                    INSERT INTO data_requests (id, tenant_id, event_id, shopify_request_id, customer_id, document)
                    VALUES (?, ?, ?, ?::bigint, ?::bigint, ?::jsonb)
                    ON CONFLICT DO NOTHING RETURNING id""",
                    UUID.randomUUID(), tenant.value(), event.value(), subject.shopifyRequestId().orElse(null),
                    subject.customerId().orElse(null), document).map(r -> uuid(r, "id"));
            // a concurrent run of the same request committed first: its row is the request
            return inserted.map(id -> new Opened(id, true))
                    .orElseGet(() -> new Opened(existing(tx, tenant, event, subject).orElseThrow(), false));
        });
    }

    private static Optional<UUID> existing(DbTransaction tx, TenantId tenant, EventId event, Subject subject) {
        Long shopifyId = subject.shopifyRequestId().orElse(null);
        return tx.get("""
                SELECT id FROM data_requests
                 WHERE tenant_id = ? AND (event_id = ? OR (?::bigint IS NOT NULL AND shopify_request_id = ?::bigint))
                 ORDER BY received_at LIMIT 1""", tenant.value(), event.value(), shopifyId, shopifyId)
                .map(r -> uuid(r, "id"));
    }

    /** Newest first; {@code after} is the (received_at, id) of the last request of the previous page. */
    public List<Summary> list(TenantId tenant, Optional<DataRequestState> state, int limit,
                              Optional<Map.Entry<Instant, UUID>> after) {
        Instant beforeTime = after.map(Map.Entry::getKey).orElse(Instant.parse("9999-12-31T00:00:00Z"));
        UUID beforeId = after.map(Map.Entry::getValue).orElse(new UUID(-1L, -1L));
        // the state is a literal from the enum, never client text
        String stateFilter = state.map(s -> " AND state = " + s.sql()).orElse("");
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query(
                    "SELECT " + COLUMNS + " FROM data_requests WHERE tenant_id = ?" + stateFilter + """
                       AND (received_at, id) < (?, ?)
                    ORDER BY received_at DESC, id DESC LIMIT ?""",
                    tenant.value(), param(beforeTime), beforeId, limit)) {
                return rows.map(DataRequests::summary).toList();
            }
        });
    }

    public Optional<Detail> get(TenantId tenant, UUID id) {
        return db.call(() -> db.client().execute().get(
                        "SELECT " + COLUMNS + ", document::text AS document FROM data_requests"
                                + " WHERE tenant_id = ? AND id = ?", tenant.value(), id)
                .map(r -> new Detail(summary(r), json(string(r, "document")))));
    }

    /**
     * Marks the tenant's request delivered by {@code by} (the operator token's name), once: marking it again changes
     * nothing. Empty when the tenant has no such request.
     */
    public Optional<Delivered> deliver(TenantId tenant, UUID id, String by) {
        return db.inTransaction(tx -> {
            Optional<Summary> now = tx.get("UPDATE data_requests SET state = 'delivered', delivered_at = now(),"
                                                   + " delivered_by = ? WHERE tenant_id = ? AND id = ?"
                                                   + " AND state = 'open' RETURNING " + COLUMNS,
                                           by, tenant.value(), id).map(DataRequests::summary);
            if (now.isPresent()) {
                return Optional.of(new Delivered(now.get(), true));
            }
            return tx.get("SELECT " + COLUMNS + " FROM data_requests WHERE tenant_id = ? AND id = ?",
                          tenant.value(), id).map(r -> new Delivered(summary(r), false));
        });
    }

    /** The open requests of every tenant (the gauges' source). */
    public Open openNow() {
        return db.call(() -> db.client().execute().get("""
                        SELECT count(*) AS n,
                               coalesce(EXTRACT(EPOCH FROM (now() - min(received_at))), 0)::float8 AS oldest
                          FROM data_requests WHERE state = 'open'""")
                .map(r -> new Open(r.column("n").getLong(), Math.max(0, r.column("oldest").getDouble())))
                .orElse(new Open(0, 0)));
    }

    private static Summary summary(DbRow r) {
        return new Summary(uuid(r, "id"), new EventId(uuid(r, "event_id")), optString(r, "shopify_request_id"),
                           optString(r, "customer_id"),
                           DataRequestState.fromWire(string(r, "state")).orElseThrow(), instant(r, "received_at"),
                           optInstant(r, "delivered_at"), optString(r, "delivered_by"));
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored document is not JSON", e);
        }
    }
}
