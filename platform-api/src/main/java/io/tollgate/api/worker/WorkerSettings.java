package io.tollgate.api.worker;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * How the worker runs.
 *
 * @param enabled     whether this instance runs the worker ({@code TOLLGATE_WORKER_ENABLED}); a fleet can run ingress
 *                    and workers as separate deployments
 * @param concurrency jobs this instance runs at once
 * @param tenantCap   jobs of one tenant running at once (fleet-wide), so one merchant's backlog leaves workers for
 *                    the others; below {@code concurrency}
 * @param lease       how long a claimed job is held past its worker's last renewal before another worker may take it
 *                    over ({@code TOLLGATE_WORKER_LEASE_SECONDS}): a dead worker's jobs are taken over at most about
 *                    {@code lease + renewEvery} after it died
 * @param renewEvery  how often the worker renews the leases of all its running jobs, in one statement
 *                    ({@code TOLLGATE_WORKER_LEASE_RENEW_MS}), and returns other workers' expired leases to the queue;
 *                    at most half the lease, so one late renewal does not lose a job that is still running
 * @param poll        the wait between claims while the queue has nothing due
 * @param reapEvery   how often the queue is sampled for metrics (expired leases return on each renewal)
 * @param stopGrace   how long a stopping worker waits for its running jobs before giving them back
 * @param schedule    retries: backoff, jitter and the retry budget
 * @param jobDeadline how long one run of a job may take ({@code TOLLGATE_WORKER_JOB_DEADLINE_MS}): after it the
 *                    worker gives the run up (its thread is interrupted and no longer holds a slot) and the job is
 *                    retried, spending an attempt, or dead when its attempts are spent; independent of the lease
 *                    (renewed while the run goes on)
 */
public record WorkerSettings(boolean enabled, int concurrency, int tenantCap, Duration lease,
                             Duration renewEvery, Duration poll, Duration reapEvery, Duration stopGrace, RetrySchedule schedule, Duration jobDeadline) {

    /** A job's deadline unless configured. */
    public static final Duration JOB_DEADLINE = Duration.ofMinutes(2);

    /** The lease unless configured: a dead worker's jobs are taken over within about 13 s. */
    public static final Duration LEASE = Duration.ofSeconds(10);

    /** The renewal interval unless configured: three renewals a lease. */
    public static final Duration RENEW_EVERY = Duration.ofSeconds(3);

    public static final WorkerSettings DEFAULTS = new WorkerSettings(
            true, 8, 4, LEASE, RENEW_EVERY, Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(10),
            RetrySchedule.DEFAULT, JOB_DEADLINE);

    public WorkerSettings {
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(renewEvery, "renewEvery");
        Objects.requireNonNull(poll, "poll");
        Objects.requireNonNull(reapEvery, "reapEvery");
        Objects.requireNonNull(stopGrace, "stopGrace");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(jobDeadline, "jobDeadline");
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1");
        }
        if (tenantCap < 1) {
            throw new IllegalArgumentException("tenantCap must be at least 1");
        }
        for (Duration d : new Duration[] {lease, renewEvery, poll, reapEvery}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("lease, renewEvery, poll and reapEvery must be positive");
            }
        }
        if (renewEvery.multipliedBy(2).compareTo(lease) > 0) {
            throw new IllegalArgumentException("renewEvery must be at most half the lease");
        }
        if (stopGrace.isNegative()) {
            throw new IllegalArgumentException("stopGrace must not be negative");
        }
        if (jobDeadline.isNegative() || jobDeadline.isZero()) {
            throw new IllegalArgumentException("jobDeadline must be positive");
        }
    }

    /** The renewal interval for {@code lease} unless configured: {@link #RENEW_EVERY}, or a third of a shorter lease. */
    public static Duration renewEveryFor(Duration lease) {
        Duration third = lease.dividedBy(3).truncatedTo(ChronoUnit.MILLIS);
        return third.compareTo(RENEW_EVERY) < 0 ? third : RENEW_EVERY;
    }

    public WorkerSettings withEnabled(boolean on) {
        return new WorkerSettings(on, concurrency, tenantCap, lease, renewEvery, poll, reapEvery, stopGrace, schedule,
                                  jobDeadline);
    }
}
