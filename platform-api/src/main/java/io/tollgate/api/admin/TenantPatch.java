package io.tollgate.api.admin;

import io.tollgate.tenant.GorgiasCredentials;
import io.tollgate.tenant.Limits;
import io.tollgate.tenant.ShopifyCredentials;

import java.util.Optional;

/**
 * A valid PATCH ({@link TenantValidation#patch}), as the tenant it leaves: absent fields keep their value;
 * {@code "base_url": null} removes an override. {@code draftOnly}: empty when the PATCH does not name it (kept).
 */
record TenantPatch(String name, Limits limits, Optional<Boolean> draftOnly, GorgiasCredentials gorgias,
                   ShopifyCredentials shopify) {
}
