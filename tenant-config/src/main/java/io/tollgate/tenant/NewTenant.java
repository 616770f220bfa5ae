package io.tollgate.tenant;

import java.util.Objects;

/** Everything needed to onboard a merchant in one transaction. */
public record NewTenant(String slug, String name, Limits limits, GorgiasCredentials gorgias,
                        ShopifyCredentials shopify, Secret gorgiasWebhookSecret, Secret shopifyWebhookSecret) {
    public NewTenant {
        Objects.requireNonNull(slug, "slug");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(gorgias, "gorgias");
        Objects.requireNonNull(shopify, "shopify");
        Objects.requireNonNull(gorgiasWebhookSecret, "gorgiasWebhookSecret");
        Objects.requireNonNull(shopifyWebhookSecret, "shopifyWebhookSecret");
    }
}
