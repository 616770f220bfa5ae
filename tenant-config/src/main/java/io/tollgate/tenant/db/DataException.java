package io.tollgate.tenant.db;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * Infrastructure errors translated at the repository boundary, cause kept. No {@link SQLException} goes further.
 */
public sealed class DataException extends RuntimeException
        permits DataException.Conflict, DataException.Unavailable, DataException.Fenced {

    private DataException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A unique constraint refused the write (SQLState 23505). */
    public static final class Conflict extends DataException {
        private final String constraint;

        Conflict(String constraint, Throwable cause) {
            super("unique constraint " + constraint + " refused the write", cause);
            this.constraint = constraint;
        }

        public String constraint() {
            return constraint;
        }
    }

    /** The database cannot be reached or answered too late: retry later. */
    public static final class Unavailable extends DataException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A transaction opened under a {@link Database#fenced fence} found the fence no longer holds (what the work read
     * before may be stale): nothing was written, the work should start again.
     */
    public static final class Fenced extends DataException {
        Fenced(String message) {
            super(message, null);
        }
    }

    /** Anything else that went wrong talking to the database. */
    static DataException failure(String message, Throwable cause) {
        return new DataException(message, cause);
    }

    /** Maps any exception thrown by JDBC, HikariCP or DbClient to this family. */
    public static DataException translate(RuntimeException e) {
        if (e instanceof DataException d) {
            return d;
        }
        return translateThrowable(e);
    }

    public static DataException translate(SQLException e) {
        return translateThrowable(e);
    }

    private static DataException translateThrowable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return new Unavailable("no database connection available", e);
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.equals("23505")) {
                    return new Conflict(constraintName(sql), e);
                }
                // 08: connection exception; 57P01-03: admin shutdown, crash shutdown, cannot connect now;
                // 53300: too many connections.
                if (state.startsWith("08") || state.startsWith("57P") || state.equals("53300")) {
                    return new Unavailable("database unavailable (SQLState " + state + ")", e);
                }
                // 57014: the statement was cancelled (its timeout passed); 55P03: a lock was not granted in time.
                // The database is alive but busy: retry later, like an outage.
                if (state.equals("57014") || state.equals("55P03")) {
                    return new Unavailable("the database did not answer in time (SQLState " + state + ")", e);
                }
            }
        }
        return failure("database error: " + e.getMessage(), e);
    }

    private static String constraintName(SQLException e) {
        if (e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null) {
            String c = p.getServerErrorMessage().getConstraint();
            if (c != null) {
                return c;
            }
        }
        return "unknown";
    }
}
