package io.tollgate.tenant.resolve;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.store.TenantStore;

import java.time.Duration;
import java.util.Optional;

/**
 * Slug (ingress) or id (the worker) to tenant with decrypted credentials, cached: one query and one set of decrypts
 * per tenant until it changes. Unknown slugs and ids are cached too, so a flood to a made-up URL costs one query.
 * Entries are dropped when the tenant changes, on this instance at once ({@link #invalidate}) and on every other
 * instance through {@link TenantChangeListener}; the TTL is only a safety net.
 */
public final class TenantResolver {
    private final LoadingCache<String, Optional<ResolvedTenant>> cache;
    private final LoadingCache<TenantId, Optional<ResolvedTenant>> byId;

    public TenantResolver(TenantStore store, Duration ttl, long maximumSize) {
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfterWrite(ttl)
                .build(store::findBySlugUnscoped);
        this.byId = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfterWrite(ttl)
                .build(store::find);
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
        return cache.get(slug);
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
        if (slug != null) {
            cache.invalidate(slug);
        }
        cache.asMap().entrySet().removeIf(e -> e.getValue().map(t -> t.id().toString().equals(id)).orElse(false));
        byId.asMap().keySet().removeIf(k -> k.toString().equals(id));
    }

    public void invalidateAll() {
        cache.invalidateAll();
        byId.invalidateAll();
    }
}
