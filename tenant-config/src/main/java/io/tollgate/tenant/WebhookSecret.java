package io.tollgate.tenant;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One webhook signing secret of a tenant for one provider, valid inside [validFrom, validUntil).
 * During a rotation the old secret's validUntil is the end of the grace period, so both verify.
 */
public record WebhookSecret(UUID id, Provider provider, Secret value, Instant validFrom, Optional<Instant> validUntil) {
    public WebhookSecret {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(validFrom, "validFrom");
        Objects.requireNonNull(validUntil, "validUntil");
    }

    public boolean validAt(Instant now) {
        return !now.isBefore(validFrom) && validUntil.map(now::isBefore).orElse(true);
    }
}
