package io.tollgate.tenant.db;

import io.helidon.dbclient.DbRow;
import io.tollgate.tenant.TenantId;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/** Typed reads of DbClient rows and JDBC-friendly parameters, in one place. */
public final class Rows {
    private Rows() {
    }

    public static String string(DbRow row, String column) {
        Object v = raw(row, column);
        return v == null ? null : v.toString();
    }

    public static Optional<String> optString(DbRow row, String column) {
        return Optional.ofNullable(string(row, column));
    }

    public static UUID uuid(DbRow row, String column) {
        Object v = raw(row, column);
        return v == null ? null : (v instanceof UUID u ? u : UUID.fromString(v.toString()));
    }

    public static int integer(DbRow row, String column) {
        return ((Number) raw(row, column)).intValue();
    }

    public static Optional<Integer> optInteger(DbRow row, String column) {
        Object v = raw(row, column);
        return v == null ? Optional.empty() : Optional.of(((Number) v).intValue());
    }

    public static long bigint(DbRow row, String column) {
        return ((Number) raw(row, column)).longValue();
    }

    public static Optional<Long> optBigint(DbRow row, String column) {
        Object v = raw(row, column);
        return v == null ? Optional.empty() : Optional.of(((Number) v).longValue());
    }

    public static byte[] bytes(DbRow row, String column) {
        return (byte[]) raw(row, column);
    }

    public static boolean bool(DbRow row, String column) {
        return (Boolean) raw(row, column);
    }

    public static Instant instant(DbRow row, String column) {
        return toInstant(column, raw(row, column));
    }

    public static Optional<Instant> optInstant(DbRow row, String column) {
        return Optional.ofNullable(toInstant(column, raw(row, column)));
    }

    /** The column's value, or null for SQL NULL (DbColumn.get() throws on NULL). */
    public static Object raw(DbRow row, String column) {
        return row.column(column).asOptional().orElse(null);
    }

    private static Instant toInstant(String column, Object v) {
        return switch (v) {
            case null -> null;
            case Timestamp ts -> ts.toInstant();
            case OffsetDateTime odt -> odt.toInstant();
            case Instant i -> i;
            default -> throw new IllegalStateException("column " + column + " is not a timestamp: " + v.getClass());
        };
    }

    /** An instant as a JDBC parameter PostgreSQL's driver accepts for timestamptz. */
    public static OffsetDateTime param(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    /** Tenant ids as one PostgreSQL array parameter, for {@code = ANY (?::uuid[])} or {@code unnest(?::uuid[])}. */
    public static String uuidArray(List<TenantId> tenants) {
        return tenants.stream().map(t -> t.value().toString()).collect(Collectors.joining(",", "{", "}"));
    }
}
