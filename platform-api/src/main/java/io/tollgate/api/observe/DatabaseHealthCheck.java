package io.tollgate.api.observe;

import com.zaxxer.hikari.HikariPoolMXBean;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.tollgate.tenant.db.Database;

/** Readiness: the database answers within the connect timeout. Down makes {@code /observe/health} answer 503. */
public final class DatabaseHealthCheck implements HealthCheck {
    private final Database db;

    public DatabaseHealthCheck(Database db) {
        this.db = db;
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
        boolean up = db.ping();
        HealthCheckResponse.Builder b = HealthCheckResponse.builder()
                .status(up ? HealthCheckResponse.Status.UP : HealthCheckResponse.Status.DOWN);
        HikariPoolMXBean pool = db.poolStats();
        if (pool != null) {
            b.detail("active", pool.getActiveConnections())
                    .detail("idle", pool.getIdleConnections())
                    .detail("pending", pool.getThreadsAwaitingConnection());
        }
        return b.build();
    }
}
