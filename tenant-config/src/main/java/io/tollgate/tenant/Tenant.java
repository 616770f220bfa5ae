package io.tollgate.tenant;

import java.time.Instant;
import java.util.Objects;

/** A merchant: its public slug, name, status and limits. Credentials live in {@link ResolvedTenant}. */
public record Tenant(TenantId id, String slug, String name, TenantStatus status, Limits limits,
                     Instant createdAt, Instant updatedAt) {
    public Tenant {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(slug, "slug");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(limits, "limits");
    }

    public boolean active() {
        return status == TenantStatus.ACTIVE;
    }
}
