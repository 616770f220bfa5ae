package io.tollgate.api;

import java.util.logging.LogManager;

/**
 * The JDK's log manager, except that the reset its own shutdown hook does (closing every handler) waits until
 * Tollgate's shutdown hook has logged its last line ({@link #shutdownComplete}). Without it the two hooks race and
 * "Tollgate stopped" / "embedded PostgreSQL stopped" are lost on SIGTERM. {@link Main} installs it before anything
 * logs, so the README's plain {@code java -jar} needs no flag.
 */
public final class ShutdownSafeLogManager extends LogManager {
    public ShutdownSafeLogManager() {
        super();
    }

    @Override
    public void reset() {
        if (shuttingDown()) {
            return; // done by shutdownComplete(), after the last line
        }
        super.reset();
    }

    /** Closes the handlers now that nothing is left to log. */
    public void shutdownComplete() {
        super.reset();
    }

    private static boolean shuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true; // hooks can no longer be added: the JVM is exiting
        }
    }
}
