package io.tollgate.api.worker;

import java.time.Duration;
import java.util.Objects;

/**
 * How the worker runs.
 *
 * @param enabled     whether this instance runs the worker ({@code TOLLGATE_WORKER_ENABLED}); a fleet can run ingress
 *                    and workers as separate deployments
 * @param concurrency jobs this instance runs at once
 * @param tenantCap   jobs of one tenant running at once (fleet-wide), so one merchant's backlog leaves workers for
 *                    the others; below {@code concurrency}
 * @param lease       how long a claimed job is held before another worker may take it over: longer than a job's
 *                    slowest run (upstream timeouts included)
 * @param poll        the wait between claims while the queue has nothing due
 * @param reapEvery   how often expired leases are returned to the queue, and the queue sampled for metrics
 * @param stopGrace   how long a stopping worker waits for its running jobs before giving them back
 * @param schedule    retries: backoff, jitter and the retry budget
 * @param jobDeadline how long one run of a job may take ({@code TOLLGATE_WORKER_JOB_DEADLINE_MS}): after it the
 *                    worker gives the run up (its thread is interrupted and no longer holds a slot) and the job is
 *                    retried, spending an attempt, or dead when its attempts are spent; meant to be well under
 *                    {@code lease} (at the lease's end another worker may take a stuck job over)
 */
public record WorkerSettings(boolean enabled, int concurrency, int tenantCap, Duration lease, Duration poll,
                             Duration reapEvery, Duration stopGrace, RetrySchedule schedule, Duration jobDeadline) {

    /** A job's deadline unless configured: well under the default lease of 5 minutes. */
    public static final Duration JOB_DEADLINE = Duration.ofMinutes(2);

    public static final WorkerSettings DEFAULTS = new WorkerSettings(
            true, 8, 4, Duration.ofMinutes(5), Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(10),
            RetrySchedule.DEFAULT, JOB_DEADLINE);

    public WorkerSettings {
        Objects.requireNonNull(lease, "lease");
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
        for (Duration d : new Duration[] {lease, poll, reapEvery}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("lease, poll and reapEvery must be positive");
            }
        }
        if (stopGrace.isNegative()) {
            throw new IllegalArgumentException("stopGrace must not be negative");
        }
        if (jobDeadline.isNegative() || jobDeadline.isZero()) {
            throw new IllegalArgumentException("jobDeadline must be positive");
        }
    }

    public WorkerSettings withEnabled(boolean on) {
        return new WorkerSettings(on, concurrency, tenantCap, lease, poll, reapEvery, stopGrace, schedule,
                                  jobDeadline);
    }
}
