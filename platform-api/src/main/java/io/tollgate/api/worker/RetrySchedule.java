package io.tollgate.api.worker;

import io.tollgate.api.events.JobOutcome;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When a failed job runs again: exponential backoff with full jitter, never sooner than an upstream's
 * {@code Retry-After}, and dead after {@code maxAttempts} runs.
 *
 * <p>After the {@code n}th failed attempt the ceiling is {@code min(maxDelay, baseDelay * factor^(n-1))}; the delay
 * is drawn uniformly from the top {@code jitter} share of it ({@code jitter = 1}: anywhere in {@code (0, ceiling]},
 * "full jitter", so retries of many jobs failing together spread out). A {@code Retry-After} (capped at
 * {@code maxRetryAfter}, so a hostile or broken upstream cannot park a job for days) is a floor.
 */
public record RetrySchedule(Duration baseDelay, double factor, Duration maxDelay, double jitter,
                            Duration maxRetryAfter, int maxAttempts) {
    /** Delay ceiling after the first failed attempt. */
    public static final Duration BASE_DELAY = Duration.ofSeconds(5);
    /** Growth of the ceiling per failed attempt: 5 s, 15 s, 45 s, 2 min 15 s, 6 min 45 s, then the maximum. */
    public static final double FACTOR = 3.0;
    /** The ceiling never grows past this. */
    public static final Duration MAX_DELAY = Duration.ofMinutes(15);
    /** Share of the ceiling that is randomised; 1 is full jitter. */
    public static final double JITTER = 1.0;
    /** The longest upstream {@code Retry-After} honoured. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);
    /**
     * Runs of a job before it is dead, by default: the same as the default of a tenant's own budget
     * ({@code limits.retry_attempts}), which the worker applies.
     */
    public static final int MAX_ATTEMPTS = 8;

    public static final RetrySchedule DEFAULT = new RetrySchedule(BASE_DELAY, FACTOR, MAX_DELAY, JITTER,
                                                                  MAX_RETRY_AFTER, MAX_ATTEMPTS);

    public RetrySchedule {
        Objects.requireNonNull(baseDelay, "baseDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        if (baseDelay.isNegative() || baseDelay.isZero()) {
            throw new IllegalArgumentException("baseDelay must be positive");
        }
        if (!(factor >= 1.0)) {
            throw new IllegalArgumentException("factor must be at least 1");
        }
        if (maxDelay.compareTo(baseDelay) < 0) {
            throw new IllegalArgumentException("maxDelay must be at least baseDelay");
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("jitter must be between 0 and 1");
        }
        if (maxRetryAfter.isNegative()) {
            throw new IllegalArgumentException("maxRetryAfter must not be negative");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    /** The delay ceiling after the {@code attempt}th failed attempt (1 for the first). */
    public Duration ceiling(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be at least 1");
        }
        double millis = baseDelay.toMillis() * Math.pow(factor, attempt - 1);
        return millis >= maxDelay.toMillis() ? maxDelay : Duration.ofMillis((long) millis);
    }

    /**
     * How long to wait after the {@code attempt}th failed attempt (1 for the first).
     *
     * @param retryAfter what the upstream asked for, if it did; a floor, capped at {@code maxRetryAfter}
     */
    public Duration next(int attempt, Optional<Duration> retryAfter, RandomGenerator random) {
        long ceiling = ceiling(attempt).toMillis();
        // nextDouble() is in [0, 1): the delay is in (ceiling * (1 - jitter), ceiling]
        long jittered = Math.max(1, Math.round(ceiling * (1.0 - jitter * random.nextDouble())));
        Duration delay = Duration.ofMillis(Math.min(ceiling, jittered));
        Optional<Duration> floor = retryAfter.filter(d -> !d.isNegative())
                .map(d -> d.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : d);
        return floor.filter(f -> f.compareTo(delay) > 0).orElse(delay);
    }

    /** Whether a job that has run {@code attempts} times may run again. */
    public boolean exhausted(int attempts) {
        return attempts >= maxAttempts;
    }

    /**
     * The outcome of the {@code attempt}th run failing with {@code reason}: a {@link JobOutcome.Retry} at the next
     * time of this schedule, or {@link JobOutcome.Dead} once the attempts are spent.
     */
    public JobOutcome afterFailure(int attempt, String reason, Optional<Duration> retryAfter, Instant now,
                                   RandomGenerator random) {
        if (exhausted(attempt)) {
            return new JobOutcome.Dead(reason);
        }
        return new JobOutcome.Retry(now.plus(next(attempt, retryAfter, random)), reason);
    }
}
