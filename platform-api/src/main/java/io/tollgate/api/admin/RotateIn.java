package io.tollgate.api.admin;

import io.tollgate.tenant.Provider;
import io.tollgate.tenant.Secret;

import java.util.Optional;

/**
 * A valid secret rotation ({@link TenantValidation#rotate}): {@code {"provider", "grace_seconds"?,
 * "webhook_secret"?}}.
 *
 * @param graceSeconds  how long the previous secret keeps working
 * @param webhookSecret the new Shopify secret (Shopify's, so given); for Gorgias Tollgate generates it
 */
record RotateIn(Provider provider, int graceSeconds, Optional<Secret> webhookSecret) {
    /** Default overlap when a rotation names none: Shopify retries for up to 4 hours; a day covers it. */
    static final int DEFAULT_GRACE_SECONDS = 86_400;
    static final int MAX_GRACE_SECONDS = 30 * 86_400;
}
