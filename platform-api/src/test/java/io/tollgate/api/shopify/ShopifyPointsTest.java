package io.tollgate.api.shopify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.StoreDatabase;
import io.tollgate.api.observe.ProcessMeters;
import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.upstream.UpstreamResult;
import io.tollgate.api.upstream.UpstreamTesting;
import io.tollgate.api.upstream.UpstreamMetrics;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.ShopifyCredentials;
import io.tollgate.tenant.db.Database;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shopify's GraphQL points against {@link ShopifyGraphqlServer} (which limits as Shopify does) with the shops'
 * buckets in the real PostgreSQL: the client waits instead of being THROTTLED, learns a drained bucket from a
 * THROTTLED answer, and gateways on one database share a shop's bucket.
 */
class ShopifyPointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final StoreDatabase DB = new StoreDatabase("points", "shopify_point_buckets");

    private static final UpstreamMetrics METRICS = new UpstreamMetrics(ProcessMeters.registry());

    private static ShopifyGraphqlServer shopify;
    private static Database second;

    @BeforeAll
    static void start() {
        shopify = new ShopifyGraphqlServer();
        second = Database.open(DB.db().settings(), "second-gateway");
    }

    @AfterAll
    static void stop() {
        second.close();
        shopify.close();
    }

    private static ShopifyClient client(Database db) {
        return new ShopifyClient(UpstreamTesting.settings(), METRICS, new ShopifyPoints(db));
    }

    /** A tenant of a shop on the server ({@code points} at most, {@code rate}/s restored) with one order of Bob's. */
    private static ResolvedTenant shop(String slug, String version, double points, double rate) {
        ResolvedTenant t = UpstreamTesting.tenant(slug, shopify.base());
        ShopifyCredentials c = t.shopify();
        shopify.shop(c.accessToken().reveal(), c.shopDomain(), points, rate);
        shopify.order(c.shopDomain(), order(450789469L, "#1001", "FULFILLED"));
        return new ResolvedTenant(t.tenant(), t.gorgias(), new ShopifyCredentials(
                c.shopDomain(), c.accessToken(), version, Optional.of(shopify.base())), t.secrets());
    }

    static ObjectNode order(long id, String name, String fulfillment) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", OrderFacts.GID_PREFIX + id);
        o.put("name", name);
        o.put("email", ShopifySamples.BOB);
        o.put("createdAt", "2024-03-01T15:00:00Z");
        o.put("updatedAt", "2024-03-05T15:00:00Z");
        o.putNull("cancelledAt");
        o.put("displayFinancialStatus", "PAID");
        o.put("displayFulfillmentStatus", fulfillment);
        o.putArray("fulfillments");
        return o;
    }

    private static OrderFacts known(long id) {
        return new OrderFacts(Long.toString(id), null, 0, null, null, null, null, null, null, List.of());
    }

    /**
     * Makes the call until it succeeds, doing what the worker does with a {@code RetryLater}: waiting the time it
     * names. Fails on anything but Ok and unsent waits; returns how many times it waited.
     */
    private static <T> int untilOk(Supplier<UpstreamResult<T>> call) {
        int waits = 0;
        while (true) {
            UpstreamResult<T> r = call.get();
            switch (r) {
                case UpstreamResult.Ok<T> ok -> {
                    return waits;
                }
                case UpstreamResult.RetryLater<T> later when !later.sent() -> {
                    waits++;
                    sleep(later.after());
                }
                default -> throw new AssertionError("not Ok and not an unsent wait: " + r);
            }
        }
    }

    @Test
    void aBurstIsNeverThrottledBecauseTheClientWaitsForThePoints() {
        ResolvedTenant t = shop("burst-shop", "2025-10", 100, 200);
        String domain = t.shopify().shopDomain();
        ShopifyClient client = client(DB.db());
        int waits = 0;
        for (int i = 0; i < 12; i++) {
            waits += untilOk(() -> client.orderById(t, known(450789469L)));
            waits += untilOk(() -> client.ordersByEmail(t, ShopifySamples.BOB, 2));
        }

        assertThat(shopify.throttled(domain)).as("THROTTLED answers").isZero();
        assertThat(shopify.answered(domain)).as("queries Shopify ran").isEqualTo(24);
        // 12 x (31 + 64) points through a bucket of 100: the client must have waited for points
        assertThat(waits).as("waits for points").isPositive();
        assertThat(bucket(domain)).as("the bucket as Shopify's answers said it").isEqualTo("100 200");
    }

    @Test
    void aBucketDrainedFromOutsideIsLearntFromTheThrottledAnswerAndTheRetryAfterTheComputedTimeSucceeds() {
        ResolvedTenant t = shop("drained-shop", "2025-10", 100, 10);
        String domain = t.shopify().shopDomain();
        ShopifyClient client = client(DB.db());
        assertThat(client.orderById(t, known(450789469L))).isInstanceOf(UpstreamResult.Ok.class);

        shopify.drain(domain, 100); // another app on the shop spends its points
        UpstreamResult<Optional<OrderFacts>> throttled = client.orderById(t, known(450789469L));

        assertThat(throttled).isInstanceOf(UpstreamResult.RetryLater.class);
        UpstreamResult.RetryLater<Optional<OrderFacts>> later =
                (UpstreamResult.RetryLater<Optional<OrderFacts>>) throttled;
        assertThat(later.sent()).isTrue();
        assertThat(later.reason()).contains("THROTTLED");
        // (31 requested - at most a few points restored) / 10 per second, rounded up
        assertThat(later.after()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(4));
        assertThat(shopify.throttled(domain)).isEqualTo(1);

        // the bucket now knows: asked again at once, the client does not send
        UpstreamResult<Optional<OrderFacts>> again = client.orderById(t, known(450789469L));
        assertThat(again).isInstanceOf(UpstreamResult.RetryLater.class);
        assertThat(((UpstreamResult.RetryLater<Optional<OrderFacts>>) again).sent()).as("sent").isFalse();
        assertThat(shopify.throttled(domain)).isEqualTo(1);

        sleep(later.after());
        untilOk(() -> client.orderById(t, known(450789469L)));
        assertThat(shopify.throttled(domain)).as("THROTTLED answers in all").isEqualTo(1);
    }

    @Test
    void twoGatewaysOnOneDatabaseShareTheShopsBucket() throws Exception {
        ResolvedTenant t = shop("shared-shop", "2025-10", 100, 150);
        String domain = t.shopify().shopDomain();
        List<ShopifyClient> gateways = List.of(client(DB.db()), client(second));
        AtomicInteger waits = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int g = 0; g < 4; g++) {
                ShopifyClient client = gateways.get(g % 2);
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < 6; i++) {
                        waits.addAndGet(untilOk(() -> client.orderById(t, known(450789469L))));
                    }
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(shopify.throttled(domain)).as("THROTTLED answers").isZero();
        assertThat(shopify.answered(domain)).isEqualTo(24);
        assertThat(waits.get()).as("waits for points").isPositive();
    }

    @Test
    void theTestServerRefusesWhatShopifyRefuses() throws Exception {
        ResolvedTenant t = shop("strict-shop", "2025-07", 1000, 100);
        String token = t.shopify().accessToken().reveal();
        URI legacy = shopify.base().resolve("/admin/api/2025-07/graphql.json");

        HttpResponse<String> noToken = post(legacy, null,
                                            "{\"query\": \"query TollgateShop { shop { myshopifyDomain } }\"}");
        assertThat(noToken.statusCode()).isEqualTo(401);
        HttpResponse<String> noQuery = post(legacy, token, "{\"variables\": {}}");
        assertThat(noQuery.statusCode()).isEqualTo(400);
        HttpResponse<String> notJson = post(legacy, token, "query TollgateShop { shop { myshopifyDomain } }");
        assertThat(notJson.statusCode()).isEqualTo(400);

        // before 2025-10 the schema has no uri: HTTP 200 with the error, and the cost as always
        byte[] modern = WebhookSubscriptions.createBody("2025-10", "ORDERS_CREATE", "https://gw.example/w");
        HttpResponse<String> uri = post(legacy, token, new String(modern));
        assertThat(uri.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(uri.body());
        assertThat(body.path("errors").get(0).path("message").asText()).contains("Field 'uri' doesn't exist");
        assertThat(body.path("data").isMissingNode()).isTrue();
        assertThat(body.path("extensions").path("cost").path("throttleStatus").path("restoreRate").asDouble())
                .isEqualTo(100.0);
    }

    @Test
    void webhookSubscriptionsAreMadeWithUriFrom2025_10AndWithCallbackUrlBefore() {
        ShopifyClient client = client(DB.db());
        for (String version : List.of("2025-07", "2025-10", "2026-01")) {
            ResolvedTenant t = shop("hooks-" + version, version, 1000, 100);
            String domain = t.shopify().shopDomain();

            UpstreamResult<String> created = client.createWebhookSubscription(t, "ORDERS_UPDATED",
                                                                               "https://gw.example/" + version);

            assertThat(created).as(version).isInstanceOf(UpstreamResult.Ok.class);
            assertThat(((UpstreamResult.Ok<String>) created).value()).startsWith("gid://shopify/WebhookSubscription/");
            assertThat(shopify.subscriptions(domain)).singleElement().satisfies(s -> {
                assertThat(s.path("topic").asText()).isEqualTo("ORDERS_UPDATED");
                assertThat(s.path("url").asText()).isEqualTo("https://gw.example/" + version);
            });
        }
    }

    private static HttpResponse<String> post(URI uri, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("X-Shopify-Access-Token", token);
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static String bucket(String shop) {
        try (Connection c = DB.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT maximum || ' ' || restore_rate FROM shopify_point_buckets WHERE shop = ?")) {
            ps.setString(1, shop);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
