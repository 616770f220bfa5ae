package io.tollgate.api;

import io.helidon.logging.common.LogConfig;
import io.tollgate.api.config.AppConfig;
import io.tollgate.api.config.ConfigException;
import io.tollgate.api.local.LocalMode;

import java.util.Map;

/** Loads the configuration, starts local mode when no database is configured, and runs until SIGTERM. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        LogConfig.configureRuntime();
        Running running;
        try {
            running = boot(System.getenv());
        } catch (ConfigException e) {
            System.err.println("Tollgate cannot start: configuration error in " + e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(running::close, "tollgate-shutdown"));
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
     * @throws ConfigException naming the setting when one is missing or invalid
     */
    public static Running boot(Map<String, String> env) {
        AppConfig config = AppConfig.load(env);
        if (config.database().url().isPresent()) {
            return new Running(Tollgate.start(config), null);
        }
        LocalMode local = LocalMode.start(config);
        try {
            return new Running(Tollgate.start(local.config()), local);
        } catch (RuntimeException e) {
            local.close();
            throw e;
        }
    }
}
