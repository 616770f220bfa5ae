package io.tollgate.tenant;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A tenant with its decrypted credentials and every webhook secret that is or will be valid: what ingress and the
 * worker need, loaded once and cached by {@link io.tollgate.tenant.resolve.TenantResolver}.
 */
public record ResolvedTenant(Tenant tenant, GorgiasCredentials gorgias, ShopifyCredentials shopify,
                             List<WebhookSecret> secrets) {
    public ResolvedTenant {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(gorgias, "gorgias");
        Objects.requireNonNull(shopify, "shopify");
        secrets = List.copyOf(secrets);
    }

    public TenantId id() {
        return tenant.id();
    }

    /** The secrets of a provider that verify at {@code now}, newest first. */
    public List<Secret> verifyingSecrets(Provider provider, Instant now) {
        return secrets.stream()
                .filter(s -> s.provider() == provider && s.validAt(now))
                .sorted((a, b) -> b.validFrom().compareTo(a.validFrom()))
                .map(WebhookSecret::value)
                .toList();
    }
}
