package io.tollgate.api.admin;

import io.tollgate.api.connect.ConnectOut;
import io.tollgate.tenant.Limits;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;

import java.net.URI;
import java.time.Instant;

/**
 * A tenant as operators see it: credentials only as masked hints (last four characters). The Gorgias webhook
 * secret appears once, on creation and rotation ({@code gorgiasWebhookSecret}), and nowhere else. {@code connect} is
 * the result of a connect made with the creation, only there.
 */
public record TenantOut(String slug, String name, String status, LimitsOut limits, GorgiasOut gorgias,
                        ShopifyOut shopify, WebhookUrls webhookUrls, Instant createdAt, Instant updatedAt,
                        String gorgiasWebhookSecret, ConnectOut connect) {

    public record LimitsOut(int ratePerMinute, int burst, int maxPayloadBytes, int timeoutMs, int maxConcurrent,
                            int retryAttempts) {
        static LimitsOut of(Limits l) {
            return new LimitsOut(l.ratePerMinute(), l.burst(), l.maxPayloadBytes(), l.timeoutMs(), l.maxConcurrent(),
                                 l.retryAttempts());
        }
    }

    public record GorgiasOut(String domain, String username, String apiKeyHint, String baseUrl) {
    }

    /** {@code disabledAt}: when the shop uninstalled the app (null, so left out, while the shop works). */
    public record ShopifyOut(String shopDomain, String apiVersion, String accessTokenHint, String baseUrl,
                             Instant disabledAt) {
    }

    public record WebhookUrls(String gorgias, String shopify) {
        /** Where merchants' upstreams reach the tenant: {@code <base>/webhooks/<slug>/<provider>}. */
        static WebhookUrls of(URI publicBase, String slug) {
            String base = publicBase.toString() + "/webhooks/" + slug;
            return new WebhookUrls(base + "/gorgias", base + "/shopify");
        }
    }

    static TenantOut of(ResolvedTenant t, URI publicBase) {
        return of(t, publicBase, null);
    }

    static TenantOut of(ResolvedTenant t, URI publicBase, Secret revealOnce) {
        return new TenantOut(
                t.tenant().slug(), t.tenant().name(), t.tenant().status().wire(), LimitsOut.of(t.tenant().limits()),
                new GorgiasOut(t.gorgias().domain(), t.gorgias().username(), mask(t.gorgias().apiKey()),
                               t.gorgias().baseUrl().map(URI::toString).orElse(null)),
                new ShopifyOut(t.shopify().shopDomain(), t.shopify().apiVersion(), mask(t.shopify().accessToken()),
                               t.shopify().baseUrl().map(URI::toString).orElse(null),
                               t.shopify().disabledAt().orElse(null)),
                WebhookUrls.of(publicBase, t.tenant().slug()),
                t.tenant().createdAt(), t.tenant().updatedAt(),
                revealOnce == null ? null : revealOnce.reveal(), null);
    }

    /** The same tenant with the result of a connect made with its creation ({@code "connect": true}). */
    TenantOut withConnect(ConnectOut result) {
        return new TenantOut(slug, name, status, limits, gorgias, shopify, webhookUrls, createdAt, updatedAt,
                             gorgiasWebhookSecret, result);
    }

    /** {@code ****abcd}, or {@code ****} for values too short to hint at safely. */
    static String mask(Secret s) {
        return "****" + s.hint();
    }
}
