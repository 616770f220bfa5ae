package io.tollgate.api.ingest;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;

import java.time.Duration;

/**
 * Failed signature checks are limited per source address, apart from the tenants' buckets: a forged flood spends the
 * attacker's allowance, never the merchant's, and once spent it is refused before any HMAC is computed.
 */
final class ForgeryGuard {
    private final int perMinute;
    private final Cache<String, Bucket> failures = Caffeine.newBuilder()
            .maximumSize(200_000).expireAfterAccess(Duration.ofMinutes(5)).build();

    ForgeryGuard(int perMinute) {
        this.perMinute = perMinute;
    }

    boolean refused(String address) {
        Bucket b = failures.getIfPresent(address);
        return b != null && b.getAvailableTokens() <= 0;
    }

    void failed(String address) {
        failures.get(address, a -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
                .build()).tryConsume(1);
    }

    Duration retryAfter(String address) {
        Bucket b = failures.getIfPresent(address);
        return b == null ? Duration.ofSeconds(1) : Duration.ofNanos(b.estimateAbilityToConsume(1).getNanosToWaitForRefill());
    }
}
