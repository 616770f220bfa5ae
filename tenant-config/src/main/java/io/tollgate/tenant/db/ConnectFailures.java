package io.tollgate.tenant.db;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;

/** Says in a few words why a connection could not be made, from the driver's SQLState and cause. */
final class ConnectFailures {
    private ConnectFailures() {
    }

    /**
     * E.g. {@code connection refused}, {@code database "x" does not exist},
     * {@code password authentication failed for user "y"}. One line; never contains the password.
     */
    static String describe(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("08")) { // connection exception: no answer from a PostgreSQL server
            Throwable root = rootCause(e);
            if (root instanceof ConnectException) {
                return "connection refused";
            }
            if (root instanceof UnknownHostException) {
                return "unknown host " + root.getMessage();
            }
            if (root instanceof SocketTimeoutException) {
                return "connection timed out";
            }
            if (root instanceof NoRouteToHostException) {
                return "no route to host";
            }
            return firstLine(root.getMessage() != null ? root.getMessage() : e.getMessage());
        }
        String server = serverMessage(e);
        if (state.equals("3D000") || state.startsWith("28")) { // missing database; authentication failed
            return server;
        }
        return server + (state.isEmpty() ? "" : " (SQLState " + state + ")");
    }

    private static String serverMessage(SQLException e) {
        if (e instanceof PSQLException p) {
            ServerErrorMessage m = p.getServerErrorMessage();
            if (m != null && m.getMessage() != null) {
                return firstLine(m.getMessage());
            }
        }
        return firstLine(e.getMessage());
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String firstLine(String s) {
        if (s == null || s.isBlank()) {
            return "unknown error";
        }
        String line = s.strip().lines().findFirst().orElse("");
        return line.startsWith("FATAL: ") ? line.substring("FATAL: ".length()) : line;
    }
}
