package io.tollgate.api.observe;

import com.zaxxer.hikari.HikariPoolMXBean;
import io.helidon.metrics.api.Gauge;
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
        gauge(registry, db, "active", HikariPoolMXBean::getActiveConnections);
        gauge(registry, db, "idle", HikariPoolMXBean::getIdleConnections);
        gauge(registry, db, "pending", HikariPoolMXBean::getThreadsAwaitingConnection);
        gauge(registry, db, "total", HikariPoolMXBean::getTotalConnections);
    }

    private static void gauge(MeterRegistry registry, Database db, String state, ToIntFunction<HikariPoolMXBean> read) {
        registry.getOrCreate(Gauge.builder("tollgate.db.pool.connections", db, d -> {
                    HikariPoolMXBean pool = d.poolStats();
                    return pool == null ? 0 : read.applyAsInt(pool);
                })
                .description("Database pool connections by state")
                .tags(List.of(Tag.create("state", state))));
    }
}
