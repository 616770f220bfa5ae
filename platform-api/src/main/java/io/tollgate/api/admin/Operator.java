package io.tollgate.api.admin;

import java.util.Optional;
import java.util.UUID;

/**
 * Who is calling the admin API: a created token (with its id) or the bootstrap token from
 * {@code TOLLGATE_ADMIN_TOKEN} (no id).
 */
public record Operator(Optional<UUID> tokenId, String name) {
    public static final Operator BOOTSTRAP = new Operator(Optional.empty(), "bootstrap");
}
