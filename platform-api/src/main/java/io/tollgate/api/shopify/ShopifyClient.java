package io.tollgate.api.shopify;

import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.orders.OrdersAnswer;
import io.tollgate.api.orders.OrdersQuery;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Shopify GraphQL Admin API: a customer's recent orders by email. HTTP 429, 5xx, timeouts and GraphQL THROTTLED
 * come back as {@link UpstreamResult.RetryLater}; GraphQL errors without data and other 4xx as
 * {@link UpstreamResult.Failed}. Calls pass through a circuit breaker per tenant (see {@link UpstreamCaller}).
 */
public final class ShopifyClient {
    private final UpstreamCaller caller;
    private final boolean allowOverride;

    public ShopifyClient(UpstreamSettings settings, UpstreamMetrics metrics) {
        this.caller = new UpstreamCaller(Upstream.SHOPIFY, settings, metrics, Optional.empty());
        this.allowOverride = settings.allowBaseUrlOverride();
    }

    /** The tenant's {@code first} most recent orders placed with {@code email}, newest first. */
    public UpstreamResult<List<OrderFacts>> ordersByEmail(ResolvedTenant tenant, String email, int first) {
        byte[] body = OrdersQuery.requestBody(first, email);
        ShopifyCredentials c = tenant.shopify();
        URI uri = BaseUrls.resolve(BaseUrls.shopify(c, allowOverride), "/admin/api/" + c.apiVersion() + "/graphql.json");
        UpstreamRequest request = UpstreamRequest.postJson(uri, Map.of(
                "X-Shopify-Access-Token", c.accessToken().reveal(),
                "Accept", "application/json"), body);
        return caller.call(tenant, request, ShopifyClient::read);
    }

    private static UpstreamResult<List<OrderFacts>> read(UpstreamAnswer answer) {
        return switch (OrdersQuery.parse(answer.body())) {
            case OrdersAnswer.Found found -> new UpstreamResult.Ok<>(found.orders());
            case OrdersAnswer.Throttled t -> new UpstreamResult.RetryLater<>(t.retryAfter(), "GraphQL THROTTLED");
            case OrdersAnswer.Failed f -> new UpstreamResult.Failed<>(answer.status(), f.reason());
        };
    }
}
