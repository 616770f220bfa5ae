package io.tollgate.tenant;

import java.util.Objects;
import java.util.UUID;

/** A tenant's internal id. Never shown to merchants; the slug is the public name. */
public record TenantId(UUID value) {
    public TenantId {
        Objects.requireNonNull(value, "value");
    }

    public static TenantId random() {
        return new TenantId(UUID.randomUUID());
    }

    public static TenantId parse(String text) {
        return new TenantId(UUID.fromString(text));
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
