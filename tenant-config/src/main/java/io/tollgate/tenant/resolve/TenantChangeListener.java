package io.tollgate.tenant.resolve;

import io.tollgate.tenant.db.Database;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;

/**
 * Listens on PostgreSQL channel {@value #CHANNEL} (fed by triggers on tenants, credentials and secrets) and drops
 * changed tenants from the resolver's cache, so a change made on any instance is seen on every instance. While the
 * connection is lost nothing can be trusted: the whole cache is dropped on every reconnect.
 */
public final class TenantChangeListener implements AutoCloseable {
    public static final String CHANNEL = "tollgate_tenant_changed";
    private static final System.Logger LOG = System.getLogger(TenantChangeListener.class.getName());
    private static final int POLL_MILLIS = 500;

    private final Database db;
    private final TenantResolver resolver;
    private final Duration retryDelay;
    private final Consumer<String> changedSlugs;
    private final CountDownLatch firstListen = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile Connection connection;
    private volatile String lastNotice;
    private final Thread thread;

    private TenantChangeListener(Database db, TenantResolver resolver, Duration retryDelay,
                                 Consumer<String> changedSlugs) {
        this.db = db;
        this.resolver = resolver;
        this.retryDelay = retryDelay;
        this.changedSlugs = changedSlugs;
        this.thread = Thread.ofPlatform().daemon().name("tollgate-tenant-listener").unstarted(this::run);
    }

    /** Starts listening and waits (up to {@code waitUp}) until the first LISTEN is in place. */
    public static TenantChangeListener start(Database db, TenantResolver resolver, Duration waitUp) {
        return start(db, resolver, waitUp, slug -> { });
    }

    /**
     * Like {@link #start(Database, TenantResolver, Duration)}, and hands {@code changedSlugs} the slug of each tenant
     * row created, changed or deleted on any instance (after the resolver has dropped it). It runs on the listener's
     * thread: it must be quick and must not throw.
     */
    public static TenantChangeListener start(Database db, TenantResolver resolver, Duration waitUp,
                                             Consumer<String> changedSlugs) {
        TenantChangeListener l = new TenantChangeListener(db, resolver, Duration.ofSeconds(1), changedSlugs);
        l.thread.start();
        try {
            if (!l.firstListen.await(waitUp.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(Level.WARNING, "tenant change listener not connected yet; retrying in the background");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return l;
    }

    private void run() {
        while (running) {
            try (Connection c = db.openDedicatedConnection()) {
                connection = c;
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + CHANNEL);
                }
                // Anything may have changed while we were not listening.
                resolver.invalidateAll();
                firstListen.countDown();
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notes = pg.getNotifications(POLL_MILLIS);
                    if (notes != null) {
                        for (PGNotification n : notes) {
                            resolver.invalidate(n.getParameter());
                            slugOf(n.getParameter()).ifPresent(changedSlugs);
                            lastNotice = n.getParameter();
                        }
                    }
                }
            } catch (SQLException e) {
                if (running) {
                    resolver.invalidateAll();
                    LOG.log(Level.WARNING, "tenant change listener lost its connection (" + e.getSQLState()
                            + "); retrying in " + retryDelay.toMillis() + " ms");
                    sleep(retryDelay);
                }
            } catch (RuntimeException e) {
                if (running) {
                    LOG.log(Level.ERROR, "tenant change listener failed; restarting", e);
                    sleep(retryDelay);
                }
            } finally {
                connection = null;
            }
        }
    }

    /** A tenant row's notice is {@code "<id> <slug>"}; a credentials' or secrets' is the id alone. */
    private static Optional<String> slugOf(String notice) {
        String[] parts = notice.strip().split(" ", 2);
        return parts.length == 2 ? Optional.of(parts[1]) : Optional.empty();
    }

    /**
     * The payload of the last notice handled. PostgreSQL delivers notices in commit order, so once a notice sent
     * after some change is seen here, that change's own notices have been handled too.
     */
    public String lastNotice() {
        return lastNotice;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
