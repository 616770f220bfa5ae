package io.tollgate.api.admin;

import io.tollgate.tenant.GorgiasCredentials;
import io.tollgate.tenant.Limits;
import io.tollgate.tenant.NewTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.ShopifyCredentials;
import io.tollgate.tenant.Slug;

/**
 * A valid create request ({@link TenantValidation#create}). The Gorgias webhook secret is not in it: Tollgate
 * generates it ({@link #toNew}).
 *
 * @param connect   whether to connect the tenant's Gorgias and Shopify right after creating it
 * @param draftOnly draft-only mode ({@code draft_only}, default false): notes drafted and kept, none posted
 */
record TenantIn(Slug slug, String name, Limits limits, GorgiasCredentials gorgias, ShopifyCredentials shopify,
                Secret shopifyWebhookSecret, boolean connect, boolean draftOnly) {
    NewTenant toNew(Secret gorgiasWebhookSecret) {
        return new NewTenant(slug.value(), name, limits, gorgias, shopify, gorgiasWebhookSecret,
                             shopifyWebhookSecret, draftOnly);
    }
}
