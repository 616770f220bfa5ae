package io.tollgate.api.observe;

import com.zaxxer.hikari.HikariPoolMXBean;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.tollgate.tenant.db.Database;

import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The pool's connections by state, as {@code tollgate_db_pool_connections{state="active"|"idle"|"pending"|"total"}}
 * ("pending" counts callers waiting for a connection).
 */
public final class PoolMetrics {
    private PoolMetrics() {
    }

    public static void register(MeterRegistry registry, Database db) {
        register(registry, db, "tollgate.db.pool.connections");
    }

    /** The admin API's own pool, as {@code tollgate_db_admin_pool_connections{state}}. */
    public static void registerAdmin(MeterRegistry registry, Database db) {
        register(registry, db, "tollgate.db.admin.pool.connections");
    }

    /** The worker's own pool, as {@code tollgate_db_worker_pool_connections{state}}. */
    public static void registerWorker(MeterRegistry registry, Database db) {
        register(registry, db, "tollgate.db.worker.pool.connections");
    }

    private static void register(MeterRegistry registry, Database db, String name) {
        gauge(registry, db, name, "active", HikariPoolMXBean::getActiveConnections);
        gauge(registry, db, name, "idle", HikariPoolMXBean::getIdleConnections);
        gauge(registry, db, name, "pending", HikariPoolMXBean::getThreadsAwaitingConnection);
        gauge(registry, db, name, "total", HikariPoolMXBean::getTotalConnections);
    }

    private static void gauge(MeterRegistry registry, Database db, String name, String state,
                              ToIntFunction<HikariPoolMXBean> read) {
        ProcessMeters.gauge(registry, name, "Database pool connections by state (" + db.name() + ")",
                            List.of(Tag.create("state", state)), () -> {
                                HikariPoolMXBean pool = db.poolStats();
                                return pool == null ? 0 : read.applyAsInt(pool);
                            });
    }
}
