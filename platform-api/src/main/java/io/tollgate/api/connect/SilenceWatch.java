package io.tollgate.api.connect;

import io.helidon.dbclient.DbRow;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.tollgate.api.observe.ProcessMeters;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.db.DataException;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.db.Rows;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * {@code tollgate_tenants_silent{provider}}: how many connected active tenants (a connect once fully succeeded; a
 * suspended tenant, or a shop that uninstalled the app, is silent by intent and not counted) had accepted
 * deliveries from the provider within the event retention but none for longer than the silence setting. One series
 * per provider, not per tenant: the alert says that some tenant went silent, {@code GET /admin/tenants} (its
 * {@code last_delivery_at}) says which. Sampled from the database at most once a minute: one probe of
 * {@code webhook_events_last_delivery_ix} per connection (its last delivery; none within the retention: not counted),
 * so its cost follows the number of connections, not the event rate (bench/connections.sh measures it).
 */
public final class SilenceWatch {
    public static final Duration EVERY = Duration.ofMinutes(1);
    /** The longest a sample waits for {@code webhook_events} (a lock held on it, a saturated database). */
    static final Duration LIMIT = Duration.ofSeconds(5);
    private static final System.Logger LOG = System.getLogger(SilenceWatch.class.getName());

    private final Database db;
    private final Duration silence;
    private final Duration every;
    private final AtomicReference<Map<Provider, Long>> silent;
    private volatile long lastNanos;
    private volatile boolean sampled;

    public SilenceWatch(Database db, Duration silence, MeterRegistry meters) {
        this(db, silence, meters, EVERY);
    }

    /** @param every how often to sample at most (a short drift-check interval samples as often, for tests) */
    public SilenceWatch(Database db, Duration silence, MeterRegistry meters, Duration every) {
        this.db = Objects.requireNonNull(db, "db");
        this.silence = Objects.requireNonNull(silence, "silence");
        this.every = every;
        AtomicReference<Map<Provider, Long>> silent = new AtomicReference<>(Map.of());
        this.silent = silent;
        for (Provider p : List.of(Provider.GORGIAS, Provider.SHOPIFY)) {
            ProcessMeters.gauge(meters, "tollgate.tenants.silent",
                                "Connected tenants with no accepted delivery from the provider for longer than "
                                        + "TOLLGATE_SILENCE_SECONDS (fleet-wide: aggregate with max)",
                                List.of(Tag.create("provider", p.wire())),
                                () -> (double) silent.get().getOrDefault(p, 0L));
        }
    }

    /** Samples when the last sample is older than the sampling period. */
    void sampleIfDue() {
        long now = System.nanoTime();
        if (!sampled || now - lastNanos >= every.toNanos()) {
            sample();
            lastNanos = now;
            sampled = true;
        }
    }

    /**
     * Counts silent tenants per provider now. Bounded by {@link #LIMIT}: when {@code webhook_events} cannot be read in
     * time (locked, saturated) the gauge keeps its last value and the next round tries again.
     */
    public Map<Provider, Long> sample() {
        Map<Provider, Long> out = new EnumMap<>(Provider.class);
        out.put(Provider.GORGIAS, 0L);
        out.put(Provider.SHOPIFY, 0L);
        try {
            db.inBoundedTransaction(LIMIT, tx -> {
                try (Stream<DbRow> rows = tx.query("""
                        SELECT c.provider, count(*) AS n
                          FROM connections c JOIN tenants t ON t.id = c.tenant_id
                          LEFT JOIN shopify_credentials s ON s.tenant_id = c.tenant_id
                         CROSS JOIN LATERAL (SELECT e.received_at FROM webhook_events e
                                              WHERE e.tenant_id = c.tenant_id AND e.provider = c.provider
                                              ORDER BY e.received_at DESC LIMIT 1) last
                         WHERE c.connected_at IS NOT NULL AND t.status = 'active'
                           AND NOT (c.provider = 'shopify' AND s.disabled_at IS NOT NULL)
                           AND last.received_at < now() - make_interval(secs => ?)
                         GROUP BY c.provider""", (double) silence.toSeconds())) {
                    rows.forEach(r -> Provider.fromWire(Rows.string(r, "provider"))
                            .ifPresent(p -> out.put(p, Rows.bigint(r, "n"))));
                }
                return null;
            });
        } catch (DataException.Unavailable e) {
            LOG.log(System.Logger.Level.WARNING, "silent tenants not counted within " + LIMIT.toSeconds()
                    + " s, the gauge keeps its last value: " + e.getMessage());
            return silent.get();
        }
        silent.set(Map.copyOf(out));
        return out;
    }
}
