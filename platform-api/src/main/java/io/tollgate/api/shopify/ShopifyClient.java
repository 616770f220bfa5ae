package io.tollgate.api.shopify;

import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.upstream.BaseUrls;
import io.tollgate.api.upstream.Upstream;
import io.tollgate.api.upstream.UpstreamAnswer;
import io.tollgate.api.upstream.UpstreamCaller;
import io.tollgate.api.upstream.UpstreamMetrics;
import io.tollgate.api.upstream.UpstreamRequest;
import io.tollgate.api.upstream.UpstreamResult;
import io.tollgate.api.upstream.UpstreamSettings;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.ShopifyCredentials;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Shopify GraphQL Admin API: a customer's recent orders by email, the shop's identity, and the app's webhook
 * subscriptions on the shop (see {@link WebhookSubscriptions}). HTTP 429, 5xx, timeouts and GraphQL THROTTLED
 * come back as {@link UpstreamResult.RetryLater}; GraphQL errors without data and other 4xx as
 * {@link UpstreamResult.Failed}. Calls pass through a circuit breaker per tenant (see {@link UpstreamCaller}).
 */
public final class ShopifyClient implements AutoCloseable {
    /** Pages of webhook subscriptions read at most. */
    static final int MAX_SUBSCRIPTION_PAGES = 10;

    private final UpstreamCaller caller;
    private final boolean allowOverride;

    public ShopifyClient(UpstreamSettings settings, UpstreamMetrics metrics) {
        this.caller = new UpstreamCaller(Upstream.SHOPIFY, settings, metrics, Optional.empty());
        this.allowOverride = settings.allowBaseUrlOverride();
    }

    /** The tenant's {@code first} most recent orders placed with {@code email}, newest first. */
    public UpstreamResult<List<OrderFacts>> ordersByEmail(ResolvedTenant tenant, String email, int first) {
        return caller.call(tenant, graphql(tenant, OrdersQuery.requestBody(first, email)), ShopifyClient::read);
    }

    /**
     * The shop's {@code myshopifyDomain} (lower case): a cheap read that also proves the access token (a wrong one
     * is {@code Failed} with Shopify's 401).
     */
    public UpstreamResult<String> shopDomain(ResolvedTenant tenant) {
        return caller.call(tenant, graphql(tenant, WebhookSubscriptions.shopBody()), WebhookSubscriptions::shopDomain);
    }

    /**
     * The app's webhook subscriptions on the shop for {@code topics} (GraphQL enum names such as
     * {@code ORDERS_CREATE}), following pages up to {@link #MAX_SUBSCRIPTION_PAGES}; more is {@code Failed}.
     */
    public UpstreamResult<List<WebhookSubscriptions.Subscription>> webhookSubscriptions(ResolvedTenant tenant,
                                                                                        List<String> topics) {
        List<WebhookSubscriptions.Subscription> all = new ArrayList<>();
        Optional<String> after = Optional.empty();
        String version = tenant.shopify().apiVersion();
        for (int page = 0; page < MAX_SUBSCRIPTION_PAGES; page++) {
            UpstreamResult<WebhookSubscriptions.Page> r = caller.call(
                    tenant, graphql(tenant, WebhookSubscriptions.listBody(version, topics, after)),
                    WebhookSubscriptions::page);
            if (!(r instanceof UpstreamResult.Ok<WebhookSubscriptions.Page>(WebhookSubscriptions.Page found))) {
                return r.cast();
            }
            all.addAll(found.subscriptions());
            if (found.endCursor().isEmpty()) {
                return new UpstreamResult.Ok<>(List.copyOf(all));
            }
            after = found.endCursor();
        }
        return new UpstreamResult.Failed<>(0, "shopify: more than " + MAX_SUBSCRIPTION_PAGES
                * WebhookSubscriptions.PAGE_SIZE + " webhook subscriptions for " + topics);
    }

    /**
     * Subscribes {@code url} to {@code topic} (JSON format); Ok holds the subscription's gid, Shopify's
     * {@code userErrors} come back as {@code Failed}.
     */
    public UpstreamResult<String> createWebhookSubscription(ResolvedTenant tenant, String topic, String url) {
        return caller.call(tenant, graphql(tenant, WebhookSubscriptions.createBody(tenant.shopify().apiVersion(),
                                                                                   topic, url)),
                           WebhookSubscriptions::created);
    }

    /** Deletes a subscription; Ok(false) when Shopify no longer has it. */
    public UpstreamResult<Boolean> deleteWebhookSubscription(ResolvedTenant tenant, String id) {
        return caller.call(tenant, graphql(tenant, WebhookSubscriptions.deleteBody(id)), WebhookSubscriptions::deleted);
    }

    private UpstreamRequest graphql(ResolvedTenant tenant, byte[] body) {
        ShopifyCredentials c = tenant.shopify();
        URI uri = BaseUrls.resolve(BaseUrls.shopify(c, allowOverride), "/admin/api/" + c.apiVersion() + "/graphql.json");
        return UpstreamRequest.postJson(uri, Map.of("X-Shopify-Access-Token", c.accessToken().reveal(),
                                                    "Accept", "application/json"), body);
    }

    private static UpstreamResult<List<OrderFacts>> read(UpstreamAnswer answer) {
        return switch (OrdersQuery.parse(answer.body())) {
            case OrdersAnswer.Found found -> new UpstreamResult.Ok<>(found.orders());
            case OrdersAnswer.Throttled t -> new UpstreamResult.RetryLater<>(t.retryAfter(), "GraphQL THROTTLED");
            case OrdersAnswer.Failed f -> new UpstreamResult.Failed<>(answer.status(), f.reason());
        };
    }

    /** Closes the client's kept-alive connections (at shutdown, after everything that calls it has stopped). */
    @Override
    public void close() {
        caller.close();
    }
}
