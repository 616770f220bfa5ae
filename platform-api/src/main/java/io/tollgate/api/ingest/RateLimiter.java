package io.tollgate.api.ingest;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.tollgate.tenant.Limits;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.db.DataException;
import io.tollgate.tenant.db.Database;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each tenant's own token bucket ({@code burst} tokens, refilled at {@code rate_per_minute}), spent only by authentic
 * deliveries. Two modes: {@link Local} (in-process, default) and {@link Postgres} (bucket4j's PostgreSQL proxy, one
 * bucket per tenant shared by every instance).
 */
public sealed interface RateLimiter permits RateLimiter.Local, RateLimiter.Postgres {

    /** Empty when the delivery may proceed; else how long until a token is available. */
    Optional<Duration> tryConsume(ResolvedTenant tenant);

    static BucketConfiguration configuration(Limits l) {
        return BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(l.burst())
                                  .refillGreedy(l.ratePerMinute(), Duration.ofMinutes(1)).build())
                .build();
    }

    private static Optional<Duration> decide(ConsumptionProbe probe) {
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }

    final class Local implements RateLimiter {
        private record Entry(Limits limits, Bucket bucket) {
        }

        // the cache's upkeep runs on the calling thread, not handed to the common pool (a wake-up per delivery)
        private final Cache<UUID, Entry> buckets = Caffeine.newBuilder()
                .expireAfterAccess(Duration.ofHours(1)).executor(Runnable::run).build();

        @Override
        public Optional<Duration> tryConsume(ResolvedTenant tenant) {
            Limits l = tenant.tenant().limits();
            // a read when the tenant's bucket is there with its limits (every delivery but the first): a write to
            // the cache only to create or replace it
            Entry e = buckets.getIfPresent(tenant.id().value());
            if (e == null || !e.limits().equals(l)) {
                e = buckets.asMap().compute(tenant.id().value(), (k, old) ->
                        old != null && old.limits().equals(l) ? old
                                : new Entry(l, Bucket.builder().addLimit(configuration(l).getBandwidths()[0]).build()));
            }
            return decide(e.bucket().tryConsumeAndReturnRemaining(1));
        }
    }

    final class Postgres implements RateLimiter {
        private final Database db;
        /**
         * One proxy per whole-second request timeout (bucket4j puts it on its statements as JDBC's query timeout),
         * so a bucket check blocked by a lock gives its connection back soon after the caller's deadline. At most
         * one per second of the longest tenant deadline.
         */
        private final ConcurrentHashMap<Integer, ProxyManager<Long>> proxies = new ConcurrentHashMap<>();

        public Postgres(Database db) {
            this.db = db;
        }

        private ProxyManager<Long> proxy(int timeoutSeconds) {
            return proxies.computeIfAbsent(timeoutSeconds, s -> Bucket4jPostgreSQL
                    .selectForUpdateBasedBuilder(db.dataSource())
                    .table("rate_buckets").idColumn("id").stateColumn("state").expiresAtColumn("expires_at")
                    .expirationAfterWrite(ExpirationAfterWriteStrategy
                                                  .basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(5)))
                    .requestTimeout(Duration.ofSeconds(s))
                    .build());
        }

        @Override
        public Optional<Duration> tryConsume(ResolvedTenant tenant) {
            return tryConsume(tenant, Duration.ofMillis(Limits.MAX_TIMEOUT_MS));
        }

        /** The same, its statements giving up after {@code within} (rounded up to whole seconds). */
        public Optional<Duration> tryConsume(ResolvedTenant tenant, Duration within) {
            Limits l = tenant.tenant().limits();
            UUID id = tenant.id().value();
            long key = id.getMostSignificantBits() ^ id.getLeastSignificantBits();
            long cap = Duration.ofMillis(Limits.MAX_TIMEOUT_MS).toSeconds() + 1;
            int seconds = (int) Math.clamp((within.toMillis() + 999) / 1000, 1, cap);
            try {
                return decide(proxy(seconds).builder()
                                      .withImplicitConfigurationReplacement(l.hashCode() & 0x7fffffffL,
                                                                            TokensInheritanceStrategy.PROPORTIONALLY)
                                      .build(key, () -> configuration(l))
                                      .tryConsumeAndReturnRemaining(1));
            } catch (RuntimeException e) {
                throw DataException.translate(e);
            }
        }
    }
}
