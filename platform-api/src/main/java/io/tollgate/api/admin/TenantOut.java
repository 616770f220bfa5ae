package io.tollgate.api.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.tollgate.api.connect.ConnectOut;
import io.tollgate.api.connect.ConnectionStatus;
import io.tollgate.api.connect.ConnectionStore;
import io.tollgate.api.connect.WebhookUrls;
import io.tollgate.tenant.Limits;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;

import java.net.URI;
import java.time.Instant;
import java.util.Map;

/**
 * A tenant as operators see it: credentials only as masked hints (last four characters). The Gorgias webhook
 * secret appears once, on creation and rotation ({@code gorgiasWebhookSecret}), and nowhere else. {@code connect} is
 * the result of a connect made with the creation, only there. {@code draftOnly}: draft-only mode (notes drafted and
 * kept, none posted to Gorgias).
 */
public record TenantOut(String slug, String name, String status, boolean draftOnly, LimitsOut limits,
                        GorgiasOut gorgias,
                        ShopifyOut shopify, WebhookUrls webhookUrls, Instant createdAt, Instant updatedAt,
                        String gorgiasWebhookSecret, ConnectOut connect, ConnectionsOut connections,
                        LastDeliveryOut lastDeliveryAt) {

    /**
     * What the drift check (or the last connect) knows of each provider's connection: {@code unknown} with no
     * {@code checked_at} when never connected or checked.
     */
    public record ConnectionsOut(ConnectionOut gorgias, ConnectionOut shopify) {
        static ConnectionsOut of(Map<Provider, ConnectionStore.Connection> known) {
            return new ConnectionsOut(ConnectionOut.of(known.get(Provider.GORGIAS)),
                                      ConnectionOut.of(known.get(Provider.SHOPIFY)));
        }
    }

    /** {@code reason}: why it is broken (absent when not). */
    public record ConnectionOut(String status, String reason, Instant checkedAt) {
        static ConnectionOut of(ConnectionStore.Connection c) {
            if (c == null) {
                return new ConnectionOut(ConnectionStatus.UNKNOWN.wire(), null, null);
            }
            return new ConnectionOut(c.status().wire(),
                                     c.status() == ConnectionStatus.BROKEN ? c.reason().orElse(null) : null,
                                     c.checkedAt().orElse(null));
        }
    }

    /**
     * When the tenant's last delivery from each provider was accepted (a provider absent: none within the event
     * retention). The whole object is absent when the events table could not be read promptly.
     */
    public record LastDeliveryOut(Instant gorgias, Instant shopify) {
    }

    /** {@code llmDraftsPerDay}: the tenant's own daily model draft budget; null (shown) for the fleet's default. */
    public record LimitsOut(int ratePerMinute, int burst, int maxPayloadBytes, int timeoutMs, int maxConcurrent,
                            int retryAttempts,
                            @JsonInclude(JsonInclude.Include.ALWAYS) Integer llmDraftsPerDay) {
        static LimitsOut of(Limits l) {
            return new LimitsOut(l.ratePerMinute(), l.burst(), l.maxPayloadBytes(), l.timeoutMs(), l.maxConcurrent(),
                                 l.retryAttempts(), l.llmDraftsPerDay().orElse(null));
        }
    }

    public record GorgiasOut(String domain, String username, String apiKeyHint, String baseUrl) {
    }

    /** {@code disabledAt}: when the shop uninstalled the app (null, so left out, while the shop works). */
    public record ShopifyOut(String shopDomain, String apiVersion, String accessTokenHint, String baseUrl,
                             Instant disabledAt) {
    }

    static TenantOut of(ResolvedTenant t, URI publicBase) {
        return of(t, publicBase, null);
    }

    static TenantOut of(ResolvedTenant t, URI publicBase, Secret revealOnce) {
        return new TenantOut(
                t.tenant().slug(), t.tenant().name(), t.tenant().status().wire(), t.tenant().draftOnly(),
                LimitsOut.of(t.tenant().limits()),
                new GorgiasOut(t.gorgias().domain(), t.gorgias().username(), mask(t.gorgias().apiKey()),
                               t.gorgias().baseUrl().map(URI::toString).orElse(null)),
                new ShopifyOut(t.shopify().shopDomain(), t.shopify().apiVersion(), mask(t.shopify().accessToken()),
                               t.shopify().baseUrl().map(URI::toString).orElse(null),
                               t.shopify().disabledAt().orElse(null)),
                WebhookUrls.of(publicBase, t.tenant().slug()),
                t.tenant().createdAt(), t.tenant().updatedAt(),
                revealOnce == null ? null : revealOnce.reveal(), null, null, null);
    }

    /** The same tenant with the result of a connect made with its creation ({@code "connect": true}). */
    TenantOut withConnect(ConnectOut result) {
        return new TenantOut(slug, name, status, draftOnly, limits, gorgias, shopify, webhookUrls, createdAt,
                             updatedAt, gorgiasWebhookSecret, result, connections, lastDeliveryAt);
    }

    /** The same tenant with its connections' status and last deliveries (the GET and list answers). */
    TenantOut withObserved(ConnectionsOut c, LastDeliveryOut last) {
        return new TenantOut(slug, name, status, draftOnly, limits, gorgias, shopify, webhookUrls, createdAt,
                             updatedAt, gorgiasWebhookSecret, connect, c, last);
    }

    /** {@code ****abcd}, or {@code ****} for values too short to hint at safely. */
    static String mask(Secret s) {
        return "****" + s.hint();
    }
}
