package io.tollgate.api.admin;

import io.tollgate.tenant.GorgiasCredentials;
import io.tollgate.tenant.Limits;
import io.tollgate.tenant.ShopifyCredentials;

/**
 * A valid PATCH ({@link TenantValidation#patch}), as the tenant it leaves: absent fields keep their value;
 * {@code "base_url": null} removes an override.
 */
record TenantPatch(String name, Limits limits, GorgiasCredentials gorgias, ShopifyCredentials shopify) {
}
