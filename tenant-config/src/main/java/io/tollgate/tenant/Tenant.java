package io.tollgate.tenant;

import java.time.Instant;
import java.util.Objects;

/**
 * A merchant: its public slug, name, status and limits. Credentials live in {@link ResolvedTenant}.
 *
 * @param draftOnly draft-only mode: the worker drafts each internal note and keeps it (note state {@code drafted})
 *                  without posting anything to Gorgias; off by default
 */
public record Tenant(TenantId id, String slug, String name, TenantStatus status, Limits limits,
                     Instant createdAt, Instant updatedAt, boolean draftOnly) {
    public Tenant {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(slug, "slug");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(limits, "limits");
    }

    /** A tenant that posts its notes (draft-only mode off). */
    public Tenant(TenantId id, String slug, String name, TenantStatus status, Limits limits, Instant createdAt,
                  Instant updatedAt) {
        this(id, slug, name, status, limits, createdAt, updatedAt, false);
    }

    public boolean active() {
        return status == TenantStatus.ACTIVE;
    }
}
