package io.tollgate.api.console;

import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.bigint;
import static io.tollgate.tenant.db.Rows.instant;
import static io.tollgate.tenant.db.Rows.optInstant;
import static io.tollgate.tenant.db.Rows.optString;
import static io.tollgate.tenant.db.Rows.param;
import static io.tollgate.tenant.db.Rows.string;
import static io.tollgate.tenant.db.Rows.uuid;

/**
 * The console's reads across the fleet. Each is one bounded transaction ({@link #LIMIT}): a locked or saturated
 * {@code webhook_events} makes the call a {@code 503} instead of holding an admin connection. Every per-tenant figure
 * is an index probe or an index range of that tenant (see docs/benchmarks.md, "Console"), so a page costs the same
 * with 10 or 10,000 tenants and nothing is written on the ingress path.
 */
public final class FleetStore {
    /** The longest a console read may take before it gives up. */
    static final Duration LIMIT = Duration.ofSeconds(5);

    /**
     * How long a computed list of silent connections is served again: silence is measured in hours
     * ({@code TOLLGATE_SILENCE_SECONDS}), and the list costs a probe per connection (20,000 at 10,000 tenants), so
     * consoles polling every few seconds share one computation a minute, as the gauge does ({@code SilenceWatch}).
     */
    static final Duration SILENT_REUSE = Duration.ofMinutes(1);

    private final Database db;
    private final Duration silence;
    /** The last silent list and when it was computed ({@link System#nanoTime}); null before the first. */
    private volatile Computed<Silent> lastSilent;

    private record Computed<T>(long atNanos, int cap, Capped<T> list) {
    }

    /** @param silence a connected tenant with no delivery of a provider for longer than this is silent */
    public FleetStore(Database db, Duration silence) {
        this.db = Objects.requireNonNull(db, "db");
        this.silence = Objects.requireNonNull(silence, "silence");
    }

    // --- attention ----------------------------------------------------------------------------------------------

    /** A list cut at its first {@code items}, with the length of the whole list. */
    public record Capped<T>(List<T> items, long total) {
    }

    public record Broken(String slug, String name, Provider provider, Optional<String> reason, Instant since) {
    }

    public record Silent(String slug, String name, Provider provider, Instant lastDeliveryAt) {
    }

    public record Dead(String slug, String name, long count) {
    }

    public record OpenRequest(String slug, String name, UUID id, Instant receivedAt, long ageSeconds) {
    }

    public record Queued(String slug, UUID eventId, Instant runAt, long ageSeconds) {
    }

    public record Attention(Capped<Broken> broken, Capped<Silent> silent, Capped<Dead> dead,
                            Capped<OpenRequest> openRequests, Optional<Queued> oldestQueued, Instant asOf) {
    }

    /**
     * What needs an operator now, each list worst first and cut at {@code cap}: broken connections of active tenants
     * (longest broken first), silent connections (as {@code tollgate_tenants_silent} counts them; longest silent
     * first; computed at most once per {@link #SILENT_REUSE}), tenants with dead events (most first), open data
     * requests (oldest first) and the queued job due longest ago.
     */
    public Attention attention(int cap) {
        return db.inBoundedTransaction(LIMIT, tx -> {
            Instant asOf = tx.get("SELECT now() AS now").map(r -> instant(r, "now")).orElseThrow();
            return new Attention(broken(tx, cap), silentReused(tx, cap), dead(tx, cap), openRequests(tx, cap),
                                 oldestQueued(tx), asOf);
        });
    }

    private static Capped<Broken> broken(DbTransaction tx, int cap) {
        // connections_broken_ix: only broken rows are read
        return capped(tx, """
                SELECT t.slug, t.name, c.provider, c.reason, c.status_since, count(*) OVER () AS total
                  FROM connections c JOIN tenants t ON t.id = c.tenant_id
                 WHERE c.status = 'broken' AND t.status = 'active'
                 ORDER BY c.status_since, t.slug, c.provider LIMIT ?""",
                r -> new Broken(string(r, "slug"), string(r, "name"), provider(r), optString(r, "reason"),
                                instant(r, "status_since")), cap);
    }

    /** The silent list computed within {@link #SILENT_REUSE}, or a new one. */
    private Capped<Silent> silentReused(DbTransaction tx, int cap) {
        Computed<Silent> last = lastSilent;
        long now = System.nanoTime();
        if (last != null && last.cap() == cap && now - last.atNanos() < SILENT_REUSE.toNanos()) {
            return last.list();
        }
        Capped<Silent> fresh = silent(tx, cap);
        lastSilent = new Computed<>(now, cap, fresh);
        return fresh;
    }

    private Capped<Silent> silent(DbTransaction tx, int cap) {
        // the silence gauge's own rule (SilenceWatch): one probe of webhook_events_last_delivery_ix per connection
        return capped(tx, """
                SELECT t.slug, t.name, c.provider, last.received_at, count(*) OVER () AS total
                  FROM connections c JOIN tenants t ON t.id = c.tenant_id
                  LEFT JOIN shopify_credentials s ON s.tenant_id = c.tenant_id
                 CROSS JOIN LATERAL (SELECT e.received_at FROM webhook_events e
                                      WHERE e.tenant_id = c.tenant_id AND e.provider = c.provider
                                      ORDER BY e.received_at DESC LIMIT 1) last
                 WHERE c.connected_at IS NOT NULL AND t.status = 'active'
                   AND NOT (c.provider = 'shopify' AND s.disabled_at IS NOT NULL)
                   AND last.received_at < now() - make_interval(secs => ?)
                 ORDER BY last.received_at, t.slug, c.provider LIMIT ?""",
                r -> new Silent(string(r, "slug"), string(r, "name"), provider(r), instant(r, "received_at")),
                (double) silence.toSeconds(), cap);
    }

    private static Capped<Dead> dead(DbTransaction tx, int cap) {
        // jobs_dead_ix holds only dead jobs, by tenant
        return capped(tx, """
                SELECT t.slug, t.name, d.n, count(*) OVER () AS total
                  FROM (SELECT tenant_id, count(*) AS n FROM jobs WHERE status = 'dead' GROUP BY tenant_id) d
                  JOIN tenants t ON t.id = d.tenant_id
                 ORDER BY d.n DESC, t.slug LIMIT ?""",
                r -> new Dead(string(r, "slug"), string(r, "name"), bigint(r, "n")), cap);
    }

    private static Capped<OpenRequest> openRequests(DbTransaction tx, int cap) {
        // data_requests_open_ix holds only open requests
        return capped(tx, """
                SELECT t.slug, t.name, d.id, d.received_at,
                       greatest(0, floor(EXTRACT(EPOCH FROM (now() - d.received_at))))::bigint AS age,
                       count(*) OVER () AS total
                  FROM data_requests d JOIN tenants t ON t.id = d.tenant_id
                 WHERE d.state = 'open'
                 ORDER BY d.received_at, d.id LIMIT ?""",
                r -> new OpenRequest(string(r, "slug"), string(r, "name"), uuid(r, "id"), instant(r, "received_at"),
                                     bigint(r, "age")), cap);
    }

    private static Optional<Queued> oldestQueued(DbTransaction tx) {
        // jobs_claim_ix: the first entry of the queue's own index
        return tx.get("""
                SELECT t.slug, j.event_id, j.run_at,
                       greatest(0, floor(EXTRACT(EPOCH FROM (now() - j.run_at))))::bigint AS age
                  FROM jobs j JOIN tenants t ON t.id = j.tenant_id
                 WHERE j.status = 'queued'
                 ORDER BY j.run_at LIMIT 1""")
                .map(r -> new Queued(string(r, "slug"), uuid(r, "event_id"), instant(r, "run_at"), bigint(r, "age")));
    }

    private static <T> Capped<T> capped(DbTransaction tx, String sql, java.util.function.Function<DbRow, T> item,
                                        Object... params) {
        List<T> items = new ArrayList<>();
        long[] total = {0};
        try (Stream<DbRow> rows = tx.query(sql, params)) {
            rows.forEach(r -> {
                items.add(item.apply(r));
                total[0] = bigint(r, "total");
            });
        }
        return new Capped<>(List.copyOf(items), total[0]);
    }

    private static Provider provider(DbRow r) {
        return Provider.fromWire(string(r, "provider")).orElseThrow();
    }

    // --- tenant summaries ---------------------------------------------------------------------------------------

    /** A tenant-level connection filter: any connection broken; some ok and none broken; neither ok nor broken. */
    public enum Health {
        OK("ok"), BROKEN("broken"), NONE("none");

        private final String wire;

        Health(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static Optional<Health> fromWire(String s) {
            for (Health h : values()) {
                if (h.wire.equals(s)) {
                    return Optional.of(h);
                }
            }
            return Optional.empty();
        }

        /** A provider's connection as the console shows it: a connect that never finished is {@code none}. */
        static Health of(Optional<String> stored) {
            return stored.map(s -> s.equals("ok") ? OK : s.equals("broken") ? BROKEN : NONE).orElse(NONE);
        }

        /** The filter, as SQL from literals only (never client text). */
        String sql() {
            return switch (this) {
                // the few broken tenants' ids read once (connections_broken_ix), then tested per tenant walked in
                // slug order: no index probe per tenant, whatever plan the statement gets
                case BROKEN -> " AND t.id = ANY (ARRAY(SELECT c.tenant_id FROM connections c"
                        + " WHERE c.status = 'broken'))";
                case OK -> " AND EXISTS (SELECT 1 FROM connections c WHERE c.tenant_id = t.id AND c.status = 'ok')"
                        + " AND NOT EXISTS (SELECT 1 FROM connections c WHERE c.tenant_id = t.id"
                        + " AND c.status = 'broken')";
                case NONE -> " AND NOT EXISTS (SELECT 1 FROM connections c WHERE c.tenant_id = t.id"
                        + " AND c.status IN ('ok', 'broken'))";
            };
        }
    }

    /**
     * Which tenants a page lists.
     *
     * @param query  a text the slug or the name contains, case-insensitively (a literal: no pattern)
     * @param status {@code active} or {@code suspended}
     */
    public record Filter(Optional<String> query, Optional<String> status, Optional<Health> health) {
    }

    /** The most deliveries of the last hour counted per tenant: a busy tenant's count stops there. */
    public static final long LAST_HOUR_CAP = 10_000;

    /** @param deliveriesLastHour at most {@link #LAST_HOUR_CAP}; {@code lastHourCapped}: there were more */
    public record Summary(TenantId id, String slug, String name, String status, Map<Provider, Health> connections,
                          Optional<String> reason, long deliveriesLastHour, boolean lastHourCapped,
                          Map<Provider, Instant> lastDelivery, long deadEvents) {
    }

    /**
     * Up to {@code limit} tenants after {@code afterSlug} in slug order, with their health. The page is found in
     * {@code tenants_slug_uq} (a search reads every tenant's {@code search_text}, its slug and name lowered once when
     * written, a few ms at 10,000 tenants); then, per
     * tenant of the page only, a primary-key probe per connection, one range of {@code webhook_events_tenant_time_ix}
     * for the last hour, one probe of {@code webhook_events_last_delivery_ix} per provider, and one range of
     * {@code jobs_dead_ix}.
     */
    public List<Summary> summaries(Filter filter, Optional<String> afterSlug, int limit) {
        // %s: the connection filter, from literals only (Health.sql)
        String sql = """
                WITH page AS (
                  SELECT t.id, t.slug, t.name, t.status FROM tenants t
                   WHERE t.slug > ?
                     AND (?::text IS NULL OR t.status = ?)
                     AND (?::text IS NULL OR strpos(t.search_text, lower(?)) > 0)%s
                   ORDER BY t.slug LIMIT ?
                )
                SELECT p.id, p.slug, p.name, p.status,
                       g.status AS gorgias_status, g.reason AS gorgias_reason,
                       s.status AS shopify_status, s.reason AS shopify_reason,
                       (SELECT count(*) FROM (SELECT 1 FROM webhook_events e
                                               WHERE e.tenant_id = p.id AND e.received_at >= now() - interval '1 hour'
                                               LIMIT 10001) x) AS last_hour,
                       (SELECT e.received_at FROM webhook_events e
                         WHERE e.tenant_id = p.id AND e.provider = 'gorgias'
                         ORDER BY e.received_at DESC LIMIT 1) AS gorgias_last,
                       (SELECT e.received_at FROM webhook_events e
                         WHERE e.tenant_id = p.id AND e.provider = 'shopify'
                         ORDER BY e.received_at DESC LIMIT 1) AS shopify_last,
                       (SELECT count(*) FROM jobs j WHERE j.tenant_id = p.id AND j.status = 'dead') AS dead
                  FROM page p
                  -- LIMIT 1 keeps each a probe of connections_pk per tenant of the page, also in a generic plan
                  LEFT JOIN LATERAL (SELECT c.status, c.reason FROM connections c
                                      WHERE c.tenant_id = p.id AND c.provider = 'gorgias' LIMIT 1) g ON true
                  LEFT JOIN LATERAL (SELECT c.status, c.reason FROM connections c
                                      WHERE c.tenant_id = p.id AND c.provider = 'shopify' LIMIT 1) s ON true
                 ORDER BY p.slug""".formatted(filter.health().map(Health::sql).orElse(""));
        String q = filter.query().orElse(null);
        String status = filter.status().orElse(null);
        return db.inBoundedTransaction(LIMIT, tx -> {
            try (Stream<DbRow> rows = tx.query(sql, afterSlug.orElse(""), status, status, q, q, limit)) {
                return rows.map(FleetStore::summary).toList();
            }
        });
    }

    private static Summary summary(DbRow r) {
        Map<Provider, Health> connections = new EnumMap<>(Provider.class);
        connections.put(Provider.GORGIAS, Health.of(optString(r, "gorgias_status")));
        connections.put(Provider.SHOPIFY, Health.of(optString(r, "shopify_status")));
        Optional<String> reason = connections.get(Provider.GORGIAS) == Health.BROKEN ? optString(r, "gorgias_reason")
                : connections.get(Provider.SHOPIFY) == Health.BROKEN ? optString(r, "shopify_reason")
                : Optional.empty();
        Map<Provider, Instant> last = new EnumMap<>(Provider.class);
        optInstant(r, "gorgias_last").ifPresent(at -> last.put(Provider.GORGIAS, at));
        optInstant(r, "shopify_last").ifPresent(at -> last.put(Provider.SHOPIFY, at));
        return new Summary(new TenantId(uuid(r, "id")), string(r, "slug"), string(r, "name"), string(r, "status"),
                           connections, reason, Math.min(LAST_HOUR_CAP, bigint(r, "last_hour")),
                           bigint(r, "last_hour") > LAST_HOUR_CAP, last, bigint(r, "dead"));
    }

    // --- one tenant's hours -------------------------------------------------------------------------------------

    /** The outcomes a chart shows; {@code processing} (a job running now) counts as {@code accepted}. */
    public static final List<String> OUTCOMES = List.of("accepted", "processed", "skipped", "dead", "rejected",
                                                        "discarded");

    /**
     * How long a tenant's computed hours are served again: a busy tenant's day is a range of every delivery it had
     * (about 0.3 s for 100,000), so consoles polling its page every few seconds share one computation per period.
     */
    static final Duration STATS_REUSE = Duration.ofSeconds(30);
    /** The most tenants' hours kept for reuse (least recently stored dropped first). */
    private static final int STATS_KEPT = 256;

    private record StatsKey(TenantId tenant, Instant from, int hours) {
    }

    private record ComputedHours(long atNanos, List<Hour> hours) {
    }

    private final Map<StatsKey, ComputedHours> lastStats = new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<StatsKey, ComputedHours> eldest) {
            return size() > STATS_KEPT;
        }
    };

    /** One hour: deliveries received in it by their status now, and notes posted in it. */
    public record Hour(Instant start, Map<String, Long> deliveries, long notesPosted) {
    }

    /**
     * The tenant's hours from {@code from} (an hour's start) for {@code hours} hours: one range of
     * {@code webhook_events_tenant_time_ix} grouped by hour and status, and one of {@code notes_posted_ix}; computed
     * at most once per {@link #STATS_REUSE} for the same tenant, start and hours.
     */
    public List<Hour> hours(TenantId tenant, Instant from, int hours) {
        StatsKey key = new StatsKey(tenant, from, hours);
        long now = System.nanoTime();
        synchronized (lastStats) {
            ComputedHours c = lastStats.get(key);
            if (c != null && now - c.atNanos() < STATS_REUSE.toNanos()) {
                return c.hours();
            }
        }
        List<Hour> fresh = computeHours(tenant, from, hours);
        synchronized (lastStats) {
            lastStats.put(key, new ComputedHours(now, fresh));
        }
        return fresh;
    }

    private List<Hour> computeHours(TenantId tenant, Instant from, int hours) {
        long first = from.getEpochSecond() / 3600;
        long[][] deliveries = new long[hours][OUTCOMES.size()];
        long[] notes = new long[hours];
        db.inBoundedTransaction(LIMIT, tx -> {
            try (Stream<DbRow> rows = tx.query("""
                    SELECT floor(EXTRACT(EPOCH FROM received_at) / 3600)::bigint AS h, status, count(*) AS n
                      FROM webhook_events WHERE tenant_id = ? AND received_at >= ?
                     GROUP BY 1, 2""", tenant.value(), param(from))) {
                rows.forEach(r -> {
                    int i = (int) (bigint(r, "h") - first);
                    String status = string(r, "status");
                    int o = OUTCOMES.indexOf(status.equals("processing") ? "accepted" : status);
                    if (i >= 0 && i < hours && o >= 0) {
                        deliveries[i][o] += bigint(r, "n");
                    }
                });
            }
            try (Stream<DbRow> rows = tx.query("""
                    SELECT floor(EXTRACT(EPOCH FROM posted_at) / 3600)::bigint AS h, count(*) AS n
                      FROM notes WHERE tenant_id = ? AND state = 'posted' AND posted_at >= ?
                     GROUP BY 1""", tenant.value(), param(from))) {
                rows.forEach(r -> {
                    int i = (int) (bigint(r, "h") - first);
                    if (i >= 0 && i < hours) {
                        notes[i] += bigint(r, "n");
                    }
                });
            }
            return null;
        });
        List<Hour> out = new ArrayList<>(hours);
        for (int i = 0; i < hours; i++) {
            Map<String, Long> byOutcome = new java.util.LinkedHashMap<>();
            for (int o = 0; o < OUTCOMES.size(); o++) {
                byOutcome.put(OUTCOMES.get(o), deliveries[i][o]);
            }
            out.add(new Hour(Instant.ofEpochSecond((first + i) * 3600), byOutcome, notes[i]));
        }
        return out;
    }
}
