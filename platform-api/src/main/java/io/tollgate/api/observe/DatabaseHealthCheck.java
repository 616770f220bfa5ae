package io.tollgate.api.observe;

import com.zaxxer.hikari.HikariPoolMXBean;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.tollgate.tenant.db.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Readiness: the database answers within the connect timeout. Down makes {@code /observe/health} answer 503.
 *
 * <p>The database is pinged through the admin pool, which ingress never uses: a database that is alive but whose
 * ingress connections are all stuck (a lock, slow statements) stays UP (200). Taking the instance out of rotation
 * would not help (every instance shares the database) and would cut operators off from the admin API they need to
 * act; instead the check says so: {@code "ingress":"saturated"}, the numbers, and a {@code "reason"} read from the
 * server's own activity (e.g. which table ingress statements wait to lock). Ingress meanwhile answers 503 with
 * Retry-After within each tenant's deadline.
 */
public final class DatabaseHealthCheck implements HealthCheck {
    /** Ingress's own statements: waiting for a lock (and on which tables), and the longest-running one. */
    private static final String ACTIVITY = """
            SELECT count(DISTINCT a.pid) FILTER (WHERE a.wait_event_type = 'Lock'),
                   string_agg(DISTINCT l.relation::regclass::text, ', '),
                   count(DISTINCT a.pid),
                   coalesce(max(extract(epoch FROM clock_timestamp() - a.query_start)), 0)
              FROM pg_stat_activity a
              LEFT JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted AND l.relation IS NOT NULL
             WHERE a.datname = current_database() AND a.application_name = ? AND a.state = 'active'""";

    private final Database db;
    private final Database admin;
    private final Supplier<IngressLoad> load;
    private final Duration stuckAfter;

    /**
     * @param db         the main pool (ingress)
     * @param admin      the admin API's pool, used to ping and to ask the server what ingress waits for
     * @param load       what ingress's database work looks like right now, read on every check
     * @param stuckAfter ingress work running longer than this counts as saturation
     */
    public DatabaseHealthCheck(Database db, Database admin, Supplier<IngressLoad> load, Duration stuckAfter) {
        this.db = db;
        this.admin = admin;
        this.load = load;
        this.stuckAfter = stuckAfter;
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return "db";
    }

    @Override
    public HealthCheckResponse call() {
        boolean up = admin.ping();
        HealthCheckResponse.Builder b = HealthCheckResponse.builder()
                .status(up ? HealthCheckResponse.Status.UP : HealthCheckResponse.Status.DOWN);
        HikariPoolMXBean pool = db.poolStats();
        boolean poolExhausted = false;
        if (pool != null) {
            poolExhausted = pool.getThreadsAwaitingConnection() > 0
                    && pool.getActiveConnections() >= db.settings().maxPoolSize();
            b.detail("active", pool.getActiveConnections())
                    .detail("idle", pool.getIdleConnections())
                    .detail("pending", pool.getThreadsAwaitingConnection())
                    .detail("max", db.settings().maxPoolSize());
        }
        HikariPoolMXBean adminPool = admin.poolStats();
        if (adminPool != null) {
            b.detail("admin_active", adminPool.getActiveConnections())
                    .detail("admin_idle", adminPool.getIdleConnections());
        }
        IngressLoad s = load.get();
        boolean saturated = s.saturated(stuckAfter) || poolExhausted;
        b.detail("ingress", saturated ? "saturated" : "ok")
                .detail("queued", s.queued())
                .detail("queue_max", s.queueMax())
                .detail("statements", s.statements())
                .detail("statements_max", s.statementsMax())
                .detail("longest_ms", s.oldest().toMillis())
                .detail("refused_busy", s.refused());
        if (saturated && up) {
            b.detail("reason", reason(s, poolExhausted));
        }
        return b.build();
    }

    private String reason(IngressLoad s, boolean poolExhausted) {
        String seconds = String.format(Locale.ROOT, "%.1f s", s.oldest().toMillis() / 1000.0);
        try (Connection c = admin.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(ACTIVITY)) {
            ps.setQueryTimeout(1);
            ps.setString(1, db.name());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                int waiting = rs.getInt(1);
                String tables = rs.getString(2);
                int active = rs.getInt(3);
                double longest = rs.getDouble(4);
                if (waiting > 0) {
                    return String.format(Locale.ROOT, "%d ingress statement(s) waiting for a lock%s, the longest"
                            + " for %.1f s", waiting, tables == null ? " held by another transaction"
                            : " on " + tables, longest);
                }
                if (active > 0) {
                    return String.format(Locale.ROOT, "%d ingress statement(s) running, the longest for %.1f s",
                                         active, longest);
                }
            }
        } catch (SQLException e) {
            // fall through to what this instance knows by itself
        }
        if (poolExhausted) {
            return "every ingress connection is in use and callers are waiting for one";
        }
        if (s.queued() >= s.queueMax()) {
            return "the write queue is full (" + s.queued() + " deliveries)";
        }
        if (s.oldest().compareTo(stuckAfter) > 0) {
            return "ingress database work has not finished for " + seconds;
        }
        return "deliveries were refused for want of the database within the last "
                + s.troubleWindow().toSeconds() + " s";
    }
}
