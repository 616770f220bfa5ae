package io.tollgate.api.worker;

import io.tollgate.tenant.db.Database;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * This process's hold on its instance id ({@code TOLLGATE_INSTANCE_ID}), so that one instance id is one live worker at
 * a time: a PostgreSQL session advisory lock on the id, held on a connection of its own (outside the pools) for as
 * long as the worker runs. The database ends the lock with that session, so a process that dies (SIGKILL, OOM) frees
 * its id as soon as its connection closes, and the same id started again takes it and may take back what the dead one
 * left ({@code JobQueue.resume}).
 *
 * <p>When another live process holds the id (two processes configured with the same {@code TOLLGATE_INSTANCE_ID}, or
 * the default host name and port repeated across hosts), this one is told so ({@link #resumes} false, logged as an
 * error) and runs under an id of its own ({@link #id}: the configured one with a random suffix): it takes nothing
 * back at its start, and no restart of the other can take back its jobs or note holds.
 */
public final class InstanceLock implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(InstanceLock.class.getName());

    /** The first key of the instance locks (the second: a hash of the id). */
    private static final int LOCK_CLASS = 0x696e7374; // "inst"

    private final String id;
    private final boolean resumes;
    private final Connection session;

    private InstanceLock(String id, boolean resumes, Connection session) {
        this.id = id;
        this.resumes = resumes;
        this.session = session;
    }

    /**
     * Takes the lock on {@code instanceId}, trying for up to {@code patience} (the session of a process killed just
     * before may take a moment to end).
     * A database that cannot be reached now leaves the id unlocked: the worker runs under an id of its own and takes
     * nothing back (the dead process's leases run out as usual).
     */
    public static InstanceLock acquire(Database db, String instanceId, Duration patience) {
        Objects.requireNonNull(instanceId, "instanceId");
        long end = System.nanoTime() + patience.toNanos();
        Connection session = null;
        try {
            session = db.openDedicatedConnection();
            try (java.sql.Statement st = session.createStatement()) {
                st.execute("SET application_name = 'tollgate-instance'"); // told apart from the LISTEN session
            }
            while (true) {
                try (PreparedStatement ps = session.prepareStatement(
                        "SELECT pg_try_advisory_lock(?, hashtext(?))")) {
                    ps.setInt(1, LOCK_CLASS);
                    ps.setString(2, instanceId);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getBoolean(1)) {
                            return new InstanceLock(instanceId, true, session);
                        }
                    }
                }
                if (System.nanoTime() - end >= 0) {
                    break;
                }
                Thread.sleep(200);
            }
        } catch (SQLException e) {
            close(session);
            String own = instanceId + "~" + UUID.randomUUID();
            LOG.log(Level.WARNING, "cannot lock instance id " + instanceId + " (" + e.getMessage() + "): this worker"
                    + " runs as " + own + " and takes back nothing at its start; what the instance's earlier process"
                    + " left is taken over when its leases run out");
            return new InstanceLock(own, false, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close(session);
            return new InstanceLock(instanceId + "~" + UUID.randomUUID(), false, null);
        }
        close(session);
        String own = instanceId + "~" + UUID.randomUUID();
        LOG.log(Level.ERROR, "instance id " + instanceId + " is held by another live process (TOLLGATE_INSTANCE_ID"
                + " must differ between processes running at once): this worker runs as " + own + " and takes back"
                + " nothing at its start");
        return new InstanceLock(own, false, null);
    }

    /** The id this worker's claims and note holds name. */
    public String id() {
        return id;
    }

    /** Whether this process holds its configured id, so it may take back what that id's earlier process left. */
    public boolean resumes() {
        return resumes;
    }

    /** The session holding the lock, for tests. */
    Optional<Connection> session() {
        return Optional.ofNullable(session);
    }

    /** Releases the id (the session ends). */
    @Override
    public void close() {
        close(session);
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // the session ends with the connection either way
            }
        }
    }
}
