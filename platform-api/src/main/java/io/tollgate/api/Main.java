package io.tollgate.api;

import io.helidon.logging.common.LogConfig;
import io.tollgate.api.config.AppConfig;
import io.tollgate.api.config.ConfigException;
import io.tollgate.api.local.EmbeddedPostgresPresence;
import io.tollgate.api.local.LocalMode;

import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.logging.LogManager;

/**
 * Loads the configuration, starts local mode when no database is configured, and runs until SIGTERM.
 * A start that fails prints one line saying why ({@code Tollgate cannot start: ...}) and exits non-zero:
 * 2 for a configuration error, 1 for anything else. The stack trace goes to the debug (FINE) log only.
 */
public final class Main {
    private static final String LOG_MANAGER = "java.util.logging.manager";

    private Main() {
    }

    public static void main(String[] args) {
        // First of all, before anything touches java.util.logging: the log manager that keeps its handlers until our
        // shutdown hook has logged its last line. An operator's own -Djava.util.logging.manager wins.
        if (System.getProperty(LOG_MANAGER) == null) {
            System.setProperty(LOG_MANAGER, ShutdownSafeLogManager.class.getName());
        }
        LogConfig.configureRuntime();
        Running running;
        try {
            running = boot(System.getenv());
        } catch (ConfigException e) {
            System.err.println("Tollgate cannot start: configuration error in " + e.getMessage());
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            System.Logger log = System.getLogger(Main.class.getName());
            log.log(Level.DEBUG, "start failed", e);
            System.err.println("Tollgate cannot start: " + reason(e));
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                running.close();
            } finally {
                if (LogManager.getLogManager() instanceof ShutdownSafeLogManager logs) {
                    logs.shutdownComplete();
                }
            }
        }, "tollgate-shutdown"));
    }

    /** One line: the message of a {@link StartupException}; for anything unforeseen, its message and root cause. */
    static String reason(RuntimeException e) {
        if (e instanceof StartupException) {
            return firstLine(e.getMessage());
        }
        String what = firstLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null && !what.contains(firstLine(root.getMessage()))) {
            what += " (" + firstLine(root.getMessage()) + ")";
        }
        return what;
    }

    private static String firstLine(String s) {
        return s.strip().lines().findFirst().orElse("");
    }

    /** A started gateway and, in local mode, the embedded database under it. */
    public record Running(Tollgate gateway, LocalMode local) implements AutoCloseable {
        @Override
        public void close() {
            try {
                gateway.close();
            } finally {
                if (local != null) {
                    local.close();
                }
            }
        }
    }

    /**
     * @throws ConfigException  naming the setting when one is missing or invalid
     * @throws StartupException saying in one line why the gateway cannot start (port taken, database unreachable,
     *                          another instance on the same data directory, no DATABASE_URL in a build without the
     *                          embedded PostgreSQL)
     */
    public static Running boot(Map<String, String> env) {
        AppConfig config = AppConfig.load(env);
        // before the database: a taken port is found in milliseconds, not after the embedded PostgreSQL started
        ListenPort.requireFree(config.server().host(), config.server().port());
        config.server().admin().ifPresent(a -> ListenPort.requireFreeAdmin(a.host(), a.port()));
        if (config.database().url().isPresent()) {
            return new Running(Tollgate.start(config), null);
        }
        // the image has no embedded PostgreSQL: say so before LocalMode (which needs it) is loaded
        EmbeddedPostgresPresence.require();
        LocalMode local = LocalMode.start(config);
        try {
            return new Running(Tollgate.start(local.config()), local);
        } catch (RuntimeException e) {
            local.close();
            throw e;
        }
    }
}
