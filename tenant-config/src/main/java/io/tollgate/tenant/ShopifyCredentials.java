package io.tollgate.tenant;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A tenant's Shopify shop.
 *
 * @param shopDomain  {@code <shop>.myshopify.com}; must equal {@code X-Shopify-Shop-Domain} on deliveries
 * @param accessToken the Admin API access token
 * @param apiVersion  the Admin API version, e.g. {@code 2025-10}
 * @param baseUrl     an override of {@code https://<shopDomain>}, staging and tests only
 * @param disabledAt  when the shop uninstalled the app (app/uninstalled); while present nothing may call Shopify
 *                    for this tenant. A new access token (PATCH) clears it. Empty for a working shop.
 */
public record ShopifyCredentials(String shopDomain, Secret accessToken, String apiVersion, Optional<URI> baseUrl,
                                 Optional<Instant> disabledAt) {
    /** The Admin API version used when an operator names none. */
    public static final String DEFAULT_API_VERSION = "2025-10";

    public ShopifyCredentials {
        Objects.requireNonNull(shopDomain, "shopDomain");
        Objects.requireNonNull(accessToken, "accessToken");
        Objects.requireNonNull(apiVersion, "apiVersion");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(disabledAt, "disabledAt");
    }

    /** Credentials of a working (not disabled) shop. */
    public ShopifyCredentials(String shopDomain, Secret accessToken, String apiVersion, Optional<URI> baseUrl) {
        this(shopDomain, accessToken, apiVersion, baseUrl, Optional.empty());
    }

    /** False after the shop uninstalled the app: callers must not use these credentials against Shopify. */
    public boolean enabled() {
        return disabledAt.isEmpty();
    }

    public URI effectiveBaseUrl() {
        return baseUrl.orElseGet(() -> URI.create("https://" + shopDomain));
    }
}
