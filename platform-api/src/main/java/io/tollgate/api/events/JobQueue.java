package io.tollgate.api.events;

import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.db.Rows;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.bytes;
import static io.tollgate.tenant.db.Rows.instant;
import static io.tollgate.tenant.db.Rows.integer;
import static io.tollgate.tenant.db.Rows.optString;
import static io.tollgate.tenant.db.Rows.param;
import static io.tollgate.tenant.db.Rows.string;
import static io.tollgate.tenant.db.Rows.uuid;

/**
 * The one owner of the job queue ({@code jobs}, one job per event) and of the statuses it moves jobs and their
 * events through. Ingest enqueues with {@link #enqueueSql} inside its own group-commit statement (no extra round
 * trip), operators re-queue with {@link #replay} or end with {@link #discard} (one event) or {@link #bulk} (exactly the
 * dead events a {@link #count} counted), and the worker takes jobs with {@link #claim} and records what
 * became of them with {@link #complete}.
 *
 * <p>A claim takes due jobs with {@code FOR UPDATE SKIP LOCKED} (concurrent claimers, on any instance, never get
 * the same job) and holds each under a lease: a unique lease token in {@code lease_owner} until
 * {@code lease_expires_at}. A job whose lease expired (its worker died) goes back to the queue through
 * {@link #reapExpired}. Leases are short (seconds): a live worker {@link #renew renews} those of all its running jobs in
 * one statement every few seconds, so a job that runs longer than a lease stays its own, and a dead worker's jobs are
 * taken over soon after it stopped renewing. Every claim counts an attempt, so a job that kills its worker still runs
 * out of attempts. Completing needs the lease still held: a worker that lost its lease to another cannot overwrite
 * that one's result. Each claim also names its instance ({@code instance_id}, {@code TOLLGATE_INSTANCE_ID}): an
 * instance restarted in place takes its own running jobs back at once ({@link #resume}) instead of waiting out their
 * leases.
 *
 * <p>A finished job (done, skipped, discarded) leaves the table: its row is deleted in the commit that ends its event,
 * and what an operator needs of it (attempts, last error, when it finished) is kept on the event
 * ({@code webhook_events.job_*}, shown by the events API as the event's job). So {@code jobs} holds unfinished jobs
 * only (queued, running, dead), and a replay of a finished event enqueues a new row.
 */
public final class JobQueue {
    /** Columns an enqueue fills; the rest (attempts, max_attempts, run_at, ...) take their defaults. */
    private static final String ENQUEUE = "INSERT INTO jobs (id, tenant_id, event_id, status)";

    /** The first key of the advisory locks a claim takes on the tenants it claims for (the second: a hash). */
    private static final int CLAIM_LOCK_CLASS = 0x6a6f6273; // "jobs"

    /**
     * The fair pick, for both steps of a claim. Its tenants: {@code queued_tenants}. Each gives at most its free share
     * (the per-tenant cap minus its running jobs) of its oldest due jobs, ranked 1, 2, 3...; the pick takes rank 1 of
     * every tenant before rank 2 of any, oldest first within a rank. So one tenant's backlog of thousands waits its
     * turn behind another tenant's single job, and never holds more than the cap of the workers.
     * Parameters: per-tenant limit (the cap; 1 when the claim's walk did not see every tenant), cap, max.
     */
    private static final String CANDIDATES = """
            busy AS (
              SELECT tenant_id, count(*) AS n FROM jobs
               WHERE status = %2$s AND tenant_id IN (SELECT tenant_id FROM queued_tenants) GROUP BY tenant_id
            ), candidates AS (
              SELECT q.tenant_id, c.id, c.run_at, c.rank FROM queued_tenants q
                LEFT JOIN busy b ON b.tenant_id = q.tenant_id
                CROSS JOIN LATERAL (
                  SELECT j.id, j.run_at, row_number() OVER (ORDER BY j.run_at, j.id) AS rank
                    FROM jobs j
                   WHERE j.tenant_id = q.tenant_id AND j.status = %1$s AND j.run_at <= now()
                   ORDER BY j.run_at, j.id
                   LIMIT least(?::int, greatest(0, ?::int - coalesce(b.n, 0)::int))
                ) c
               WHERE q.tenant_id IS NOT NULL
               ORDER BY c.rank, c.run_at, c.id
               LIMIT ?
            )""".formatted(JobStatus.QUEUED.sql(), JobStatus.RUNNING.sql());

    /**
     * A claim's first step: a walk over the tenants with queued jobs, in tenant id order from {@code after}
     * (exclusive) up to {@code upTo}, of at most {@code probes} tenants: a loose index scan of
     * {@code jobs_tenant_claim_ix}, one probe per tenant finding it and its oldest queued job however long its backlog.
     * Returns each tenant probed, in walk order, with its oldest job's time and whether it can be given a job now (that
     * job is due, and the tenant runs fewer jobs than the cap). Parameters: cap, after, upTo, cap, upTo, probes.
     */
    private static final String WALK = """
            WITH RECURSIVE walk AS (
              SELECT h.tenant_id, h.run_at, 1 AS n, h.eligible FROM (
                SELECT f.tenant_id, f.run_at,
                       f.run_at <= now() AND (SELECT count(*) FROM jobs r WHERE r.tenant_id = f.tenant_id
                                                AND r.status = %2$s) < ?::int AS eligible
                  FROM (SELECT tenant_id, run_at FROM jobs WHERE status = %1$s AND tenant_id > ?::uuid
                           AND tenant_id <= ?::uuid ORDER BY tenant_id, run_at, id LIMIT 1) f
              ) h
              UNION ALL
              SELECT nx.tenant_id, nx.run_at, w.n + 1, nx.eligible
                FROM walk w CROSS JOIN LATERAL (
                  SELECT f.tenant_id, f.run_at,
                         f.run_at <= now() AND (SELECT count(*) FROM jobs r WHERE r.tenant_id = f.tenant_id
                                                  AND r.status = %2$s) < ?::int AS eligible
                    FROM (SELECT j.tenant_id, j.run_at FROM jobs j
                           WHERE j.status = %1$s AND j.tenant_id > w.tenant_id AND j.tenant_id <= ?::uuid
                           ORDER BY j.tenant_id, j.run_at, j.id LIMIT 1) f
                ) nx
               WHERE w.n < ?::int
            )
            SELECT tenant_id, run_at, eligible FROM walk ORDER BY n"""
            .formatted(JobStatus.QUEUED.sql(), JobStatus.RUNNING.sql());

    /**
     * Locks the tenants a claim picked for its transaction, those no other claim holds (those another claim holds are
     * left to that one; never waits). Parameter: the tenants.
     */
    private static final String LOCK_TENANTS = """
            SELECT t AS tenant_id FROM unnest(?::uuid[]) AS t
             WHERE pg_try_advisory_xact_lock(%d, hashtext(t::text))""".formatted(CLAIM_LOCK_CLASS);

    /** The lowest and highest tenant ids: the ends of the ring a claim's walk goes round. */
    private static final UUID LOWEST = new UUID(0, 0);
    private static final UUID HIGHEST = new UUID(-1L, -1L);

    /**
     * How many tenants one walk probes at most, as a multiple of the jobs it claims (plus a few): a claim costs that
     * many index probes at most, however many tenants have queued jobs. Tenants passed over (at their cap, or with
     * nothing due yet) are probed again on the walk's next round.
     */
    private static final int PROBES_PER_JOB = 4;
    private static final int PROBES_MIN = 32;

    /**
     * A claim's second step, a statement after the locks, so its snapshot counts every job another claim of these
     * tenants made running before it let go of them: the fair pick among the locked tenants, with their running jobs
     * counted afresh, claimed. Two claims, on any instances, never run more of one tenant's jobs than the cap.
     * Parameters: locked tenants, cap, max, max, lease token, lease seconds, instance id.
     */
    private static final String CLAIM = """
            WITH queued_tenants AS (
              SELECT unnest(?::uuid[]) AS tenant_id
            ), %4$s, picked AS (
              SELECT j.id FROM jobs j JOIN candidates c ON c.id = j.id
               WHERE j.status = %1$s AND j.run_at <= now()
               ORDER BY c.rank, c.run_at, j.id
               LIMIT ?
               FOR UPDATE OF j SKIP LOCKED
            ), claimed AS (
              UPDATE jobs j SET status = %2$s, attempts = j.attempts + 1, lease_owner = ?,
                                lease_expires_at = now() + make_interval(secs => ?), instance_id = ?::text,
                                updated_at = now()
                FROM picked WHERE j.id = picked.id
              RETURNING j.id, j.tenant_id, j.event_id, j.attempts, j.lease_owner, j.lease_expires_at,
                        (SELECT t.retry_attempts FROM tenants t WHERE t.id = j.tenant_id) AS max_attempts
            ), events AS (
              UPDATE webhook_events e SET status = %3$s
                FROM claimed WHERE e.tenant_id = claimed.tenant_id AND e.id = claimed.event_id
              RETURNING e.id, e.provider, e.topic, e.body
            )
            SELECT c.id, c.tenant_id, c.event_id, c.attempts, c.max_attempts, c.lease_owner, c.lease_expires_at,
                   e.provider, e.topic, e.body
              FROM claimed c LEFT JOIN events e ON e.id = c.event_id"""
            .formatted(JobStatus.QUEUED.sql(), JobStatus.RUNNING.sql(), EventStatus.PROCESSING.sql(), CANDIDATES);

    /**
     * Jobs whose lease expired (their worker died or hung) go back to the queue, or are dead if that run was their
     * last attempt. Returns one row per job reaped.
     */
    private static final String REAP = takeBackSql(
            "status = %s AND lease_expires_at <= now() ORDER BY lease_expires_at".formatted(JobStatus.RUNNING.sql()),
            "'the worker running attempt ' || j.attempts || ' stopped before finishing it (its lease expired)'");

    /**
     * The running jobs an instance claimed, taken back at its restart: its worker died with them (the instance runs
     * once at a time: {@code InstanceLock}), so they go back to the queue at once instead of when their leases run
     * out, or are dead if that run was their last attempt. Parameter: the instance id (twice).
     */
    private static final String RESUME = takeBackSql(
            "status = %s AND instance_id = ?::text ORDER BY lease_expires_at".formatted(JobStatus.RUNNING.sql()),
            "'the instance ' || ?::text || ' running attempt ' || j.attempts || ' restarted before finishing it'");

    /**
     * The note holds of an instance's attempts, ended at its restart (those attempts died with it): the next attempt
     * for each note takes it at once, looks for its external id on the ticket, and posts only if it is not there.
     * Parameter: the instance id.
     */
    private static final String RELEASE_HOLDS = """
            UPDATE notes SET lease_until = NULL, error = 'the instance holding the note restarted', updated_at = now()
             WHERE holder = ?::text AND state = 'pending'""";

    /**
     * The jobs {@code selection} (a condition on {@code jobs} and its order) picks, locked, at most 1,000, back to the
     * queue with {@code error} (an SQL expression over {@code j}) as their last error, or dead when that run was their
     * last attempt; their events moved with them. Each keeps its due time (a claim does not change it), so it goes back
     * ahead of its tenant's jobs queued after it, not behind them. Returns one row per job.
     */
    private static String takeBackSql(String selection, String error) {
        return """
                WITH expired AS (
                  SELECT id FROM jobs WHERE %6$s
                   LIMIT 1000
                   FOR UPDATE SKIP LOCKED
                ), reaped AS (
                  UPDATE jobs j SET status = CASE WHEN j.attempts >= t.retry_attempts THEN %3$s ELSE %1$s END,
                                    run_at = least(j.run_at, now()), lease_owner = NULL, lease_expires_at = NULL,
                                    instance_id = NULL,
                                    updated_at = now(), last_error = %7$s
                    FROM expired, tenants t WHERE j.id = expired.id AND t.id = j.tenant_id
                  RETURNING j.tenant_id, j.event_id, j.status, j.last_error
                ), events AS (
                  UPDATE webhook_events e
                     SET status = CASE WHEN r.status = %3$s THEN %5$s ELSE %4$s END,
                         error = CASE WHEN r.status = %3$s THEN r.last_error END,
                         processed_at = CASE WHEN r.status = %3$s THEN now() END
                    FROM reaped r WHERE e.tenant_id = r.tenant_id AND e.id = r.event_id
                )
                SELECT status FROM reaped"""
                .formatted(JobStatus.QUEUED.sql(), JobStatus.RUNNING.sql(), JobStatus.DEAD.sql(),
                           EventStatus.ACCEPTED.sql(), EventStatus.DEAD.sql(), selection, error);
    }

    /**
     * A worker's heartbeat, one statement: renews the leases of every job it runs, each only while still its own
     * (running under the token it was claimed with; the primary key finds each), and extends the hold of every note
     * one of its runs is posting, each only while that run's attempt still holds it (pending, taken last by that
     * attempt). Returns the ids renewed ({@code job}: true for a job, false for a note): a job missing from them was
     * taken over (reaped, then claimed by another) or ended meanwhile; a note missing from them was posted or taken
     * by another attempt. An expired lease or hold not yet taken is renewed too: no one else holds it. Parameters:
     * lease seconds, job ids, their lease tokens, lease seconds, the notes' tenants, ids and attempts.
     */
    private static final String RENEW = """
            WITH jobs_held AS (
              UPDATE jobs j SET lease_expires_at = now() + make_interval(secs => ?)
                FROM unnest(?::uuid[], ?::uuid[]) AS held(id, lease)
               WHERE j.id = held.id AND j.lease_owner = held.lease::text AND j.status = %1$s
              RETURNING j.id
            ), notes_held AS (
              UPDATE notes n SET lease_until = now() + make_interval(secs => ?)
                FROM unnest(?::uuid[], ?::uuid[], ?::uuid[]) AS held(tenant_id, id, attempt)
               WHERE n.tenant_id = held.tenant_id AND n.id = held.id AND n.attempt = held.attempt
                 AND n.state = 'pending'
              RETURNING n.id
            )
            SELECT id, true AS job FROM jobs_held UNION ALL SELECT id, false AS job FROM notes_held"""
            .formatted(JobStatus.RUNNING.sql());

    /** The queue's state for metrics; each count uses a partial index. */
    private static final String STATS = """
            SELECT (SELECT count(*) FROM jobs WHERE status = %1$s) AS queued,
                   (SELECT count(*) FROM jobs WHERE status = %2$s) AS running,
                   (SELECT count(*) FROM jobs WHERE status = %3$s) AS dead,
                   (SELECT coalesce(extract(epoch FROM now() - min(run_at)), 0)::float8 FROM jobs
                     WHERE status = %1$s AND run_at <= now()) AS oldest_seconds"""
            .formatted(JobStatus.QUEUED.sql(), JobStatus.RUNNING.sql(), JobStatus.DEAD.sql());

    /**
     * Done: the job's row deleted, its event processed (with the job's attempts kept on it); and, in the same commit,
     * the note the run posted marked posted in the note ledger, whether or not the lease is still held (the note is on
     * the ticket either way). Parameters: upstream message id, tenant, note id (both null: no note), tenant, job, lease.
     */
    private static final String COMPLETE_DONE = """
            WITH note AS (
              UPDATE notes SET state = 'posted', upstream_message_id = ?::bigint,
                               posted_at = COALESCE(posted_at, now()), lease_until = NULL, error = NULL,
                               updated_at = now()
               WHERE tenant_id = ?::uuid AND id = ?::uuid
            ), %s""".formatted(finishSql("NULL", "status = " + EventStatus.PROCESSED.sql()));
    /** Retry: the job queued again. Parameters: run_at, last error, tenant, job, lease. */
    private static final String COMPLETE_RETRY = completeSql(
            "status = " + JobStatus.QUEUED.sql() + ", run_at = ?, last_error = ?",
            "status = " + EventStatus.ACCEPTED.sql() + ", error = NULL, processed_at = NULL");
    /** Skipped: the job's row deleted, its event skipped with the reason. Parameters: tenant, job, lease, reason. */
    private static final String COMPLETE_SKIPPED = "WITH " + finishSql("?::text",
                                                                       "status = " + EventStatus.SKIPPED.sql());
    /** Defer: queued again, the attempt given back. Parameters: run_at, reason, tenant, job, lease. */
    private static final String COMPLETE_DEFER = completeSql(
            "status = " + JobStatus.QUEUED.sql() + ", attempts = greatest(attempts - 1, 0), run_at = ?, last_error = ?",
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
            + ", processed_at = NULL, error = NULL, job_attempts = NULL, job_last_error = NULL, job_finished_at = NULL"
            + " WHERE tenant_id = ? AND id = ?";

    /**
     * A replay releases the note its event drafted and kept for a draft-only tenant: marked failed (an uncertain
     * outcome), so the replayed run looks for it on the ticket, then drafts it again and posts it, or, while the
     * tenant is still draft-only, keeps it again. The replay is the operator's explicit choice; nothing else (switching
     * draft-only mode off, another event about the same message) ever posts a drafted note.
     */
    private static final String RELEASE_DRAFTED_NOTE = """
            UPDATE notes SET state = 'failed', error = 'released by a replay of its event', updated_at = now()
             WHERE tenant_id = ? AND event_id = ? AND state = 'drafted'""";

    private final Database db;
    /** The instance whose claims these are ({@code jobs.instance_id}); none: claims name no instance. */
    private final Optional<String> instanceId;
    /** Where this queue's next claim walk begins: the last tenant the previous one probed. */
    private volatile UUID cursor = LOWEST;

    /** A queue whose claims name no instance (operators' actions, tests): they are taken over when leases run out. */
    public JobQueue(Database db) {
        this(db, Optional.empty());
    }

    /**
     * @param instanceId the instance whose worker claims ({@code TOLLGATE_INSTANCE_ID}): stored with each claim, so the
     *                   instance's restart takes its running jobs back at once ({@link #resume})
     */
    public JobQueue(Database db, Optional<String> instanceId) {
        this.db = db;
        this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    }

    /**
     * The SQL that enqueues one job per row of {@code from}, for a statement that stores events and enqueues their
     * jobs at once (ingest's group commit). Each argument is an SQL expression over {@code from}.
     */
    public static String enqueueSql(String jobId, String tenantId, String eventId, String from) {
        return ENQUEUE + "\nSELECT " + jobId + ", " + tenantId + ", " + eventId + ", " + JobStatus.QUEUED.sql()
                + " FROM " + from;
    }

    /**
     * A claimed job; {@code lease} is the token that proves the claim to {@link #complete}. {@code event}: what the
     * job needs of its event, read by the claim itself (no read of its own per job); empty when the event is gone.
     */
    public record Job(UUID id, TenantId tenant, EventId eventId, int attempts, int maxAttempts, UUID lease,
                      Instant leaseExpiresAt, Optional<StoredEvent> event) {
        public Job {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(tenant, "tenant");
            Objects.requireNonNull(eventId, "eventId");
            Objects.requireNonNull(lease, "lease");
            Objects.requireNonNull(event, "event");
        }

        /** A job whose event is not at hand (read when the job runs). */
        public Job(UUID id, TenantId tenant, EventId eventId, int attempts, int maxAttempts, UUID lease,
                   Instant leaseExpiresAt) {
            this(id, tenant, eventId, attempts, maxAttempts, lease, leaseExpiresAt, Optional.empty());
        }
    }

    /**
     * Takes up to {@code max} due jobs, fairly across tenants (see {@link #CANDIDATES}), and leases them for
     * {@code lease}: each becomes running with one more attempt, its event processing. One transaction: the tenants
     * to claim for are locked first ({@link #LOCK_TENANTS}), then counted and claimed ({@link #CLAIM}), so the cap
     * holds however many claims run at once; a tenant another claim holds is skipped, not waited for.
     *
     * @param tenantCap the most jobs of one tenant running at once (across every worker on the database)
     */
    public List<Job> claim(int max, Duration lease, int tenantCap) {
        return claim(max, lease, tenantCap, (tx, jobs) -> { });
    }

    /**
     * {@link #claim(int, Duration, int)}, with {@code also} run on the jobs claimed within the claim's transaction
     * before it commits (the worker takes the upstream calls its jobs are about to make there: one commit for both).
     */
    public List<Job> claim(int max, Duration lease, int tenantCap,
                           java.util.function.BiConsumer<io.helidon.dbclient.DbExecute, List<Job>> also) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1");
        }
        if (tenantCap < 1) {
            throw new IllegalArgumentException("tenantCap must be at least 1");
        }
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive");
        }
        UUID token = UUID.randomUUID();
        double seconds = lease.toNanos() / 1e9;
        int probes = Math.max(PROBES_MIN, PROBES_PER_JOB * max);
        return db.inTransaction(tx -> {
            UUID from = cursor;
            List<Probe> walked = new ArrayList<>(walk(tx, from, HIGHEST, tenantCap, probes));
            boolean everyTenant = walked.size() < probes && from.equals(LOWEST);
            if (walked.size() < probes && !from.equals(LOWEST)) {
                // round the ring: from the lowest tenant up to where this walk began
                int before = walked.size();
                walked.addAll(walk(tx, LOWEST, from, tenantCap, probes - before));
                everyTenant = walked.size() < probes;
            }
            List<Probe> eligible = walked.stream().filter(Probe::eligible).toList();
            List<Probe> picked;
            if (everyTenant) {
                // the walk saw every tenant with queued jobs: the fair pick's own order, oldest first within a rank
                picked = eligible.stream().sorted(java.util.Comparator.comparing(Probe::runAt)
                                                          .thenComparing(Probe::tenant)).limit(max).toList();
                cursor = LOWEST;
            } else {
                // more tenants than one walk probes: the next ones round the ring, each its oldest job; the next
                // claim goes on after the last one picked
                picked = eligible.stream().limit(max).toList();
                cursor = picked.isEmpty() ? walked.getLast().tenant() : picked.getLast().tenant();
            }
            if (picked.isEmpty()) {
                return List.of();
            }
            List<TenantId> locked;
            try (Stream<DbRow> rows = tx.query(LOCK_TENANTS, Rows.uuidArray(
                    picked.stream().map(p -> new TenantId(p.tenant())).toList()))) {
                locked = rows.map(r -> new TenantId(uuid(r, "tenant_id"))).toList();
            }
            if (locked.isEmpty()) {
                return List.of();
            }
            // a walk that saw every tenant may give a tenant more than its oldest job (ranks 2, 3... up to the cap);
            // one that stopped early gives each only its oldest: the tenants it did not reach have theirs waiting
            int perTenant = everyTenant ? tenantCap : 1;
            List<Job> jobs;
            try (Stream<DbRow> rows = tx.query(CLAIM, Rows.uuidArray(locked), perTenant, tenantCap, max, max,
                                               token.toString(), seconds, instanceId.orElse(null))) {
                jobs = rows.map(JobQueue::job).toList();
            }
            if (!jobs.isEmpty()) {
                also.accept(tx, jobs);
            }
            return jobs;
        });
    }

    /** A tenant a claim's walk probed: its oldest queued job's time, and whether it can be given a job now. */
    private record Probe(UUID tenant, Instant runAt, boolean eligible) {
    }

    /** One walk ({@link #WALK}) from {@code after} (exclusive) to {@code upTo} (inclusive). */
    private static List<Probe> walk(DbExecute tx, UUID after, UUID upTo, int cap, int probes) {
        try (Stream<DbRow> rows = tx.query(WALK, cap, after, upTo, cap, upTo, Math.max(1, probes))) {
            return rows.map(r -> new Probe(uuid(r, "tenant_id"), instant(r, "run_at"),
                                           r.column("eligible").getBoolean())).toList();
        }
    }

    /**
     * Returns jobs whose lease expired to the queue (their worker died, hung, or lost its connection), or marks them
     * dead when that run was their last attempt.
     *
     * @return how many jobs were requeued and how many became dead
     */
    public Reaped reapExpired() {
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query(REAP)) {
                int[] counts = new int[2];
                rows.forEach(r -> counts[JobStatus.DEAD.wire().equals(string(r, "status")) ? 1 : 0]++);
                return new Reaped(counts[0], counts[1]);
            }
        });
    }

    /**
     * Renews the leases of {@code jobs} (a worker's running jobs) to {@code lease} from now, those still held under
     * their claim's token only.
     *
     * @return the ids of the jobs renewed; any other of {@code jobs} is no longer this worker's (its lease ran out
     *         and another took it over, or it was completed or replayed): its outcome will not be recorded
     */
    public Set<UUID> renew(Collection<Job> jobs, Duration lease) {
        return renew(jobs, List.of(), lease).jobs();
    }

    /** A note one of a worker's runs is posting, under its attempt's token. */
    public record HeldNote(TenantId tenant, UUID id, UUID attempt) {
        public HeldNote {
            Objects.requireNonNull(tenant, "tenant");
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(attempt, "attempt");
        }
    }

    /** What {@link #renew(Collection, Collection, Duration)} renewed: job ids and note ids. */
    public record Renewed(Set<UUID> jobs, Set<UUID> notes) {
    }

    /**
     * A worker's heartbeat, in one statement: renews the leases of {@code jobs} (its running jobs; those still held
     * under their claim's token only) and the holds of {@code notes} (the notes its runs are posting; those the run's
     * attempt still holds only), both to {@code lease} from now. A dead worker's jobs and notes are thus free about a
     * lease after its last beat, while a live worker's post, however slow, is never raced.
     */
    public Renewed renew(Collection<Job> jobs, Collection<HeldNote> notes, Duration lease) {
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive");
        }
        if (jobs.isEmpty() && notes.isEmpty()) {
            return new Renewed(Set.of(), Set.of());
        }
        double seconds = lease.toNanos() / 1e9;
        Object[] params = {seconds, array(jobs.stream().map(Job::id)), array(jobs.stream().map(Job::lease)), seconds,
                array(notes.stream().map(n -> n.tenant().value())), array(notes.stream().map(HeldNote::id)),
                array(notes.stream().map(HeldNote::attempt))};
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query(RENEW, params)) {
                Set<UUID> renewedJobs = new java.util.HashSet<>();
                Set<UUID> renewedNotes = new java.util.HashSet<>();
                rows.forEach(r -> (r.column("job").getBoolean() ? renewedJobs : renewedNotes).add(uuid(r, "id")));
                return new Renewed(Set.copyOf(renewedJobs), Set.copyOf(renewedNotes));
            }
        });
    }

    private static String array(Stream<UUID> ids) {
        return ids.map(UUID::toString).collect(Collectors.joining(",", "{", "}"));
    }

    /** What {@link #resume} took back. */
    public record Resumed(int requeued, int dead, int notesReleased) {
    }

    /**
     * At the worker's start, before it claims: the running jobs this queue's instance claimed before it restarted go
     * back to the queue at once (or are dead when that run was their last attempt), and the holds its attempts had on
     * notes end, in one transaction. Only for an instance that runs once at a time ({@code InstanceLock}): a live
     * process with the same id would lose its jobs (and, through the note ledger, post nothing twice, but a post
     * still on its way could be raced).
     */
    public Resumed resume() {
        String instance = instanceId.orElseThrow(() -> new IllegalStateException("this queue names no instance"));
        return db.inTransaction(tx -> {
            int[] counts = new int[2];
            try (Stream<DbRow> rows = tx.query(RESUME, instance, instance)) {
                rows.forEach(r -> counts[JobStatus.DEAD.wire().equals(string(r, "status")) ? 1 : 0]++);
            }
            long released = tx.update(RELEASE_HOLDS, instance);
            return new Resumed(counts[0], counts[1], (int) released);
        });
    }

    /** What {@link #reapExpired} did. */
    public record Reaped(int requeued, int dead) {
    }

    /**
     * Gives a claimed job back to the queue, due now and without spending its attempt (a worker stopping before it
     * ran the job, or that could not finish it within the shutdown grace).
     */
    public boolean release(Job job, String reason) {
        return complete(job, new JobOutcome.Defer(Instant.now(), reason));
    }

    /** The queue's state (CONTRACT §4: {@code tollgate_queue_depth{status}}, {@code tollgate_queue_oldest_seconds}). */
    public record Stats(long queued, long running, long dead, double oldestSeconds) {
    }

    public Stats stats() {
        return db.call(() -> db.client().execute().get(STATS)
                .map(r -> new Stats(r.column("queued").getLong(), r.column("running").getLong(),
                                    r.column("dead").getLong(), r.column("oldest_seconds").getDouble()))
                .orElseThrow());
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
        return complete(job, outcome, List.of());
    }

    /**
     * {@link #complete(Job, JobOutcome)}, with the run's deferred writes ({@code first}: its bookkeeping, such as the
     * end of its upstream calls in the pacing log) written in the same commit, before the outcome. They are written
     * even when the lease was lost: they are about what the run did upstream, not about the job.
     */
    public boolean complete(Job job, JobOutcome outcome, List<Database.Deferred> first) {
        if (first.isEmpty()) {
            return db.call(() -> complete(db.client().execute(), job, outcome));
        }
        return db.inTransaction(first, tx -> complete(tx, job, outcome));
    }

    private static boolean complete(io.helidon.dbclient.DbExecute exec, Job job, JobOutcome outcome) {
        UUID tenant = job.tenant().value();
        String lease = job.lease().toString();
        long changed = switch (outcome) {
            case JobOutcome.Done d -> exec.update(
                    COMPLETE_DONE, d.note().map(JobOutcome.PostedNote::upstreamMessageId).orElse(null),
                    d.note().isPresent() ? tenant : null, d.note().map(JobOutcome.PostedNote::noteId).orElse(null),
                    tenant, job.id(), lease);
            case JobOutcome.Skipped sk -> exec.update(COMPLETE_SKIPPED, tenant, job.id(), lease, sk.reason());
            case JobOutcome.Defer df -> exec.update(
                    COMPLETE_DEFER, param(df.at()), df.reason(), tenant, job.id(), lease);
            case JobOutcome.Retry r -> exec.update(COMPLETE_RETRY, param(r.at()), r.reason(), tenant, job.id(), lease);
            case JobOutcome.Dead d -> exec.update(COMPLETE_DEAD, d.reason(), tenant, job.id(), lease, d.reason());
        };
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
     * from posting a second note. A rejected (unparseable) event cannot be replayed. A note the event drafted and kept
     * for a draft-only tenant is released ({@link #RELEASE_DRAFTED_NOTE}): the replayed run posts it unless the tenant
     * is still draft-only.
     */
    public ReplayResult replay(TenantId tenant, EventId eventId) {
        return db.inTransaction(tx -> {
            Optional<DbRow> event = tx.get("SELECT status FROM webhook_events WHERE tenant_id = ? AND id = ? FOR UPDATE",
                                           tenant.value(), eventId.value());
            if (event.isEmpty()) {
                return new ReplayResult.NotFound();
            }
            EventStatus status = EventStatus.fromWire(string(event.get(), "status")).orElseThrow();
            if (status == EventStatus.REJECTED) {
                return new ReplayResult.NotReplayable(status);
            }
            tx.insert(REPLAY_JOB, UUID.randomUUID(), tenant.value(), eventId.value());
            tx.update(REPLAY_EVENT, tenant.value(), eventId.value());
            tx.update(RELEASE_DRAFTED_NOTE, tenant.value(), eventId.value());
            return new ReplayResult.Queued();
        });
    }

    /** The result of {@link #discard}. */
    public sealed interface DiscardResult {
        record Discarded() implements DiscardResult {
        }

        record NotFound() implements DiscardResult {
        }

        /** Neither dead nor waiting in the queue (processed, skipped, rejected, discarded, or being run now). */
        record NotDiscardable(EventStatus status) implements DiscardResult {
        }
    }

    /** What a discarded event's job keeps as its last error. */
    static final String DISCARDED = "discarded by an operator";

    /**
     * The events discarded, their jobs' rows deleted (what an operator needs of a job stays on its event).
     * Parameters: tenant, event ids, reason, tenant, event ids.
     */
    private static final String DISCARD = """
            WITH j AS (
              DELETE FROM jobs WHERE tenant_id = ? AND event_id = ANY (?::uuid[]) RETURNING event_id, attempts
            )
            UPDATE webhook_events e SET status = %s, processed_at = now(), job_last_error = ?::text,
                   job_finished_at = now(),
                   job_attempts = coalesce((SELECT j.attempts FROM j WHERE j.event_id = e.id), e.job_attempts, 0)
             WHERE e.tenant_id = ? AND e.id = ANY (?::uuid[])""".formatted(EventStatus.DISCARDED.sql());
    private static final String REPLAY_JOBS = """
            INSERT INTO jobs (id, tenant_id, event_id, status, run_at)
            SELECT gen_random_uuid(), ?, e, %1$s, now() FROM unnest(?::uuid[]) AS e
            ON CONFLICT (event_id) DO UPDATE SET status = %1$s, attempts = 0, run_at = now(),
                lease_owner = NULL, lease_expires_at = NULL, last_error = NULL, updated_at = now()"""
            .formatted(JobStatus.QUEUED.sql());
    /** Parameters: tenant, batch, event ids (the events a bulk replay queued again, for its progress). */
    private static final String REPLAY_BATCH = """
            INSERT INTO replay_batches (tenant_id, batch, event_id) SELECT ?, ?, e FROM unnest(?::uuid[]) AS e""";
    /** Parameters: tenant, event ids. */
    private static final String REPLAY_EVENTS = "UPDATE webhook_events SET status = " + EventStatus.ACCEPTED.sql()
            + ", processed_at = NULL, error = NULL, job_attempts = NULL, job_last_error = NULL, job_finished_at = NULL"
            + " WHERE tenant_id = ? AND id = ANY (?::uuid[])";

    /**
     * Ends a dead event, or one whose job waits in the queue (deferred, retrying), without running it again: the
     * event becomes discarded (and ages out with the ordinary retention), its job done with {@link #DISCARDED} as
     * its last error. An event a worker runs now cannot be discarded. The job is locked before the event, in the
     * order a claim and a completion lock them, so a discard racing a claim waits for it instead of deadlocking.
     */
    public DiscardResult discard(TenantId tenant, EventId eventId) {
        return db.inTransaction(tx -> {
            Optional<JobStatus> job = tx.get("SELECT status FROM jobs WHERE tenant_id = ? AND event_id = ? FOR UPDATE",
                                             tenant.value(), eventId.value())
                    .map(r -> JobStatus.fromWire(string(r, "status")).orElseThrow());
            Optional<DbRow> event = tx.get(
                    "SELECT status FROM webhook_events WHERE tenant_id = ? AND id = ? FOR UPDATE",
                    tenant.value(), eventId.value());
            if (event.isEmpty()) {
                return new DiscardResult.NotFound();
            }
            EventStatus status = EventStatus.fromWire(string(event.get(), "status")).orElseThrow();
            boolean waiting = status == EventStatus.ACCEPTED && job.map(j -> j == JobStatus.QUEUED).orElse(true);
            if (status != EventStatus.DEAD && !waiting) {
                return new DiscardResult.NotDiscardable(status);
            }
            String ids = "{" + eventId.value() + "}";
            tx.update(DISCARD, tenant.value(), ids, DISCARDED, tenant.value(), ids);
            return new DiscardResult.Discarded();
        });
    }

    /** What a bulk action does to each of the events it acts on. */
    public enum BulkAction { DISCARD, REPLAY }

    /** The result of {@link #bulk}. */
    public sealed interface BulkResult {
        /**
         * Acted on {@code count} events (or, for a dry run, would have). {@code batch}: the id a replay (not a dry
         * run, not an empty set) under which exactly the events it queued again are listed ({@code replay_batches}), for
         * {@link EventStore#batch}; empty for a discard, final at once.
         */
        record Done(int count, Optional<UUID> batch) implements BulkResult {
        }

        /** The filter matches {@code actual} events now, not the count the operator was shown: nothing was done. */
        record Stale(int actual) implements BulkResult {
        }

        /** More than {@link #BULK_MAX} events match: nothing was done. */
        record TooMany(int actual) implements BulkResult {
        }
    }

    /** The most events one bulk call acts on: the set is locked in one transaction. */
    public static final int BULK_MAX = 50_000;

    /**
     * Counts a tenant's dead events matching the filter, as of the database's clock now (returned with the count:
     * a bulk action names it, so an event that turned dead after the count is not in its set).
     */
    public EventFilter.Count count(TenantId tenant, EventFilter filter) {
        EventFilter.Sql where = filter.where(tenant);
        return db.call(() -> db.client().execute().get(
                "SELECT count(*) AS n, now() AS as_of FROM webhook_events e WHERE " + where.sql()
                        + " AND coalesce(e.processed_at, e.received_at) <= now()", where.params().toArray())
                .map(r -> new EventFilter.Count(Rows.bigint(r, "n"), instant(r, "as_of"))).orElseThrow());
    }

    /**
     * Discards or replays exactly the dead events a count call counted: the tenant's dead events matching the filter
     * that were dead by {@code asOf}, locked for the transaction; when there are not exactly {@code expected} of them
     * (one was replayed or discarded since, or the filter is not the counted one), nothing is done. A dry run
     * locks and counts, and does nothing else.
     */
    public BulkResult bulk(TenantId tenant, EventFilter filter, Instant asOf, int expected, BulkAction action,
                           boolean dryRun) {
        EventFilter.Sql where = filter.where(tenant);
        List<Object> params = new ArrayList<>(where.params());
        params.add(Rows.param(asOf));
        params.add(BULK_MAX + 1);
        return db.inTransaction(tx -> {
            List<UUID> ids;
            try (Stream<DbRow> rows = tx.query(
                    "SELECT e.id FROM webhook_events e WHERE " + where.sql()
                            + " AND coalesce(e.processed_at, e.received_at) <= ? ORDER BY e.id LIMIT ? FOR UPDATE",
                    params.toArray())) {
                ids = rows.map(r -> uuid(r, "id")).toList();
            }
            if (ids.size() > BULK_MAX) {
                return new BulkResult.TooMany(ids.size());
            }
            if (ids.size() != expected) {
                return new BulkResult.Stale(ids.size());
            }
            if (dryRun || ids.isEmpty()) {
                return new BulkResult.Done(ids.size(), Optional.empty());
            }
            String array = ids.stream().map(UUID::toString).collect(Collectors.joining(",", "{", "}"));
            switch (action) {
                case DISCARD -> {
                    tx.update(DISCARD, tenant.value(), array, DISCARDED, tenant.value(), array);
                    return new BulkResult.Done(ids.size(), Optional.empty());
                }
                case REPLAY -> {
                    UUID batch = UUID.randomUUID();
                    tx.insert(REPLAY_JOBS, tenant.value(), array);
                    tx.update(REPLAY_EVENTS, tenant.value(), array);
                    tx.insert(REPLAY_BATCH, tenant.value(), batch, array);
                    return new BulkResult.Done(ids.size(), Optional.of(batch));
                }
            }
            throw new IllegalStateException(action.name());
        });
    }

    /**
     * The end of a finished job, for a statement's WITH list: its row deleted if its lease is still held, its event
     * set with {@code eventSet}, and what the job was (attempts, last error: {@code lastError}) kept on the event.
     * Parameters: tenant, job, lease, then those of {@code lastError}.
     */
    private static String finishSql(String lastError, String eventSet) {
        return """
                job AS (
                  DELETE FROM jobs WHERE tenant_id = ? AND id = ? AND status = %s AND lease_owner = ?
                  RETURNING tenant_id, event_id, attempts
                )
                UPDATE webhook_events e SET %s, error = NULL, processed_at = now(), job_attempts = job.attempts,
                                            job_last_error = %s, job_finished_at = now()
                  FROM job WHERE e.tenant_id = job.tenant_id AND e.id = job.event_id"""
                .formatted(JobStatus.RUNNING.sql(), eventSet, lastError);
    }

    /** One statement: ends the lease (if still held) with {@code jobSet}, then updates the job's event. */
    private static String completeSql(String jobSet, String eventSet) {
        return """
                WITH job AS (
                  UPDATE jobs SET %s, lease_owner = NULL, lease_expires_at = NULL, instance_id = NULL,
                                  updated_at = now()
                   WHERE tenant_id = ? AND id = ? AND status = %s AND lease_owner = ?
                  RETURNING tenant_id, event_id
                )
                UPDATE webhook_events e SET %s
                  FROM job WHERE e.tenant_id = job.tenant_id AND e.id = job.event_id"""
                .formatted(jobSet, JobStatus.RUNNING.sql(), eventSet);
    }

    private static Job job(DbRow r) {
        return new Job(uuid(r, "id"), new TenantId(uuid(r, "tenant_id")), new EventId(uuid(r, "event_id")),
                       integer(r, "attempts"), integer(r, "max_attempts"), UUID.fromString(string(r, "lease_owner")),
                       instant(r, "lease_expires_at"),
                       optString(r, "provider").map(p -> new StoredEvent(Provider.fromWire(p).orElseThrow(),
                                                                         optString(r, "topic"), bytes(r, "body"))));
    }
}
