package io.tollgate.tenant;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * A tenant's Shopify shop.
 *
 * @param shopDomain  {@code <shop>.myshopify.com}; must equal {@code X-Shopify-Shop-Domain} on deliveries
 * @param accessToken the Admin API access token
 * @param apiVersion  the Admin API version, e.g. {@code 2025-10}
 * @param baseUrl     an override of {@code https://<shopDomain>}, staging and tests only
 */
public record ShopifyCredentials(String shopDomain, Secret accessToken, String apiVersion, Optional<URI> baseUrl) {
    /** The Admin API version used when an operator names none. */
    public static final String DEFAULT_API_VERSION = "2025-10";

    public ShopifyCredentials {
        Objects.requireNonNull(shopDomain, "shopDomain");
        Objects.requireNonNull(accessToken, "accessToken");
        Objects.requireNonNull(apiVersion, "apiVersion");
        Objects.requireNonNull(baseUrl, "baseUrl");
    }

    public URI effectiveBaseUrl() {
        return baseUrl.orElseGet(() -> URI.create("https://" + shopDomain));
    }
}
