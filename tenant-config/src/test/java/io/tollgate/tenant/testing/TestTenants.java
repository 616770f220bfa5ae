package io.tollgate.tenant.testing;

import io.tollgate.tenant.GorgiasCredentials;
import io.tollgate.tenant.Limits;
import io.tollgate.tenant.NewTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.ShopifyCredentials;

import java.util.Optional;

/** Distinct, recognisable test tenants; every credential value carries the slug so leaks are easy to spot. */
public final class TestTenants {
    private TestTenants() {
    }

    public static NewTenant newTenant(String slug) {
        return new NewTenant(slug, "Shop " + slug, Limits.DEFAULTS,
                             new GorgiasCredentials(slug.replace("-", ""), "agent@" + slug + ".example",
                                                    Secret.of("gorgias-api-key-" + slug + "-0123456789"),
                                                    Optional.empty()),
                             new ShopifyCredentials(slug + ".myshopify.com",
                                                    Secret.of("shpat_" + slug + "_access_token_abcdef"),
                                                    ShopifyCredentials.DEFAULT_API_VERSION, Optional.empty()),
                             Secret.of("gorgias-webhook-secret-" + slug + "-xyz"),
                             Secret.of("shopify-webhook-secret-" + slug + "-xyz"));
    }
}
