package io.tollgate.tenant.db;

import io.tollgate.tenant.Secret;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

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

    /** The URL with any password in it (user:password@ or a *password=... parameter) replaced by {@code ***}. */
    public String redactedUrl() {
        return redact(jdbcUrl);
    }

    static String redact(String url) {
        String s = USERINFO_PASSWORD.matcher(url).replaceFirst("$1***@");
        return PASSWORD_PARAM.matcher(s).replaceAll("$1***");
    }

    private static final Pattern USERINFO_PASSWORD = Pattern.compile("^(jdbc:postgresql://[^/?#@:]*:)[^/?#@]*@");
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)([?&][^=&]*password=)[^&]*");
}
