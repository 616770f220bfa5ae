package io.tollgate.api.shopify;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The Shopify GraphQL Admin API: a customer's recent orders by email, the shop's identity, and the app's webhook
 * subscriptions on the shop (see {@link WebhookSubscriptions}). HTTP 429, 5xx, timeouts and GraphQL THROTTLED
 * come back as {@link UpstreamResult.RetryLater}; GraphQL errors without data and other 4xx as
 * {@link UpstreamResult.Failed}. Calls pass through a circuit breaker per tenant (see {@link UpstreamCaller}).
 *
 * <p>Shopify limits the GraphQL Admin API by points (calculated query cost), per app and shop, in a leaky bucket whose
 * size and restore rate depend on the shop's plan. With {@link ShopifyPoints}, each query first reserves its expected
 * cost in the shop's bucket that the whole fleet shares; a query that does not fit is not sent and comes back as
 * {@code RetryLater} with {@code sent} false and the wait the bucket computes. Every answer's {@code extensions.cost}
 * (also of a THROTTLED answer, with HTTP 200 or 429) sets the bucket to what Shopify says. THROTTLED (an error whose
 * {@code extensions.code} is THROTTLED, whatever the status) is a {@code RetryLater} after
 * {@code (requested - available) / restoreRate} seconds, rounded up: never a failure.
 */
public final class ShopifyClient implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ShopifyClient.class.getName());

    /** Pages of webhook subscriptions read at most. */
    static final int MAX_SUBSCRIPTION_PAGES = 10;

    private final UpstreamCaller caller;
    private final boolean allowOverride;
    private final Optional<ShopifyPoints> points;

    /** A client that keeps no point buckets: it learns of Shopify's limit only from THROTTLED answers. */
    public ShopifyClient(UpstreamSettings settings, UpstreamMetrics metrics) {
        this(settings, metrics, Optional.empty());
    }

    /** A client that reserves each query's points in the shops' buckets the fleet shares. */
    public ShopifyClient(UpstreamSettings settings, UpstreamMetrics metrics, ShopifyPoints points) {
        this(settings, metrics, Optional.of(points));
    }

    private ShopifyClient(UpstreamSettings settings, UpstreamMetrics metrics, Optional<ShopifyPoints> points) {
        this.caller = new UpstreamCaller(Upstream.SHOPIFY, settings, metrics, Optional.empty());
        this.allowOverride = settings.allowBaseUrlOverride();
        this.points = points;
    }

    /** The tenant's {@code first} most recent orders placed with {@code email}, newest first. */
    public UpstreamResult<List<OrderFacts>> ordersByEmail(ResolvedTenant tenant, String email, int first) {
        return send(tenant, OrdersQuery.requestBody(first, email), OrdersQuery.expectedCost(first),
                    ShopifyClient::read);
    }

    /**
     * One order read again by its id (a cached copy's confirmation): Ok holds it, or nothing when Shopify no longer
     * has it (deleted, or not this shop's).
     */
    public UpstreamResult<Optional<OrderFacts>> orderById(ResolvedTenant tenant, OrderFacts order) {
        return send(tenant, OrdersQuery.orderBody(order.gid()), OrdersQuery.ORDER_COST, answer ->
                switch (OrdersQuery.parseOne(answer.body())) {
                    case OrdersAnswer.Found found -> new UpstreamResult.Ok<>(found.orders().stream().findFirst());
                    case OrdersAnswer.Throttled t -> new UpstreamResult.RetryLater<>(t.retryAfter(),
                                                                                      "GraphQL THROTTLED");
                    case OrdersAnswer.Failed f -> new UpstreamResult.Failed<>(answer.status(), f.reason());
                });
    }

    /**
     * The shop's {@code myshopifyDomain} (lower case): a cheap read that also proves the access token (a wrong one
     * is {@code Failed} with Shopify's 401).
     */
    public UpstreamResult<String> shopDomain(ResolvedTenant tenant) {
        return send(tenant, WebhookSubscriptions.shopBody(), WebhookSubscriptions.SHOP_COST,
                    WebhookSubscriptions::shopDomain);
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
            UpstreamResult<WebhookSubscriptions.Page> r = send(
                    tenant, WebhookSubscriptions.listBody(version, topics, after),
                    WebhookSubscriptions.listCost(version), WebhookSubscriptions::page);
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
        return send(tenant, WebhookSubscriptions.createBody(tenant.shopify().apiVersion(), topic, url),
                    WebhookSubscriptions.MUTATION_COST, WebhookSubscriptions::created);
    }

    /** Deletes a subscription; Ok(false) when Shopify no longer has it. */
    public UpstreamResult<Boolean> deleteWebhookSubscription(ResolvedTenant tenant, String id) {
        return send(tenant, WebhookSubscriptions.deleteBody(id), WebhookSubscriptions.MUTATION_COST,
                    WebhookSubscriptions::deleted);
    }

    /**
     * Sends one GraphQL document after reserving {@code cost} points of the shop's bucket; every answer's cost figures
     * go to the bucket, and THROTTLED (HTTP 200 or 429) is a {@code RetryLater} for the computed time.
     */
    private <T> UpstreamResult<T> send(ResolvedTenant tenant, byte[] body, double cost,
                                       Function<UpstreamAnswer, UpstreamResult<T>> read) {
        String shop = tenant.shopify().shopDomain();
        double reserved = 0;
        if (points.isPresent()) {
            switch (points.get().take(shop, cost)) {
                case ShopifyPoints.Take.Wait wait -> {
                    return new UpstreamResult.RetryLater<>(wait.after(), wait.reason(), false);
                }
                case ShopifyPoints.Take.Go go -> reserved = go.reserved();
            }
        }
        double held = reserved;
        boolean[] observed = {false};
        Function<UpstreamAnswer, Optional<UpstreamResult<T>>> throttled = answer -> {
            JsonNode root = root(answer);
            Optional<QueryCost> figures = QueryCost.of(root);
            if (figures.isPresent() && points.isPresent()) {
                try {
                    points.get().observe(shop, held, figures.get());
                    observed[0] = true;
                } catch (RuntimeException e) {
                    // the answer stands; the bucket catches up with the next answer
                    LOG.log(System.Logger.Level.WARNING, "shopify: the point bucket could not be updated: "
                            + e.getClass().getSimpleName());
                }
            }
            if (!isThrottled(root)) {
                return Optional.empty();
            }
            Duration after = figures.map(QueryCost::untilRequestedFits).orElse(OrdersAnswer.Throttled.DEFAULT_WAIT);
            return Optional.of(new UpstreamResult.RetryLater<>(after, "GraphQL THROTTLED: "
                    + figures.map(ShopifyClient::describe).orElse("no cost figures")));
        };
        try {
            return caller.call(tenant, graphql(tenant, body),
                               answer -> throttled.apply(answer).orElseGet(() -> read.apply(answer)), throttled);
        } finally {
            if (points.isPresent() && held == 0 && !observed[0]) {
                try {
                    points.get().abandonProbe(shop); // a probe without figures: another call may find them out
                } catch (RuntimeException e) {
                    // the probe's hold then runs out (ShopifyPoints.PROBE_HOLD)
                    LOG.log(System.Logger.Level.WARNING, "shopify: the shop's probe could not be given up: "
                            + e.getClass().getSimpleName());
                }
            }
        }
    }

    private static JsonNode root(UpstreamAnswer answer) {
        try {
            return RestOrders.readObject(answer.body());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether any of the answer's GraphQL errors has {@code extensions.code} THROTTLED. */
    static boolean isThrottled(JsonNode root) {
        JsonNode errors = root == null ? null : root.get("errors");
        if (errors == null || !errors.isArray()) {
            return false;
        }
        for (JsonNode error : errors) {
            if ("THROTTLED".equals(Nodes.text(error.get("extensions"), "code"))) {
                return true;
            }
        }
        return false;
    }

    private static String describe(QueryCost c) {
        return String.format(Locale.ROOT, "%.0f points requested, %.0f of %.0f available, %.0f/s restored",
                             c.requested(), c.available(), c.maximum(), c.restoreRate());
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
