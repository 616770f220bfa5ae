package io.tollgate.api.access;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Who is calling the admin API: a created token (with its id, scopes and expiry) or the bootstrap token from
 * {@code TOLLGATE_ADMIN_TOKEN} (no id, every scope).
 *
 * @param scopes what the token was granted (see {@link #may} for what it implies)
 */
public record Operator(Optional<UUID> tokenId, String name, Set<Scope> scopes, Optional<Instant> expiresAt) {
    public static final Operator BOOTSTRAP = new Operator(Optional.empty(), "bootstrap", Scope.ALL, Optional.empty());

    public Operator {
        scopes = Set.copyOf(scopes);
    }

    /** Whether this operator holds {@code scope}, granted or implied. */
    public boolean may(Scope scope) {
        return Scope.effective(scopes).contains(scope);
    }
}
