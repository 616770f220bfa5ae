package io.tollgate.api.events;

import io.tollgate.tenant.db.Database;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Deletes events older than the retention (their jobs go with them by cascade; the note ledger stays, only forgetting
 * which event reserved each note), in small batches so no long transaction holds locks the ingress path needs. The
 * dedup window is this retention. Every instance sweeps; a batch skips the rows another instance's batch holds, so
 * instances share the work instead of queueing behind each other's locks.
 */
public final class RetentionSweeper implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RetentionSweeper.class.getName());
    static final int BATCH = 1_000;

    private final Database db;
    private final Duration retention;
    private final ScheduledExecutorService scheduler;

    public RetentionSweeper(Database db, Duration retention) {
        this.db = db;
        this.retention = retention;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("tollgate-retention").factory());
    }

    public RetentionSweeper start(Duration every) {
        scheduler.scheduleWithFixedDelay(this::sweepQuietly, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Deletes every event past the retention, batch by batch; returns how many. */
    public long sweepOnce() {
        long total = 0;
        long n;
        do {
            n = db.call(() -> db.client().execute().delete("""
                    DELETE FROM webhook_events WHERE id IN (
                      SELECT id FROM webhook_events WHERE received_at < now() - make_interval(secs => ?)
                      ORDER BY received_at LIMIT ? FOR UPDATE SKIP LOCKED)""",
                    (double) retention.toSeconds(), BATCH));
            total += n;
        } while (n == BATCH);
        return total;
    }

    private void sweepQuietly() {
        try {
            long n = sweepOnce();
            if (n > 0) {
                LOG.log(Level.INFO, "retention: deleted " + n + " events older than " + retention.toDays() + " days");
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "retention sweep failed; will retry: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
