package io.tollgate.api.events;

import io.tollgate.api.worker.RetrySchedule;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.testing.TestDatabase;
import io.tollgate.tenant.testing.TwoTenants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The job queue on the real PostgreSQL: claims under a lease, SKIP LOCKED, outcomes, lease take-over, replay. */
class JobQueueTest {
    private static final Duration LEASE = Duration.ofMinutes(5);

    private static TwoTenants fixture;
    private static TestDatabase testDb;
    private static Database db;
    private static JobQueue queue;
    private static TenantId a;
    private static TenantId b;

    @BeforeAll
    static void setUp() {
        fixture = TwoTenants.create("queue");
        testDb = fixture.testDb();
        db = fixture.db();
        a = fixture.a();
        b = fixture.b();
        queue = new JobQueue(db);
    }

    @AfterAll
    static void tearDown() {
        fixture.close();
    }

    @BeforeEach
    void emptyQueue() throws SQLException {
        try (Connection c = testDb.connect(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM jobs");
            s.execute("DELETE FROM webhook_events");
        }
    }

    /** An accepted event with its queued job, due {@code dueIn} from now (negative: overdue). Returns the event id. */
    /** A claim with no per-tenant cap (the cap has tests of its own). */
    private static List<JobQueue.Job> claim(int max, Duration lease) {
        return queue.claim(max, lease, Integer.MAX_VALUE);
    }

    private static EventId enqueue(TenantId tenant, Duration dueIn) throws SQLException {
        UUID event = UUID.randomUUID();
        try (Connection c = testDb.connect()) {
            exec(c, "INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body,"
                    + " status) VALUES (?, ?, 'shopify', 'orders/create', ?, sha256('{}'::bytea), '{}'::bytea,"
                    + " 'accepted')", event, tenant.value(), "key-" + event);
            exec(c, "INSERT INTO jobs (id, tenant_id, event_id, run_at)"
                    + " VALUES (?, ?, ?, now() + make_interval(secs => ?))",
                 UUID.randomUUID(), tenant.value(), event, dueIn.toMillis() / 1000.0);
        }
        return new EventId(event);
    }

    private static void exec(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }

    private record JobRow(String status, int attempts, Instant runAt, String lastError, String leaseOwner,
                          Instant leaseExpiresAt) {
    }

    private record EventRow(String status, String error, Instant processedAt) {
    }

    private static JobRow jobOf(EventId event) throws SQLException {
        try (Connection c = testDb.connect();
             // a finished job's row is gone: what is kept of it is on its event (changeSet 020)
             PreparedStatement ps = c.prepareStatement("SELECT coalesce(j.status, CASE WHEN e.job_finished_at IS NOT"
                     + " NULL THEN 'done' END), coalesce(j.attempts, e.job_attempts), coalesce(j.run_at,"
                     + " e.job_finished_at), CASE WHEN j.id IS NULL THEN e.job_last_error ELSE j.last_error END,"
                     + " j.lease_owner, j.lease_expires_at FROM webhook_events e LEFT JOIN jobs j ON j.event_id = e.id"
                     + " WHERE e.id = ?")) {
            ps.setObject(1, event.value());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return new JobRow(rs.getString(1), rs.getInt(2), rs.getTimestamp(3).toInstant(), rs.getString(4),
                                  rs.getString(5), rs.getTimestamp(6) == null ? null : rs.getTimestamp(6).toInstant());
            }
        }
    }

    private static EventRow eventOf(EventId event) throws SQLException {
        try (Connection c = testDb.connect();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT status, error, processed_at FROM webhook_events WHERE id = ?")) {
            ps.setObject(1, event.value());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return new EventRow(rs.getString(1), rs.getString(2),
                                    rs.getTimestamp(3) == null ? null : rs.getTimestamp(3).toInstant());
            }
        }
    }

    @Test
    void aClaimLeasesTheDueJobsOfEveryTenantOnce() throws SQLException {
        EventId a1 = enqueue(a, Duration.ofSeconds(-30));
        EventId a2 = enqueue(a, Duration.ofSeconds(-20));
        EventId b1 = enqueue(b, Duration.ofSeconds(-10));
        EventId later = enqueue(a, Duration.ofHours(1));

        List<JobQueue.Job> claimed = claim(10, LEASE);

        assertThat(claimed).extracting(JobQueue.Job::eventId).containsExactlyInAnyOrder(a1, a2, b1);
        assertThat(claimed).allSatisfy(j -> {
            assertThat(j.attempts()).isEqualTo(1);
            assertThat(j.maxAttempts()).isEqualTo(RetrySchedule.MAX_ATTEMPTS);
            assertThat(j.leaseExpiresAt()).isAfter(Instant.now().plus(LEASE).minus(Duration.ofMinutes(1)));
        });
        assertThat(claimed).extracting(JobQueue.Job::lease).containsOnly(claimed.getFirst().lease());
        for (EventId e : List.of(a1, a2, b1)) {
            JobRow job = jobOf(e);
            assertThat(job.status()).isEqualTo(JobStatus.RUNNING.wire());
            assertThat(job.leaseOwner()).isEqualTo(claimed.getFirst().lease().toString());
            assertThat(eventOf(e).status()).isEqualTo(EventStatus.PROCESSING.wire());
        }
        // not yet due: untouched
        assertThat(jobOf(later).status()).isEqualTo(JobStatus.QUEUED.wire());
        assertThat(eventOf(later).status()).isEqualTo(EventStatus.ACCEPTED.wire());
        // leased jobs are not claimed again while their lease runs
        assertThat(claim(10, LEASE)).isEmpty();
    }

    @Test
    void aClaimTakesAtMostMax() throws SQLException {
        for (int i = 0; i < 5; i++) {
            enqueue(i % 2 == 0 ? a : b, Duration.ofSeconds(-60 + i));
        }
        assertThat(claim(2, LEASE)).hasSize(2);
        assertThat(claim(2, LEASE)).hasSize(2);
        assertThat(claim(2, LEASE)).hasSize(1);
        assertThat(claim(2, LEASE)).isEmpty();
        assertThatThrownBy(() -> claim(0, LEASE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> claim(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void doneMarksTheJobDoneAndItsEventProcessed() throws SQLException {
        EventId event = enqueue(a, Duration.ofSeconds(-1));
        JobQueue.Job job = claim(1, LEASE).getFirst();

        assertThat(queue.complete(job, new JobOutcome.Done())).isTrue();

        JobRow row = jobOf(event);
        assertThat(row.status()).isEqualTo(JobStatus.DONE.wire());
        assertThat(row.leaseOwner()).isNull();
        assertThat(row.leaseExpiresAt()).isNull();
        EventRow e = eventOf(event);
        assertThat(e.status()).isEqualTo(EventStatus.PROCESSED.wire());
        assertThat(e.processedAt()).isNotNull();
        // a second completion of the same claim changes nothing
        assertThat(queue.complete(job, new JobOutcome.Dead("late"))).isFalse();
        assertThat(jobOf(event).status()).isEqualTo(JobStatus.DONE.wire());
    }

    @Test
    void retryQueuesTheJobAgainAtItsTimeWithItsReasonAndCountsTheAttempt() throws SQLException {
        EventId event = enqueue(b, Duration.ofSeconds(-1));
        JobQueue.Job first = claim(1, LEASE).getFirst();
        Instant at = Instant.now().plus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.MICROS);

        assertThat(queue.complete(first, new JobOutcome.Retry(at, "Gorgias answered 503"))).isTrue();

        JobRow row = jobOf(event);
        assertThat(row.status()).isEqualTo(JobStatus.QUEUED.wire());
        assertThat(row.runAt()).isEqualTo(at);
        assertThat(row.attempts()).isEqualTo(1);
        assertThat(row.lastError()).isEqualTo("Gorgias answered 503");
        assertThat(row.leaseOwner()).isNull();
        EventRow e = eventOf(event);
        assertThat(e.status()).isEqualTo(EventStatus.ACCEPTED.wire());
        assertThat(e.processedAt()).isNull();
        // not due until its run_at
        assertThat(claim(10, LEASE)).isEmpty();

        // once due, the next claim is the second attempt
        try (Connection c = testDb.connect()) {
            exec(c, "UPDATE jobs SET run_at = now() - interval '1 second' WHERE event_id = ?", event.value());
        }
        JobQueue.Job second = claim(10, LEASE).getFirst();
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.attempts()).isEqualTo(2);
        assertThat(jobOf(event).attempts()).isEqualTo(2);
    }

    @Test
    void deadMarksTheJobAndItsEventDeadWithTheLastError() throws SQLException {
        EventId event = enqueue(a, Duration.ofSeconds(-1));
        JobQueue.Job job = claim(1, LEASE).getFirst();

        assertThat(queue.complete(job, new JobOutcome.Dead("Shopify answered 401: token revoked"))).isTrue();

        JobRow row = jobOf(event);
        assertThat(row.status()).isEqualTo(JobStatus.DEAD.wire());
        assertThat(row.lastError()).isEqualTo("Shopify answered 401: token revoked");
        assertThat(row.leaseOwner()).isNull();
        EventRow e = eventOf(event);
        assertThat(e.status()).isEqualTo(EventStatus.DEAD.wire());
        assertThat(e.error()).isEqualTo("Shopify answered 401: token revoked");
        // dead jobs are never claimed
        assertThat(claim(10, LEASE)).isEmpty();
    }

    @Test
    void anExpiredLeaseIsReapedAndClaimedAgainAndTheOldHolderCanNoLongerComplete() throws SQLException {
        EventId event = enqueue(a, Duration.ofSeconds(-1));
        JobQueue.Job crashed = claim(1, LEASE).getFirst();
        assertThat(claim(1, LEASE)).isEmpty();

        // the worker holding it died: its lease runs out
        try (Connection c = testDb.connect()) {
            exec(c, "UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE event_id = ?", event.value());
        }
        assertThat(claim(1, LEASE)).as("still running until reaped").isEmpty();
        assertThat(queue.reapExpired()).isEqualTo(new JobQueue.Reaped(1, 0));
        assertThat(jobOf(event).status()).isEqualTo(JobStatus.QUEUED.wire());
        JobQueue.Job takeover = claim(1, LEASE).getFirst();

        assertThat(takeover.id()).isEqualTo(crashed.id());
        assertThat(takeover.lease()).isNotEqualTo(crashed.lease());
        assertThat(takeover.attempts()).isEqualTo(2);
        assertThat(queue.complete(crashed, new JobOutcome.Done())).isFalse();
        assertThat(jobOf(event).status()).isEqualTo(JobStatus.RUNNING.wire());
        assertThat(queue.complete(takeover, new JobOutcome.Done())).isTrue();
        assertThat(jobOf(event).status()).isEqualTo(JobStatus.DONE.wire());
    }

    /**
     * A worker's heartbeat: one call renews every lease it still holds, leaves alone a job another worker took over
     * (whose lease and outcome stay that one's) and a job already completed.
     */
    @Test
    void aRenewalExtendsTheLeasesStillHeldAndNoneTakenOverOrEnded() throws SQLException {
        EventId first = enqueue(a, Duration.ofSeconds(-3));
        EventId second = enqueue(b, Duration.ofSeconds(-2));
        EventId lost = enqueue(a, Duration.ofSeconds(-1));
        List<JobQueue.Job> held = claim(3, Duration.ofSeconds(2));
        assertThat(held).extracting(JobQueue.Job::eventId).containsExactlyInAnyOrder(first, second, lost);
        JobQueue.Job firstJob = jobFor(held, first);
        JobQueue.Job secondJob = jobFor(held, second);
        JobQueue.Job lostJob = jobFor(held, lost);

        // this worker stalled past one lease: it was reaped and another worker took the job over
        try (Connection c = testDb.connect()) {
            exec(c, "UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE event_id = ?", lost.value());
        }
        assertThat(queue.reapExpired()).isEqualTo(new JobQueue.Reaped(1, 0));
        JobQueue.Job takeover = claim(1, Duration.ofSeconds(60)).getFirst();
        assertThat(takeover.id()).isEqualTo(lostJob.id());
        Instant takeoverUntil = jobOf(lost).leaseExpiresAt();

        Instant before = Instant.now();
        assertThat(queue.renew(held, Duration.ofSeconds(30)))
                .containsExactlyInAnyOrder(firstJob.id(), secondJob.id());
        for (JobQueue.Job j : List.of(firstJob, secondJob)) {
            JobRow row = jobOf(j.eventId());
            assertThat(row.status()).isEqualTo(JobStatus.RUNNING.wire());
            assertThat(row.leaseOwner()).isEqualTo(j.lease().toString());
            assertThat(row.leaseExpiresAt()).isAfter(before.plusSeconds(25)).isAfter(j.leaseExpiresAt());
            assertThat(row.attempts()).as("a renewal is not a claim").isEqualTo(1);
        }
        JobRow taken = jobOf(lost);
        assertThat(taken.leaseOwner()).isEqualTo(takeover.lease().toString());
        assertThat(taken.leaseExpiresAt()).as("the new owner's lease, untouched").isEqualTo(takeoverUntil);
        assertThat(queue.complete(lostJob, new JobOutcome.Done())).as("the old owner records nothing").isFalse();
        assertThat(jobOf(lost).status()).isEqualTo(JobStatus.RUNNING.wire());

        // a lease that ran out but was not reaped yet is still this worker's: no one else holds the job
        try (Connection c = testDb.connect()) {
            exec(c, "UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE event_id = ?", first.value());
        }
        assertThat(queue.renew(List.of(firstJob), Duration.ofSeconds(30))).containsExactly(firstJob.id());
        assertThat(queue.reapExpired()).isEqualTo(new JobQueue.Reaped(0, 0));

        // a completed job is not renewed back into running
        assertThat(queue.complete(secondJob, new JobOutcome.Done())).isTrue();
        assertThat(queue.renew(List.of(secondJob), Duration.ofSeconds(30))).isEmpty();
        JobRow done = jobOf(second);
        assertThat(done.status()).isEqualTo(JobStatus.DONE.wire());
        assertThat(done.leaseOwner()).isNull();
        assertThat(done.leaseExpiresAt()).isNull();

        assertThat(queue.renew(List.of(), Duration.ofSeconds(30))).isEmpty();
        assertThatThrownBy(() -> queue.renew(List.of(firstJob), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static JobQueue.Job jobFor(List<JobQueue.Job> jobs, EventId event) {
        return jobs.stream().filter(j -> j.eventId().equals(event)).findFirst().orElseThrow();
    }

    @Test
    void aJobIsCompletedOnlyUnderItsOwnTenant() throws SQLException {
        EventId event = enqueue(a, Duration.ofSeconds(-1));
        JobQueue.Job job = claim(1, LEASE).getFirst();
        JobQueue.Job forged = new JobQueue.Job(job.id(), b, job.eventId(), job.attempts(), job.maxAttempts(),
                                               job.lease(), job.leaseExpiresAt());

        assertThat(queue.complete(forged, new JobOutcome.Dead("wrong tenant"))).isFalse();
        assertThat(jobOf(event).status()).isEqualTo(JobStatus.RUNNING.wire());
        assertThat(eventOf(event).status()).isEqualTo(EventStatus.PROCESSING.wire());
    }

    @Test
    void concurrentClaimersNeverGetTheSameJob() throws Exception {
        int jobs = 300;
        for (int i = 0; i < jobs; i++) {
            enqueue(i % 2 == 0 ? a : b, Duration.ofSeconds(-1));
        }
        int claimers = 4;
        CyclicBarrier start = new CyclicBarrier(claimers);
        ExecutorService pool = Executors.newFixedThreadPool(claimers);
        try {
            List<Future<List<UUID>>> results = new ArrayList<>();
            for (int t = 0; t < claimers; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    List<UUID> mine = new ArrayList<>();
                    List<JobQueue.Job> batch;
                    while (!(batch = claim(7, LEASE)).isEmpty()) {
                        batch.forEach(j -> mine.add(j.id()));
                    }
                    return mine;
                }));
            }
            List<UUID> all = new ArrayList<>();
            for (Future<List<UUID>> f : results) {
                all.addAll(f.get());
            }
            Set<UUID> distinct = new HashSet<>(all);
            assertThat(all).hasSize(jobs);
            assertThat(distinct).hasSize(jobs);
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = testDb.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE status = 'running' AND attempts = 1),"
                                                   + " count(*) FROM jobs")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(jobs);
            assertThat(rs.getLong(2)).isEqualTo(jobs);
        }
    }

    @Test
    void replayRequeuesADeadEventOfItsOwnTenantOnly() throws SQLException {
        EventId event = enqueue(a, Duration.ofSeconds(-1));
        JobQueue.Job job = claim(1, LEASE).getFirst();
        queue.complete(job, new JobOutcome.Dead("gave up"));

        assertThat(queue.replay(b, event)).isEqualTo(new JobQueue.ReplayResult.NotFound());
        assertThat(jobOf(event).status()).isEqualTo(JobStatus.DEAD.wire());

        assertThat(queue.replay(a, event)).isEqualTo(new JobQueue.ReplayResult.Queued());
        JobRow row = jobOf(event);
        assertThat(row.status()).isEqualTo(JobStatus.QUEUED.wire());
        assertThat(row.attempts()).isZero();
        assertThat(row.lastError()).isNull();
        EventRow e = eventOf(event);
        assertThat(e.status()).isEqualTo(EventStatus.ACCEPTED.wire());
        assertThat(e.error()).isNull();
        assertThat(claim(10, LEASE)).extracting(JobQueue.Job::eventId).containsExactly(event);
    }

    @Test
    void aRejectedEventCannotBeReplayed() throws SQLException {
        EventId event = enqueue(a, Duration.ofHours(1));
        try (Connection c = testDb.connect()) {
            exec(c, "UPDATE webhook_events SET status = 'rejected' WHERE id = ?", event.value());
        }
        assertThat(queue.replay(a, event)).isEqualTo(new JobQueue.ReplayResult.NotReplayable(EventStatus.REJECTED));
        assertThat(queue.replay(a, new EventId(UUID.randomUUID()))).isEqualTo(new JobQueue.ReplayResult.NotFound());
    }

    @Test
    void aClaimTakesEveryTenantsOldestJobBeforeAnyTenantsSecond() throws SQLException {
        List<EventId> aEvents = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            aEvents.add(enqueue(a, Duration.ofSeconds(-100 + i)));
        }
        EventId bEvent = enqueue(b, Duration.ofSeconds(-1)); // the newest of all

        List<JobQueue.Job> claimed = queue.claim(2, LEASE, 10);

        assertThat(claimed).extracting(JobQueue.Job::eventId).containsExactlyInAnyOrder(aEvents.getFirst(), bEvent);
    }

    @Test
    void aTenantNeverHoldsMoreThanItsCapOfRunningJobs() throws SQLException {
        for (int i = 0; i < 6; i++) {
            enqueue(a, Duration.ofSeconds(-10 + i));
        }
        EventId bEvent = enqueue(b, Duration.ofSeconds(-1));

        List<JobQueue.Job> first = queue.claim(10, LEASE, 2);
        assertThat(first).extracting(j -> j.tenant()).containsOnly(a, b);
        assertThat(first.stream().filter(j -> j.tenant().equals(a))).hasSize(2);
        assertThat(first).extracting(JobQueue.Job::eventId).contains(bEvent);
        assertThat(queue.claim(10, LEASE, 2)).as("a is at its cap, b has nothing left").isEmpty();

        JobQueue.Job oneOfA = first.stream().filter(j -> j.tenant().equals(a)).findFirst().orElseThrow();
        assertThat(queue.complete(oneOfA, new JobOutcome.Done())).isTrue();
        assertThat(queue.claim(10, LEASE, 2)).as("one slot freed").hasSize(1);
    }

    @Test
    void concurrentClaimersOnAnyInstanceNeverRunMoreOfOneTenantsJobsThanItsCap() throws Exception {
        int cap = 3;
        for (int i = 0; i < 120; i++) {
            enqueue(i % 4 == 0 ? b : a, Duration.ofSeconds(-200 + i));
        }
        int claimers = 6;
        CyclicBarrier start = new CyclicBarrier(claimers);
        ExecutorService pool = Executors.newFixedThreadPool(claimers);
        // jobs held: counted up after their claim committed and down before their completion commits, so never more
        // than the database's running jobs
        java.util.concurrent.ConcurrentHashMap<TenantId, java.util.concurrent.atomic.AtomicInteger> held =
                new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.ConcurrentHashMap<TenantId, Integer> most = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < claimers; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    while (done.get() < 120) {
                        List<JobQueue.Job> batch = queue.claim(5, LEASE, cap);
                        for (JobQueue.Job j : batch) {
                            int now = held.computeIfAbsent(j.tenant(),
                                                           x -> new java.util.concurrent.atomic.AtomicInteger())
                                    .incrementAndGet();
                            most.merge(j.tenant(), now, Math::max);
                        }
                        for (JobQueue.Job j : batch) {
                            held.get(j.tenant()).decrementAndGet();
                            assertThat(queue.complete(j, new JobOutcome.Done())).isTrue();
                            done.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : results) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(done.get()).isEqualTo(120);
        assertThat(most.get(a)).as("a's jobs running at once").isLessThanOrEqualTo(cap);
        assertThat(most.get(b)).as("b's jobs running at once").isLessThanOrEqualTo(cap);
        try (Connection c = testDb.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE e.job_attempts = 1 AND j.id IS NULL),"
                                                   + " count(*) FROM webhook_events e LEFT JOIN jobs j"
                                                   + " ON j.event_id = e.id WHERE e.status = 'processed'")) {
            rs.next();
            assertThat(rs.getLong(1)).as("every job run once").isEqualTo(120);
            assertThat(rs.getLong(2)).isEqualTo(120);
        }
    }

    @Test
    void skippedMarksTheJobDoneAndItsEventSkippedWithTheReason() throws SQLException {
        EventId event = enqueue(a, Duration.ofSeconds(-1));
        JobQueue.Job job = claim(1, LEASE).getFirst();

        assertThat(queue.complete(job, new JobOutcome.Skipped("agent message"))).isTrue();

        assertThat(jobOf(event).status()).isEqualTo(JobStatus.DONE.wire());
        assertThat(jobOf(event).lastError()).isEqualTo("agent message");
        assertThat(eventOf(event).status()).isEqualTo(EventStatus.SKIPPED.wire());
        assertThat(eventOf(event).processedAt()).isNotNull();
    }

    @Test
    void deferQueuesTheJobAgainWithoutSpendingAnAttempt() throws SQLException {
        EventId event = enqueue(a, Duration.ofSeconds(-1));
        JobQueue.Job job = claim(1, LEASE).getFirst();
        assertThat(job.attempts()).isEqualTo(1);

        Instant at = Instant.now().minusSeconds(1);
        assertThat(queue.complete(job, new JobOutcome.Defer(at, "paced"))).isTrue();

        JobRow row = jobOf(event);
        assertThat(row.status()).isEqualTo(JobStatus.QUEUED.wire());
        assertThat(row.attempts()).isZero();
        assertThat(row.lastError()).isEqualTo("paced");
        assertThat(eventOf(event).status()).isEqualTo(EventStatus.ACCEPTED.wire());
        assertThat(claim(1, LEASE).getFirst().attempts()).isEqualTo(1);
    }

    @Test
    void anExpiredLeaseOnTheLastAttemptIsDeadWithWhy() throws SQLException {
        EventId event = enqueue(a, Duration.ofSeconds(-1));
        try (Connection c = testDb.connect()) {
            exec(c, "UPDATE jobs SET attempts = max_attempts - 1 WHERE event_id = ?", event.value());
        }
        JobQueue.Job last = claim(1, LEASE).getFirst();
        assertThat(last.attempts()).isEqualTo(last.maxAttempts());
        try (Connection c = testDb.connect()) {
            exec(c, "UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE event_id = ?", event.value());
        }

        assertThat(queue.reapExpired()).isEqualTo(new JobQueue.Reaped(0, 1));

        assertThat(jobOf(event).status()).isEqualTo(JobStatus.DEAD.wire());
        assertThat(eventOf(event).status()).isEqualTo(EventStatus.DEAD.wire());
        assertThat(eventOf(event).error()).contains("lease expired");
        assertThat(queue.reapExpired()).isEqualTo(new JobQueue.Reaped(0, 0));
    }

    @Test
    void statsCountTheQueueAndAgeItsMostOverdueJob() throws SQLException {
        assertThat(queue.stats()).isEqualTo(new JobQueue.Stats(0, 0, 0, 0.0));
        enqueue(a, Duration.ofSeconds(-30));
        enqueue(b, Duration.ofSeconds(-5));
        enqueue(b, Duration.ofSeconds(600)); // not due: not "waiting"
        queue.claim(1, LEASE, 1);

        JobQueue.Stats stats = queue.stats();
        assertThat(stats.queued()).isEqualTo(2);
        assertThat(stats.running()).isEqualTo(1);
        assertThat(stats.dead()).isZero();
        assertThat(stats.oldestSeconds()).isBetween(4.0, 29.0); // a's 30 s job was claimed; b's 5 s one waits
    }

    @Test
    void releaseGivesTheJobBackDueNow() throws SQLException {
        EventId event = enqueue(a, Duration.ofSeconds(-1));
        JobQueue.Job job = claim(1, LEASE).getFirst();
        assertThat(queue.release(job, "worker stopping")).isTrue();
        assertThat(queue.release(job, "worker stopping")).as("lease gone").isFalse();
        assertThat(claim(1, LEASE)).extracting(JobQueue.Job::eventId).containsExactly(event);
    }
}
