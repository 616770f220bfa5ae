package io.tollgate.api.ingest;

import io.helidon.dbclient.DbRow;
import io.tollgate.api.http.Json;
import io.tollgate.tenant.db.Database;

import java.util.Optional;
import java.util.UUID;

import static io.tollgate.tenant.db.Rows.bool;
import static io.tollgate.tenant.db.Rows.uuid;

/**
 * The durable write behind every acknowledgement. One statement inserts the event and its job, or finds the first
 * copy: the unique key on (tenant, provider, delivery key) decides, across threads and instances.
 */
final class EventWriter {
    /**
     * Insert-or-find in one statement (one transaction): the job is enqueued only with a new event. The outer SELECT
     * sees the statement's snapshot, so when a concurrent copy committed between our snapshot and our insert it finds
     * nothing; {@link #FIND} (a new snapshot) covers that race.
     */
    static final String INSERT_OR_FIND = """
            WITH ins AS (
              INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, headers,
                                          status)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, 'accepted')
              ON CONFLICT (tenant_id, provider, delivery_key) DO NOTHING
              RETURNING id
            ), job AS (
              INSERT INTO jobs (id, tenant_id, event_id) SELECT ?, ?, id FROM ins
            )
            SELECT id, true AS inserted FROM ins
            UNION ALL
            SELECT id, false AS inserted FROM webhook_events
             WHERE tenant_id = ? AND provider = ? AND delivery_key = ? AND NOT EXISTS (SELECT 1 FROM ins)""";

    static final String FIND = """
            SELECT id, false AS inserted FROM webhook_events
             WHERE tenant_id = ? AND provider = ? AND delivery_key = ?""";

    static final String INSERT_REJECTED = """
            INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, headers,
                                        status, error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, 'rejected', ?)
            ON CONFLICT (tenant_id, provider, delivery_key) DO NOTHING""";

    private final Database db;

    EventWriter(Database db) {
        this.db = db;
    }

    /** The stored event: new ({@code inserted}) or the first copy of a duplicate. */
    record Stored(UUID eventId, boolean inserted) {
    }

    Stored insertOrFind(Delivery d) {
        UUID eventId = UUID.randomUUID();
        String provider = d.provider().wire();
        UUID tenant = d.tenant().value();
        Optional<Stored> stored = db.call(() -> db.client().execute().get(
                INSERT_OR_FIND, eventId, tenant, provider, d.topic().orElse(null), d.deliveryKey(), d.sha256(),
                d.body(), Json.MAPPER.valueToTree(d.headers()).toString(), UUID.randomUUID(), tenant,
                tenant, provider, d.deliveryKey()).map(EventWriter::stored));
        if (stored.isPresent()) {
            return stored.get();
        }
        return db.call(() -> db.client().execute().get(FIND, tenant, provider, d.deliveryKey())
                .map(EventWriter::stored)
                .orElseThrow(() -> new IllegalStateException("event vanished between insert and find")));
    }

    /** Keeps an authentic but unparseable body for operators (no job). */
    void storeRejected(Delivery d, String reason) {
        db.call(() -> db.client().execute().insert(
                INSERT_REJECTED, UUID.randomUUID(), d.tenant().value(), d.provider().wire(), d.topic().orElse(null),
                d.deliveryKey(), d.sha256(), d.body(), Json.MAPPER.valueToTree(d.headers()).toString(), reason));
    }

    private static Stored stored(DbRow r) {
        return new Stored(uuid(r, "id"), bool(r, "inserted"));
    }
}
