package io.tollgate.api.connect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.dbclient.DbRow;
import io.tollgate.api.http.Json;
import io.tollgate.api.http.StorableText;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.optInstant;
import static io.tollgate.tenant.db.Rows.optString;
import static io.tollgate.tenant.db.Rows.string;

/**
 * Table {@code connections}: per tenant and provider, what Tollgate registered upstream (ids), for which URL, and
 * whether it is known to work ({@link ConnectionStatus}). Every statement is scoped by the tenant id; the rows go with
 * the tenant ({@code ON DELETE CASCADE}).
 *
 * <p>A row is created by the first {@link #lease} (status {@code unknown}); a lease keeps two connects of one tenant
 * and provider, on any instance, from both creating the same upstream object. {@link #record} ends the lease.
 */
public final class ConnectionStore {
    /** The longest text kept in {@code reason}: the first failed step's upstream status and message. */
    static final int MAX_REASON = 1_000;

    private final Database db;

    public ConnectionStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    /**
     * A tenant's connection to one provider.
     *
     * @param upstreamIds gorgias: {@code {"integration": "<id>"}}; shopify: {@code {"<TOPIC>": "<gid>", ...}}
     * @param webhookUrl  the URL they were registered for
     * @param connectedAt when a connect last fully succeeded
     * @param checkedAt   when an upstream last confirmed or refuted it
     */
    public record Connection(Provider provider, ConnectionStatus status, Optional<String> reason,
                             Map<String, String> upstreamIds, Optional<String> webhookUrl,
                             Optional<Instant> connectedAt, Optional<Instant> checkedAt) {
        public Connection {
            upstreamIds = Map.copyOf(upstreamIds);
        }

        /** Whether anything was registered upstream (what rotation and deletion act on). */
        public boolean registered() {
            return !upstreamIds.isEmpty();
        }
    }

    /** The tenant's connections, gorgias first. */
    public List<Connection> all(TenantId tenant) {
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query("""
                    SELECT provider, status, reason, upstream_ids::text AS upstream_ids, webhook_url, connected_at,
                           checked_at
                    FROM connections WHERE tenant_id = ? ORDER BY provider""", tenant.value())) {
                return rows.map(ConnectionStore::connection).toList();
            }
        });
    }

    public Optional<Connection> find(TenantId tenant, Provider provider) {
        return all(tenant).stream().filter(c -> c.provider() == provider).findFirst();
    }

    /**
     * Takes the (tenant, provider) lease for {@code duration}, creating the row when there is none; false while
     * another holds an unexpired lease.
     */
    public boolean lease(TenantId tenant, Provider provider, Duration duration) {
        return db.call(() -> db.client().execute().update("""
                INSERT INTO connections (tenant_id, provider, lease_until)
                VALUES (?, ?, now() + make_interval(secs => ?))
                ON CONFLICT (tenant_id, provider) DO UPDATE SET lease_until = EXCLUDED.lease_until, updated_at = now()
                WHERE connections.lease_until IS NULL OR connections.lease_until < now()""",
                tenant.value(), provider.wire(), (double) duration.toMillis() / 1000.0)) == 1;
    }

    /** Ends a lease without recording anything. */
    public void release(TenantId tenant, Provider provider) {
        db.call(() -> db.client().execute().update(
                "UPDATE connections SET lease_until = NULL WHERE tenant_id = ? AND provider = ?",
                tenant.value(), provider.wire()));
    }

    /**
     * Records what a connect (or a rotation's follow-through) found, as checked now, and ends the lease.
     *
     * @param connected true when every step succeeded: {@code connected_at} becomes now
     */
    public void record(TenantId tenant, Provider provider, ConnectionStatus status, Optional<String> reason,
                       Map<String, String> upstreamIds, String webhookUrl, boolean connected) {
        String ids = Json.MAPPER.valueToTree(new LinkedHashMap<>(upstreamIds)).toString();
        db.call(() -> db.client().execute().update("""
                UPDATE connections
                SET status = ?, reason = ?, upstream_ids = ?::jsonb, webhook_url = ?, checked_at = now(),
                    connected_at = CASE WHEN ?::boolean THEN now() ELSE connected_at END, lease_until = NULL,
                    updated_at = now()
                WHERE tenant_id = ? AND provider = ?""",
                status.wire(), reason.map(ConnectionStore::storable).orElse(null), ids, webhookUrl, connected,
                tenant.value(), provider.wire()));
    }

    private static Connection connection(DbRow r) {
        Map<String, String> ids = new LinkedHashMap<>();
        try {
            JsonNode node = Json.MAPPER.readTree(string(r, "upstream_ids"));
            node.properties().forEach(e -> {
                if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                    ids.put(e.getKey(), e.getValue().asText());
                }
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("connections.upstream_ids is not JSON", e);
        }
        return new Connection(Provider.fromWire(string(r, "provider")).orElseThrow(),
                              ConnectionStatus.fromWire(string(r, "status")), optString(r, "reason"), ids,
                              optString(r, "webhook_url"), optInstant(r, "connected_at"),
                              optInstant(r, "checked_at"));
    }

    private static String storable(String s) {
        return StorableText.sanitise(s, MAX_REASON);
    }
}
