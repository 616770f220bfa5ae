package io.tollgate.tenant;

import java.util.Objects;

/** Everything needed to onboard a merchant in one transaction ({@code draftOnly}: see {@link Tenant#draftOnly}). */
public record NewTenant(String slug, String name, Limits limits, GorgiasCredentials gorgias,
                        ShopifyCredentials shopify, Secret gorgiasWebhookSecret, Secret shopifyWebhookSecret,
                        boolean draftOnly) {
    public NewTenant {
        Objects.requireNonNull(slug, "slug");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(gorgias, "gorgias");
        Objects.requireNonNull(shopify, "shopify");
        Objects.requireNonNull(gorgiasWebhookSecret, "gorgiasWebhookSecret");
        Objects.requireNonNull(shopifyWebhookSecret, "shopifyWebhookSecret");
    }

    /** A merchant whose notes are posted (draft-only mode off). */
    public NewTenant(String slug, String name, Limits limits, GorgiasCredentials gorgias, ShopifyCredentials shopify,
                     Secret gorgiasWebhookSecret, Secret shopifyWebhookSecret) {
        this(slug, name, limits, gorgias, shopify, gorgiasWebhookSecret, shopifyWebhookSecret, false);
    }
}
