package io.tollgate.api.connect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.dbclient.DbRow;
import io.tollgate.api.http.Json;
import io.tollgate.api.input.StorableText;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.db.Rows;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.bigint;
import static io.tollgate.tenant.db.Rows.optInstant;
import static io.tollgate.tenant.db.Rows.optString;
import static io.tollgate.tenant.db.Rows.string;
import static io.tollgate.tenant.db.Rows.uuid;

/**
 * Table {@code connections}: per tenant and provider, what Tollgate registered upstream (ids), for which URL, and
 * whether it is known to work ({@link ConnectionStatus}). Every statement is scoped by the tenant id; the rows go with
 * the tenant ({@code ON DELETE CASCADE}).
 *
 * <p>{@code status_since} is when the status last changed (the console's "broken since"; {@code checked_at} moves on
 * every check). A row is created by the first {@link #lease} (status {@code unknown}); a lease keeps two connects of
 * one tenant and provider, on any instance, from both creating the same upstream object. {@link #record} ends the
 * lease.
 */
public final class ConnectionStore {
    /** The longest text kept in {@code reason}: the first failed step's upstream status and message. */
    static final int MAX_REASON = 1_000;

    /** How long a claimed check holds its row (pushes its next_check_at): longer than a check's upstream calls. */
    static final Duration CLAIM = Duration.ofMinutes(5);

    private final Database db;
    private final Duration checkInterval;

    public ConnectionStore(Database db) {
        this(db, CheckSettings.DEFAULT.interval());
    }

    /** @param checkInterval the drift check's interval: a connect places the first check uniformly within it */
    public ConnectionStore(Database db, Duration checkInterval) {
        this.db = Objects.requireNonNull(db, "db");
        this.checkInterval = Objects.requireNonNull(checkInterval, "checkInterval");
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

    /** The connections of several tenants (one statement; tenants without any are absent). */
    public Map<TenantId, Map<Provider, Connection>> all(List<TenantId> tenants) {
        if (tenants.isEmpty()) {
            return Map.of();
        }
        return db.call(() -> {
            Map<TenantId, Map<Provider, Connection>> out = new HashMap<>();
            try (Stream<DbRow> rows = db.client().execute().query("""
                    SELECT tenant_id, provider, status, reason, upstream_ids::text AS upstream_ids, webhook_url,
                           connected_at, checked_at
                    FROM connections WHERE tenant_id = ANY (?::uuid[])""", Rows.uuidArray(tenants))) {
                rows.forEach(r -> {
                    Connection c = connection(r);
                    out.computeIfAbsent(new TenantId(uuid(r, "tenant_id")), k -> new EnumMap<>(Provider.class))
                            .put(c.provider(), c);
                });
            }
            return out;
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
                SET status_since = CASE WHEN status = ? THEN status_since ELSE now() END,
                    status = ?, reason = ?, upstream_ids = ?::jsonb, webhook_url = ?, checked_at = now(),
                    connected_at = CASE WHEN ?::boolean THEN now() ELSE connected_at END, lease_until = NULL,
                    next_check_at = CASE WHEN ?::jsonb = '{}'::jsonb THEN NULL
                                         ELSE now() + random() * make_interval(secs => ?) END,
                    updated_at = clock_timestamp()
                WHERE tenant_id = ? AND provider = ?""",
                status.wire(), status.wire(), reason.map(ConnectionStore::storable).orElse(null), ids, webhookUrl,
                connected,
                ids, (double) checkInterval.toMillis() / 1000.0, tenant.value(), provider.wire()));
    }

    /**
     * A connection claimed for a drift check.
     *
     * @param version the row's {@code updated_at} after the claim: the result is recorded only while it is unchanged
     *                (a connect, a rotation or another check since then wins)
     */
    public record Due(TenantId tenant, Provider provider, Map<String, String> upstreamIds, Optional<String> webhookUrl,
                      String version) {
    }

    /**
     * Claims up to {@code limit} connections whose check is due (oldest first) by pushing their {@code next_check_at}
     * {@link #CLAIM} ahead, so no other instance checks them meanwhile and a check lost with its instance comes back.
     * Rows a connect holds (lease) are left for later.
     */
    public List<Due> claimDue(int limit) {
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query("""
                    WITH due AS (
                      SELECT tenant_id, provider FROM connections
                       WHERE next_check_at <= now() AND (lease_until IS NULL OR lease_until < now())
                       ORDER BY next_check_at LIMIT ?
                       FOR UPDATE SKIP LOCKED
                    )
                    UPDATE connections c SET next_check_at = now() + make_interval(secs => ?),
                                             updated_at = clock_timestamp()
                      FROM due WHERE c.tenant_id = due.tenant_id AND c.provider = due.provider
                    RETURNING c.tenant_id, c.provider, c.upstream_ids::text AS upstream_ids, c.webhook_url,
                              c.updated_at::text AS version""", limit, (double) CLAIM.toSeconds())) {
                return rows.map(r -> new Due(new TenantId(uuid(r, "tenant_id")),
                                             Provider.fromWire(string(r, "provider")).orElseThrow(),
                                             ids(r), optString(r, "webhook_url"), string(r, "version"))).toList();
            }
        });
    }

    /**
     * Records a drift check's finding and schedules the next check at {@code interval ± jitter}; false (nothing
     * written) when the row changed since it was claimed.
     *
     * @param status empty: the upstream could not say (timeout, 5xx, pacing) or the tenant is suspended; only the
     *               schedule moves (status, reason and checked_at stay as the last answer left them)
     */
    public boolean recordCheck(Due due, Optional<ConnectionStatus> status, Optional<String> reason) {
        double interval = (double) checkInterval.toMillis() / 1000.0;
        return db.call(() -> db.client().execute().update("""
                UPDATE connections
                SET status_since = CASE WHEN coalesce(?, status) = status THEN status_since ELSE now() END,
                    status = coalesce(?, status),
                    reason = CASE WHEN ?::text IS NULL THEN reason ELSE ? END,
                    checked_at = CASE WHEN ?::text IS NULL THEN checked_at ELSE now() END,
                    next_check_at = now() + make_interval(secs => ? * (1 + ? * (2 * random() - 1))),
                    updated_at = clock_timestamp()
                WHERE tenant_id = ? AND provider = ? AND updated_at::text = ?""",
                status.map(ConnectionStatus::wire).orElse(null),
                status.map(ConnectionStatus::wire).orElse(null),
                status.map(ConnectionStatus::wire).orElse(null),
                status.isEmpty() ? null : reason.map(ConnectionStore::storable).orElse(null),
                status.map(ConnectionStatus::wire).orElse(null),
                interval, CheckSettings.JITTER, due.tenant().value(), due.provider().wire(), due.version())) == 1;
    }

    /** Broken connections of active tenants per provider (both providers present), for the gauge. */
    public Map<Provider, Long> brokenCounts() {
        return db.call(() -> {
            Map<Provider, Long> out = new EnumMap<>(Provider.class);
            out.put(Provider.GORGIAS, 0L);
            out.put(Provider.SHOPIFY, 0L);
            try (Stream<DbRow> rows = db.client().execute().query(
                    """
                    SELECT c.provider, count(*) AS n FROM connections c JOIN tenants t ON t.id = c.tenant_id
                     WHERE c.status = 'broken' AND t.status = 'active' GROUP BY c.provider""")) {
                rows.forEach(r -> Provider.fromWire(string(r, "provider"))
                        .ifPresent(p -> out.put(p, bigint(r, "n"))));
            }
            return out;
        });
    }

    private static Map<String, String> ids(DbRow r) {
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
        return ids;
    }

    private static Connection connection(DbRow r) {
        return new Connection(Provider.fromWire(string(r, "provider")).orElseThrow(),
                              ConnectionStatus.fromWire(string(r, "status")), optString(r, "reason"), ids(r),
                              optString(r, "webhook_url"), optInstant(r, "connected_at"),
                              optInstant(r, "checked_at"));
    }

    private static String storable(String s) {
        return StorableText.sanitise(s, MAX_REASON);
    }
}
