package io.tollgate.api.upstream;

import io.tollgate.tenant.GorgiasCredentials;
import io.tollgate.tenant.ShopifyCredentials;

import java.net.URI;

/**
 * Where a tenant's upstream calls go: {@code https://{gorgias.domain}.gorgias.com} and
 * {@code https://{shopify.shop_domain}}, or the tenant's {@code base_url} override when the server allows overrides.
 */
public final class BaseUrls {
    private BaseUrls() {
    }

    public static URI gorgias(GorgiasCredentials c, boolean allowOverride) {
        return allowOverride ? c.effectiveBaseUrl() : URI.create("https://" + c.domain() + ".gorgias.com");
    }

    public static URI shopify(ShopifyCredentials c, boolean allowOverride) {
        return allowOverride ? c.effectiveBaseUrl() : URI.create("https://" + c.shopDomain());
    }

    /** {@code base} with {@code path} (starting with a slash) appended to its own path. */
    public static URI resolve(URI base, String path) {
        String b = base.toString();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        return URI.create(b + path);
    }
}
