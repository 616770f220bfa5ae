package io.tollgate.api.ingest;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.TenantId;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.Optional;

/**
 * The deliveries this process stored or found moments ago, so that a sender's repeat (Shopify and Gorgias retry, and
 * resend after a slow answer) is answered from memory instead of a database round trip. An entry is added only once
 * the first copy's transaction has committed (the writer completes a delivery only after its commit), so a repeat is
 * never answered "duplicate" before the first copy is durable; a delivery nobody here has seen commit (another
 * instance's, one older than the entries kept, or one whose copies race) goes to the database as before, which
 * decides.
 *
 * <p>A repeat is answered from here only when its body is byte for byte the first copy's (same SHA-256): then its
 * JSON check would answer the same, and the database would answer "duplicate" with the first copy's id, exactly what
 * is answered here. A repeat with another body under the same key takes the database path (its JSON check decides
 * between 400 and the duplicate answer).
 *
 * <p>Bounded: at most {@link #MAX_ENTRIES} entries (about 370 bytes each with the cache's own node: the key, two ids,
 * a digest; about 7 MiB, 5 % of the image's heap), each kept {@link #KEPT} after it was written. Entries are not
 * removed when a tenant is deleted (a deleted tenant is refused before this is asked, and a tenant created again has
 * a new id) or when events are erased or swept: retention keeps events far longer than an entry lives, and an erased
 * event keeps its delivery key and digest, so the database answers its repeat "duplicate" too.
 */
public final class RecentDeliveries {
    static final int MAX_ENTRIES = 20_000;
    static final Duration KEPT = Duration.ofMinutes(10);

    private record Key(TenantId tenant, Provider provider, String deliveryKey) {
    }

    private record First(EventId eventId, byte[] sha256) {
    }

    // the cache's upkeep (evictions, expiry) runs on the thread that wrote, not handed to the common pool: a hand-off
    // per committed delivery cost more than the upkeep itself (a thread wake-up each)
    private final Cache<Key, First> recent = Caffeine.newBuilder().maximumSize(MAX_ENTRIES).expireAfterWrite(KEPT)
            .executor(Runnable::run).build();

    /** An empty memory; one per process (the composition root's). */
    public RecentDeliveries() {
    }

    /** The first copy's event when a repeat of exactly this delivery (same key, same body) committed here before. */
    Optional<EventId> committedCopy(TenantId tenant, Provider provider, String deliveryKey, byte[] sha256) {
        First first = recent.getIfPresent(new Key(tenant, provider, deliveryKey));
        return first != null && MessageDigest.isEqual(first.sha256(), sha256) ? Optional.of(first.eventId())
                : Optional.empty();
    }

    /** Called once the delivery's transaction committed (stored, or its first copy found): its repeats need no trip. */
    void committed(Delivery d, EventId stored) {
        recent.asMap().putIfAbsent(new Key(d.tenant(), d.provider(), d.deliveryKey()), new First(stored, d.sha256()));
    }
}
