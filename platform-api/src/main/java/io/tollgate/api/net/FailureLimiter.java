package io.tollgate.api.net;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;

import java.time.Duration;

/**
 * Failures (bad operator tokens, forged webhook signatures) counted per source address. Callers check first and
 * count only what failed: past {@code perMinute} an address's further failures are slowed and refused until its
 * allowance refills, while what it sends that is valid (a good token, an authentic delivery) still passes. A flood
 * of failures costs the one who sends it, never a merchant's own rate bucket nor an operator behind the same address.
 */
public final class FailureLimiter {
    private final int perMinute;
    private final Cache<String, Bucket> failures = Caffeine.newBuilder()
            .maximumSize(200_000).expireAfterAccess(Duration.ofMinutes(5)).build();

    public FailureLimiter(int perMinute) {
        this.perMinute = perMinute;
    }

    public boolean refused(String address) {
        Bucket b = failures.getIfPresent(address);
        return b != null && b.getAvailableTokens() <= 0;
    }

    /** Counts a failure; returns how many more this address may make this minute. */
    public long failed(String address) {
        Bucket b = failures.get(address, a -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
                .build());
        b.tryConsume(1);
        return b.getAvailableTokens();
    }

    /** How long until a refused address may try again (at least a second). */
    public Duration retryAfter(String address) {
        Bucket b = failures.getIfPresent(address);
        long nanos = b == null ? 0 : b.estimateAbilityToConsume(1).getNanosToWaitForRefill();
        return Duration.ofNanos(Math.max(nanos, 1_000_000_000L));
    }
}
