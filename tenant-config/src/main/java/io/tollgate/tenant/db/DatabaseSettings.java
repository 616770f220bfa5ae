package io.tollgate.tenant.db;

import io.tollgate.tenant.Secret;

import java.time.Duration;
import java.util.Objects;

/**
 * How to reach PostgreSQL.
 *
 * @param jdbcUrl        {@code jdbc:postgresql://host:port/db}
 * @param user           database user
 * @param password       database password (may be empty)
 * @param maxPoolSize    HikariCP maximum pool size
 * @param connectTimeout how long a caller waits for a connection before the database counts as unreachable
 */
public record DatabaseSettings(String jdbcUrl, String user, Secret password, int maxPoolSize, Duration connectTimeout) {
    public DatabaseSettings {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
    }
}
