package io.tollgate.api.worker;

import io.tollgate.api.events.JobOutcome;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Backoff ceilings, full jitter, Retry-After as a floor, and when a job is dead. */
class RetryScheduleTest {
    private static final RetrySchedule S = RetrySchedule.DEFAULT;

    @Test
    void theCeilingGrowsByTheFactorAndStopsAtTheMaximum() {
        assertThat(S.ceiling(1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(S.ceiling(2)).isEqualTo(Duration.ofSeconds(15));
        assertThat(S.ceiling(3)).isEqualTo(Duration.ofSeconds(45));
        assertThat(S.ceiling(5)).isEqualTo(Duration.ofSeconds(405));
        assertThat(S.ceiling(6)).isEqualTo(RetrySchedule.MAX_DELAY);
        // no overflow however many attempts
        assertThat(S.ceiling(10_000)).isEqualTo(RetrySchedule.MAX_DELAY);
        assertThatThrownBy(() -> S.ceiling(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fullJitterDrawsAnywhereUpToTheCeilingAndNeverAbove() {
        RandomGenerator random = new SplittableRandom(42);
        for (int attempt = 1; attempt <= 12; attempt++) {
            long ceiling = S.ceiling(attempt).toMillis();
            long min = Long.MAX_VALUE;
            long max = 0;
            for (int i = 0; i < 2_000; i++) {
                long d = S.next(attempt, Optional.empty(), random).toMillis();
                assertThat(d).isBetween(1L, ceiling);
                min = Math.min(min, d);
                max = Math.max(max, d);
            }
            // spread over the whole range, not bunched at the ceiling (as plain exponential backoff would be)
            assertThat(min).isLessThan(ceiling / 10);
            assertThat(max).isGreaterThan(ceiling * 9 / 10);
        }
    }

    @Test
    void partialJitterStaysInTheTopShareOfTheCeiling() {
        RetrySchedule half = new RetrySchedule(Duration.ofSeconds(10), 2.0, Duration.ofMinutes(5), 0.5,
                                               Duration.ofMinutes(30), 5);
        RandomGenerator random = new SplittableRandom(7);
        for (int i = 0; i < 2_000; i++) {
            assertThat(half.next(2, Optional.empty(), random).toMillis()).isBetween(10_000L, 20_000L);
        }
        RetrySchedule none = new RetrySchedule(Duration.ofSeconds(10), 2.0, Duration.ofMinutes(5), 0.0,
                                               Duration.ofMinutes(30), 5);
        assertThat(none.next(3, Optional.empty(), random)).isEqualTo(Duration.ofSeconds(40));
    }

    @Test
    void theSameSeedGivesTheSameDelays() {
        assertThat(draws(new SplittableRandom(123))).isEqualTo(draws(new SplittableRandom(123)))
                .isNotEqualTo(draws(new SplittableRandom(124)));
    }

    private static List<Duration> draws(RandomGenerator random) {
        List<Duration> out = new ArrayList<>();
        for (int attempt = 1; attempt <= 8; attempt++) {
            out.add(S.next(attempt, Optional.empty(), random));
        }
        return out;
    }

    @Test
    void anUpstreamRetryAfterIsAFloorUpToItsCap() {
        RandomGenerator random = new SplittableRandom(1);
        // longer than any backoff of the first attempt: honoured exactly
        assertThat(S.next(1, Optional.of(Duration.ofMinutes(10)), random)).isEqualTo(Duration.ofMinutes(10));
        // shorter than the drawn delay: the backoff wins (jitter 0 makes the draw the ceiling)
        RetrySchedule noJitter = new RetrySchedule(Duration.ofSeconds(5), 3.0, Duration.ofMinutes(15), 0.0,
                                                   Duration.ofHours(1), 8);
        assertThat(noJitter.next(2, Optional.of(Duration.ofSeconds(1)), random)).isEqualTo(Duration.ofSeconds(15));
        // absurd values are capped, negative ones ignored
        assertThat(S.next(1, Optional.of(Duration.ofDays(30)), random)).isEqualTo(RetrySchedule.MAX_RETRY_AFTER);
        assertThat(S.next(1, Optional.of(Duration.ofSeconds(-5)), random).toMillis()).isBetween(1L, 5_000L);
    }

    @Test
    void aJobIsDeadAfterMaxAttempts() {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");
        RandomGenerator random = new SplittableRandom(9);
        JobOutcome seventh = S.afterFailure(RetrySchedule.MAX_ATTEMPTS - 1, "503 from Gorgias",
                                            Optional.of(Duration.ofMinutes(2)), now, random);
        assertThat(seventh).isInstanceOfSatisfying(JobOutcome.Retry.class, r -> {
            assertThat(r.reason()).isEqualTo("503 from Gorgias");
            assertThat(r.at()).isAfterOrEqualTo(now.plus(Duration.ofMinutes(2)))
                    .isBeforeOrEqualTo(now.plus(RetrySchedule.MAX_DELAY));
        });
        assertThat(S.afterFailure(RetrySchedule.MAX_ATTEMPTS, "503 from Gorgias", Optional.empty(), now, random))
                .isEqualTo(new JobOutcome.Dead("503 from Gorgias"));
        assertThat(S.exhausted(RetrySchedule.MAX_ATTEMPTS - 1)).isFalse();
        assertThat(S.exhausted(RetrySchedule.MAX_ATTEMPTS)).isTrue();
    }

    @Test
    void nonsenseSchedulesAreRefused() {
        assertThatThrownBy(() -> new RetrySchedule(Duration.ZERO, 2, Duration.ofMinutes(1), 1, Duration.ZERO, 3))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetrySchedule(Duration.ofSeconds(1), 0.5, Duration.ofMinutes(1), 1,
                                                   Duration.ZERO, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetrySchedule(Duration.ofMinutes(2), 2, Duration.ofMinutes(1), 1,
                                                   Duration.ZERO, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetrySchedule(Duration.ofSeconds(1), 2, Duration.ofMinutes(1), 1.5,
                                                   Duration.ZERO, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetrySchedule(Duration.ofSeconds(1), 2, Duration.ofMinutes(1), 1,
                                                   Duration.ZERO, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
