package io.tollgate.tenant.resolve;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.store.TenantStore;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Slug (ingress) or id (the worker) to tenant with decrypted credentials, cached: one query and one set of decrypts
 * per tenant until it changes. Entries are dropped when the tenant changes, on this instance at once
 * ({@link #invalidate}) and on every other instance through {@link TenantChangeListener}; the TTL is only a safety net.
 *
 * <p>The safety net costs no delivery or job a query: an entry older than the TTL is read again in the background on
 * its next use (one thread, {@code tollgate-tenant-refresh}, one query at a time), and that use, and every other until
 * the new entry is in, is answered from the entry as it is. A fleet's tenants are all loaded within the first seconds
 * after a start, so without this they would all expire together every TTL and each cost its next delivery or job a
 * query and a set of decrypts on its own path, 10,000 of them within seconds with 10,000 tenants. A refresh that
 * overlaps a change notice keeps nothing (the notice drops the entry; a refresh that finds its entry gone or replaced
 * is discarded). An entry not used for twice the TTL is dropped, and its next use loads it as a miss.
 *
 * <p>Unknown slugs are remembered apart, briefly and boundedly ({@code unknownTtl}, {@code unknownSize}): a flood to
 * one made-up URL costs one query per TTL, and a flood of distinct made-up URLs can neither evict known tenants nor
 * hold memory. A tenant created afterwards is found at once through its change notice, at the latest after the TTL.
 * Slug look-ups that reach the database run through the caller's {@link Gate}, so ingress counts them in its bounded
 * share of the database like any other of its statements.
 */
public final class TenantResolver {
    /** Runs a look-up that missed the cache; may refuse (throw) instead, e.g. when the database is already busy. */
    @FunctionalInterface
    public interface Gate {
        Optional<ResolvedTenant> run(Supplier<Optional<ResolvedTenant>> lookup);

        /** Runs every look-up at once. */
        Gate OPEN = Supplier::get;
    }

    /** How long an unknown slug is remembered by default, and how many at most. */
    public static final Duration UNKNOWN_TTL = Duration.ofSeconds(10);
    public static final long UNKNOWN_SIZE = 10_000;

    private final TenantStore store;
    private final LoadingCache<String, ResolvedTenant> known;
    private final Cache<String, Boolean> unknown;
    private final LoadingCache<TenantId, Optional<ResolvedTenant>> byId;
    private final LongAdder slugQueries = new LongAdder();
    private final LongAdder refreshes = new LongAdder();
    /** Reads entries past their TTL again, one at a time, off the callers' paths; no thread while idle. */
    private final Executor refresher = new ThreadPoolExecutor(
            0, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
            r -> Thread.ofPlatform().daemon().name("tollgate-tenant-refresh").unstarted(r));
    /** Slug look-ups running now, for the callers that miss the same slug meanwhile. */
    private final ConcurrentHashMap<String, CompletableFuture<Optional<ResolvedTenant>>> loading =
            new ConcurrentHashMap<>();
    /** Bumped by every invalidation, so a look-up that overlapped one keeps nothing. */
    private final AtomicLong generation = new AtomicLong();

    public TenantResolver(TenantStore store, Duration ttl, long maximumSize) {
        this(store, ttl, maximumSize, UNKNOWN_TTL, UNKNOWN_SIZE);
    }

    /**
     * @param unknownTtl  how long a slug found unknown is answered as unknown without asking the database
     * @param unknownSize most unknown slugs remembered at once
     */
    public TenantResolver(TenantStore store, Duration ttl, long maximumSize, Duration unknownTtl, long unknownSize) {
        this.store = store;
        Duration dropped = ttl.multipliedBy(2);
        // only refreshes load through this: a miss runs through the caller's gate (resolveUnscoped); a tenant gone
        // (null) drops its entry
        this.known = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .refreshAfterWrite(ttl)
                .expireAfterWrite(dropped)
                .build(this.<String, ResolvedTenant>inBackground(slug -> store.findBySlugUnscoped(slug).orElse(null)));
        this.unknown = Caffeine.newBuilder()
                .maximumSize(unknownSize)
                .expireAfterWrite(unknownTtl)
                .build();
        this.byId = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .refreshAfterWrite(ttl)
                .expireAfterWrite(dropped)
                .build(this.<TenantId, Optional<ResolvedTenant>>inBackground(store::find));
    }

    /** A loader whose refreshes run on {@link #refresher}, counted; its loads (misses) on the caller's thread. */
    private <K, V> CacheLoader<K, V> inBackground(CacheLoader<K, V> load) {
        return new CacheLoader<>() {
            @Override
            public V load(K key) throws Exception {
                return load.load(key);
            }

            @Override
            public CompletableFuture<? extends V> asyncReload(K key, V oldValue, Executor ignored) {
                return CompletableFuture.supplyAsync(() -> {
                    refreshes.increment();
                    try {
                        return load.load(key);
                    } catch (RuntimeException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                }, refresher);
            }
        };
    }

    /** The tenant with this id, whatever its status (the worker decides what a suspended tenant's jobs do). */
    public Optional<ResolvedTenant> resolve(TenantId id) {
        return byId.get(id);
    }

    /**
     * The tenant behind a webhook URL's slug, whatever its status (ingress answers 403 for a suspended one).
     * Unscoped by nature: the slug is all a delivery carries.
     */
    public Optional<ResolvedTenant> resolveUnscoped(String slug) {
        return resolveUnscoped(slug, Gate.OPEN);
    }

    /**
     * As {@link #resolveUnscoped(String)}, a look-up that misses both caches running through {@code gate}.
     * Concurrent misses of one slug make one query: the others wait for its answer (or its refusal). The query runs
     * outside the caches' locks, so a stuck look-up never holds up another slug's.
     */
    public Optional<ResolvedTenant> resolveUnscoped(String slug, Gate gate) {
        Optional<Optional<ResolvedTenant>> cached = cached(slug);
        if (cached.isPresent()) {
            return cached.get();
        }
        CompletableFuture<Optional<ResolvedTenant>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<ResolvedTenant>> leader = loading.putIfAbsent(slug, mine);
        if (leader != null) {
            return await(leader);
        }
        try {
            // a look-up that just finished may have filled the cache since the first check
            cached = cached(slug);
            if (cached.isPresent()) {
                mine.complete(cached.get());
                return cached.get();
            }
            long seen = generation.get();
            Optional<ResolvedTenant> found = gate.run(() -> {
                slugQueries.increment();
                return store.findBySlugUnscoped(slug);
            });
            if (found.isPresent()) {
                known.put(slug, found.get());
            } else {
                unknown.put(slug, Boolean.TRUE);
            }
            if (generation.get() != seen) {
                // a change arrived while the query ran: what it read may be stale, keep nothing
                known.invalidate(slug);
                unknown.invalidate(slug);
            }
            mine.complete(found);
            return found;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            loading.remove(slug, mine);
        }
    }

    private Optional<Optional<ResolvedTenant>> cached(String slug) {
        ResolvedTenant hit = known.getIfPresent(slug);
        if (hit != null) {
            return Optional.of(Optional.of(hit));
        }
        return unknown.getIfPresent(slug) != null ? Optional.of(Optional.empty()) : Optional.empty();
    }

    private static Optional<ResolvedTenant> await(CompletableFuture<Optional<ResolvedTenant>> leader) {
        try {
            return leader.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Slug look-ups that reached the database so far (cache misses). */
    public long slugQueries() {
        return slugQueries.sum();
    }

    /** Entries read again in the background so far (past their TTL), by slug or by id. */
    public long refreshes() {
        return refreshes.sum();
    }

    /**
     * Handles a change notice: {@code "<tenant uuid>"} or {@code "<tenant uuid> <slug>"}. Drops the slug's entry
     * (cached absence included) and every entry of that tenant.
     */
    public void invalidate(String notice) {
        String[] parts = notice.strip().split(" ", 2);
        forget(parts[0], parts.length == 2 ? parts[1] : null);
    }

    /** Drops a tenant changed on this instance at once (the NOTIFY reaches the other instances). */
    public void invalidate(ResolvedTenant changed) {
        forget(changed.id().toString(), changed.tenant().slug());
    }

    private void forget(String id, String slug) {
        generation.incrementAndGet();
        if (slug != null) {
            known.invalidate(slug);
            unknown.invalidate(slug);
        }
        known.asMap().values().removeIf(t -> t.id().toString().equals(id));
        byId.asMap().keySet().removeIf(k -> k.toString().equals(id));
    }

    public void invalidateAll() {
        generation.incrementAndGet();
        known.invalidateAll();
        unknown.invalidateAll();
        byId.invalidateAll();
    }
}
