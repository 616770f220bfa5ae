package io.tollgate.api.worker;

import io.helidon.dbclient.DbRow;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.instant;
import static io.tollgate.tenant.db.Rows.integer;
import static io.tollgate.tenant.db.Rows.param;
import static io.tollgate.tenant.db.Rows.string;
import static io.tollgate.tenant.db.Rows.uuid;

/**
 * The one owner of the job queue ({@code jobs}, one job per event) and of the statuses it moves jobs and their
 * events through. Ingest enqueues with {@link #enqueueSql} inside its own group-commit statement (no extra round
 * trip), operators re-queue with {@link #replay}, and the worker takes jobs with {@link #claim} and records what
 * became of them with {@link #complete}.
 *
 * <p>A claim takes due jobs with {@code FOR UPDATE SKIP LOCKED} (concurrent claimers, on any instance, never get
 * the same job) and holds each under a lease: a unique lease token in {@code lease_owner} until
 * {@code lease_expires_at}. A job whose lease expired (its worker died) is claimed again. Every claim counts an
 * attempt, so a job that kills its worker still runs out of attempts. Completing needs the lease still held: a
 * worker that lost its lease to another cannot overwrite that one's result.
 */
public final class JobQueue {
    /** Columns an enqueue fills; the rest (attempts, max_attempts, run_at, ...) take their defaults. */
    private static final String ENQUEUE = "INSERT INTO jobs (id, tenant_id, event_id, status)";

    private static final String CLAIM = """
            WITH picked AS (
              SELECT id FROM jobs
               WHERE (status = %1$s AND run_at <= now())
                  OR (status = %2$s AND lease_expires_at <= now())
               ORDER BY run_at, id
               LIMIT ?
               FOR UPDATE SKIP LOCKED
            ), claimed AS (
              UPDATE jobs j SET status = %2$s, attempts = j.attempts + 1, lease_owner = ?,
                                lease_expires_at = now() + make_interval(secs => ?), updated_at = now()
                FROM picked WHERE j.id = picked.id
              RETURNING j.id, j.tenant_id, j.event_id, j.attempts, j.max_attempts, j.lease_owner, j.lease_expires_at
            ), events AS (
              UPDATE webhook_events e SET status = %3$s
                FROM claimed WHERE e.tenant_id = claimed.tenant_id AND e.id = claimed.event_id
            )
            SELECT id, tenant_id, event_id, attempts, max_attempts, lease_owner, lease_expires_at FROM claimed"""
            .formatted(JobStatus.QUEUED.sql(), JobStatus.RUNNING.sql(), EventStatus.PROCESSING.sql());

    /** Done: the job done, its event processed. Parameters: tenant, job, lease. */
    private static final String COMPLETE_DONE = completeSql(
            "status = " + JobStatus.DONE.sql() + ", last_error = NULL",
            "status = " + EventStatus.PROCESSED.sql() + ", error = NULL, processed_at = now()");
    /** Retry: the job queued again. Parameters: run_at, last error, tenant, job, lease. */
    private static final String COMPLETE_RETRY = completeSql(
            "status = " + JobStatus.QUEUED.sql() + ", run_at = ?, last_error = ?",
            "status = " + EventStatus.ACCEPTED.sql() + ", error = NULL, processed_at = NULL");
    /** Dead: the job and its event dead. Parameters: last error, tenant, job, lease, event error. */
    private static final String COMPLETE_DEAD = completeSql(
            "status = " + JobStatus.DEAD.sql() + ", last_error = ?",
            "status = " + EventStatus.DEAD.sql() + ", error = ?, processed_at = now()");

    private static final String REPLAY_JOB = """
            INSERT INTO jobs (id, tenant_id, event_id, status, run_at) VALUES (?, ?, ?, %1$s, now())
            ON CONFLICT (event_id) DO UPDATE SET status = %1$s, attempts = 0, run_at = now(),
                lease_owner = NULL, lease_expires_at = NULL, last_error = NULL, updated_at = now()"""
            .formatted(JobStatus.QUEUED.sql());

    private static final String REPLAY_EVENT = "UPDATE webhook_events SET status = " + EventStatus.ACCEPTED.sql()
            + ", processed_at = NULL, error = NULL WHERE tenant_id = ? AND id = ?";

    private final Database db;

    public JobQueue(Database db) {
        this.db = db;
    }

    /**
     * The SQL that enqueues one job per row of {@code from}, for a statement that stores events and enqueues their
     * jobs at once (ingest's group commit). Each argument is an SQL expression over {@code from}.
     */
    public static String enqueueSql(String jobId, String tenantId, String eventId, String from) {
        return ENQUEUE + "\nSELECT " + jobId + ", " + tenantId + ", " + eventId + ", " + JobStatus.QUEUED.sql()
                + " FROM " + from;
    }

    /** A claimed job; {@code lease} is the token that proves the claim to {@link #complete}. */
    public record Job(UUID id, TenantId tenant, UUID eventId, int attempts, int maxAttempts, UUID lease,
                      Instant leaseExpiresAt) {
        public Job {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(tenant, "tenant");
            Objects.requireNonNull(eventId, "eventId");
            Objects.requireNonNull(lease, "lease");
        }
    }

    /**
     * Takes up to {@code max} due jobs (queued with {@code run_at} come, or running with an expired lease), oldest
     * first, and leases them for {@code lease}: each becomes running with one more attempt, its event processing.
     */
    public List<Job> claim(int max, Duration lease) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1");
        }
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive");
        }
        UUID token = UUID.randomUUID();
        double seconds = lease.toNanos() / 1e9;
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query(CLAIM, max, token.toString(), seconds)) {
                return rows.map(JobQueue::job).toList();
            }
        });
    }

    /**
     * Records the outcome of a claimed job's run, if its lease is still held: {@link JobOutcome.Done} marks the job
     * done and its event processed; {@link JobOutcome.Retry} queues the job again at {@code at} (its event back to
     * accepted) with the reason as its last error; {@link JobOutcome.Dead} marks the job and its event dead with the
     * reason as their error.
     *
     * @return false when the lease was lost (expired and claimed by another worker, or the job replayed or gone):
     *         nothing was changed
     */
    public boolean complete(Job job, JobOutcome outcome) {
        UUID tenant = job.tenant().value();
        String lease = job.lease().toString();
        long changed = db.call(() -> switch (outcome) {
            case JobOutcome.Done d -> db.client().execute().update(COMPLETE_DONE, tenant, job.id(), lease);
            case JobOutcome.Retry r -> db.client().execute().update(
                    COMPLETE_RETRY, param(r.at()), r.reason(), tenant, job.id(), lease);
            case JobOutcome.Dead d -> db.client().execute().update(
                    COMPLETE_DEAD, d.reason(), tenant, job.id(), lease, d.reason());
        });
        return changed == 1;
    }

    /** The result of {@link #replay}. */
    public sealed interface ReplayResult {
        record Queued() implements ReplayResult {
        }

        record NotFound() implements ReplayResult {
        }

        record NotReplayable(EventStatus status) implements ReplayResult {
        }
    }

    /**
     * Puts an event back in the queue (a new job, or the existing one reset). The worker's note ledger keeps a replay
     * from posting a second note. A rejected (unparseable) event cannot be replayed.
     */
    public ReplayResult replay(TenantId tenant, UUID eventId) {
        return db.inTransaction(tx -> {
            Optional<DbRow> event = tx.get("SELECT status FROM webhook_events WHERE tenant_id = ? AND id = ? FOR UPDATE",
                                           tenant.value(), eventId);
            if (event.isEmpty()) {
                return new ReplayResult.NotFound();
            }
            EventStatus status = EventStatus.fromWire(string(event.get(), "status")).orElseThrow();
            if (status == EventStatus.REJECTED) {
                return new ReplayResult.NotReplayable(status);
            }
            tx.insert(REPLAY_JOB, UUID.randomUUID(), tenant.value(), eventId);
            tx.update(REPLAY_EVENT, tenant.value(), eventId);
            return new ReplayResult.Queued();
        });
    }

    /** One statement: ends the lease (if still held) with {@code jobSet}, then updates the job's event. */
    private static String completeSql(String jobSet, String eventSet) {
        return """
                WITH job AS (
                  UPDATE jobs SET %s, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
                   WHERE tenant_id = ? AND id = ? AND status = %s AND lease_owner = ?
                  RETURNING tenant_id, event_id
                )
                UPDATE webhook_events e SET %s
                  FROM job WHERE e.tenant_id = job.tenant_id AND e.id = job.event_id"""
                .formatted(jobSet, JobStatus.RUNNING.sql(), eventSet);
    }

    private static Job job(DbRow r) {
        return new Job(uuid(r, "id"), new TenantId(uuid(r, "tenant_id")), uuid(r, "event_id"), integer(r, "attempts"),
                       integer(r, "max_attempts"), UUID.fromString(string(r, "lease_owner")),
                       instant(r, "lease_expires_at"));
    }
}
