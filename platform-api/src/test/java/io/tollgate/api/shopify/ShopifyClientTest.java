package io.tollgate.api.shopify;

import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.upstream.BaseUrls;
import io.tollgate.api.upstream.UpstreamCaller;
import io.tollgate.api.upstream.UpstreamResult;
import io.tollgate.api.upstream.UpstreamTesting;
import io.tollgate.api.upstream.WireMockUpstream;
import io.tollgate.tenant.ResolvedTenant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.tollgate.api.upstream.UpstreamTesting.gorgiasKey;
import static io.tollgate.api.upstream.UpstreamTesting.shopifyToken;
import static org.assertj.core.api.Assertions.assertThat;

/** The Shopify GraphQL client against WireMock on a local port. */
class ShopifyClientTest {
    private static final String GRAPHQL = "/admin/api/2025-10/graphql.json";

    @RegisterExtension
    static final WireMockUpstream UPSTREAM = new WireMockUpstream("shopify");

    private ShopifyClient client() {
        return new ShopifyClient(UpstreamTesting.settings(), UPSTREAM.metrics());
    }

    @Test
    void asksForTheCustomersOrdersWithTheTenantsTokenAndReadsThem() {
        ResolvedTenant t = UpstreamTesting.tenant("orders-shop", UPSTREAM.base());
        UPSTREAM.server().stubFor(post(urlEqualTo(GRAPHQL))
                .withHeader("X-Shopify-Access-Token", equalTo(shopifyToken("orders-shop")))
                .withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(matchingJsonPath("$.query", equalTo(OrdersQuery.DOCUMENT)))
                .withRequestBody(matchingJsonPath("$.variables.first", equalTo("5")))
                .withRequestBody(matchingJsonPath("$.variables.query",
                                                  equalTo("email:\"" + ShopifySamples.BOB + "\"")))
                .willReturn(okJson(new String(ShopifySamples.resource("graphql-customer-orders.json")))));

        UpstreamResult<List<OrderFacts>> result = client().ordersByEmail(t, ShopifySamples.BOB, 5);

        assertThat(result).isInstanceOf(UpstreamResult.Ok.class);
        List<OrderFacts> orders = ((UpstreamResult.Ok<List<OrderFacts>>) result).value();
        assertThat(orders).extracting(OrderFacts::name).containsExactly("#1003", "#1002", "#1001");
        assertThat(orders.getFirst().id()).isEqualTo("9007199254740993");
        UPSTREAM.server().verify(1, postRequestedFor(urlEqualTo(GRAPHQL)));
        assertThat(UPSTREAM.moved("200")).isEqualTo(1);
    }

    @Test
    void aThrottledAnswerIsRetriedWhenTheCostIsRestored() {
        ResolvedTenant t = UpstreamTesting.tenant("throttled-shop", UPSTREAM.base());
        UPSTREAM.server().stubFor(post(urlEqualTo(GRAPHQL))
                .willReturn(okJson(new String(ShopifySamples.resource("graphql-throttled.json")))
                                    .withHeader("X-Request-Id", "req-throttled-1")));

        UpstreamResult<List<OrderFacts>> result = client().ordersByEmail(t, ShopifySamples.BOB, 5);

        assertThat(result).isInstanceOf(UpstreamResult.RetryLater.class);
        UpstreamResult.RetryLater<List<OrderFacts>> later = (UpstreamResult.RetryLater<List<OrderFacts>>) result;
        // (752 requested - 12 available) / 50 per second, rounded up
        assertThat(later.after()).isEqualTo(Duration.ofSeconds(15));
        assertThat(later.reason()).contains("shopify HTTP 200", "req-throttled-1", "THROTTLED");
    }

    @Test
    void aThrottledAnswerWithHttp429IsReadByItsCodeAndWaitsTheComputedTimeNotRetryAfter() {
        ResolvedTenant t = UpstreamTesting.tenant("throttled-429-shop", UPSTREAM.base());
        UPSTREAM.server().stubFor(post(urlEqualTo(GRAPHQL))
                .willReturn(aResponse().withStatus(429).withHeader("Content-Type", "application/json")
                                    .withHeader("Retry-After", "1")
                                    .withBody(ShopifySamples.resource("graphql-throttled.json"))));

        UpstreamResult<List<OrderFacts>> result = client().ordersByEmail(t, ShopifySamples.BOB, 5);

        assertThat(result).isInstanceOf(UpstreamResult.RetryLater.class);
        UpstreamResult.RetryLater<List<OrderFacts>> later = (UpstreamResult.RetryLater<List<OrderFacts>>) result;
        // (752 requested - 12 available) / 50 per second, rounded up: the cost figures, not the 1 s of Retry-After
        assertThat(later.after()).isEqualTo(Duration.ofSeconds(15));
        assertThat(later.reason()).contains("shopify HTTP 429", "THROTTLED");
    }

    @Test
    void tooManyRequestsHonoursRetryAfterInSecondsAndAsAnHttpDate() {
        ResolvedTenant t = UpstreamTesting.tenant("limited-shop", UPSTREAM.base());
        UPSTREAM.server().stubFor(post(urlEqualTo(GRAPHQL)).willReturn(aResponse().withStatus(429)
                                                                    .withHeader("Retry-After", "2")));

        UpstreamResult<List<OrderFacts>> seconds = client().ordersByEmail(t, ShopifySamples.BOB, 5);

        assertThat(seconds).isInstanceOf(UpstreamResult.RetryLater.class);
        assertThat(((UpstreamResult.RetryLater<List<OrderFacts>>) seconds).after()).isEqualTo(Duration.ofSeconds(2));

        String inAnHour = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.UTC).plusHours(1));
        UPSTREAM.server().stubFor(post(urlEqualTo(GRAPHQL)).willReturn(aResponse().withStatus(429)
                                                                    .withHeader("Retry-After", inAnHour)));

        UpstreamResult<List<OrderFacts>> date = client().ordersByEmail(t, ShopifySamples.BOB, 5);

        assertThat(date).isInstanceOf(UpstreamResult.RetryLater.class);
        assertThat(((UpstreamResult.RetryLater<List<OrderFacts>>) date).after())
                .isBetween(Duration.ofMinutes(55), Duration.ofMinutes(61));
        assertThat(UPSTREAM.moved("429")).isEqualTo(2);
    }

    @Test
    void retryAfterValuesAreReadAsSecondsWithFractionsOrHttpDatesAndNothingElse() {
        assertThat(UpstreamCaller.parseRetryAfter("2.0")).contains(Duration.ofSeconds(2));
        assertThat(UpstreamCaller.parseRetryAfter(" 1.5 ")).contains(Duration.ofMillis(1500));
        assertThat(UpstreamCaller.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).contains(Duration.ZERO);
        assertThat(UpstreamCaller.parseRetryAfter("soon")).isEmpty();
        assertThat(UpstreamCaller.parseRetryAfter("-3")).isEmpty();
        assertThat(UpstreamCaller.parseRetryAfter("NaN")).isEmpty();
    }

    @Test
    void theDefaultBaseIsTheShopDomainAndAnOverrideCountsOnlyWhenAllowed() {
        ResolvedTenant t = UpstreamTesting.tenant("base-shop", UPSTREAM.base());
        assertThat(BaseUrls.shopify(t.shopify(), false)).isEqualTo(URI.create("https://base-shop.myshopify.com"));
        assertThat(BaseUrls.shopify(t.shopify(), true)).isEqualTo(UPSTREAM.base());
        assertThat(BaseUrls.gorgias(t.gorgias(), false)).isEqualTo(URI.create("https://baseshop.gorgias.com"));
        assertThat(BaseUrls.gorgias(t.gorgias(), true)).isEqualTo(UPSTREAM.base());
        assertThat(BaseUrls.resolve(URI.create("http://h:1/prefix/"), "/api/x")).isEqualTo(URI.create("http://h:1/prefix/api/x"));
    }

    @Test
    void serverErrorsAreRetriedLater() {
        ResolvedTenant t = UpstreamTesting.tenant("broken-shop", UPSTREAM.base());
        UPSTREAM.server().stubFor(post(urlEqualTo(GRAPHQL))
                .willReturn(aResponse().withStatus(502).withBody("bad gateway")));

        UpstreamResult<List<OrderFacts>> result = client().ordersByEmail(t, ShopifySamples.BOB, 5);

        assertThat(result).isInstanceOf(UpstreamResult.RetryLater.class);
        assertThat(((UpstreamResult.RetryLater<List<OrderFacts>>) result).reason())
                .contains("shopify HTTP 502", "bad gateway");
        assertThat(UPSTREAM.moved("502")).isEqualTo(1);
    }

    @Test
    void aRevokedTokenIsFailedWithBodyAndRequestIdButNeverTheToken() {
        ResolvedTenant t = UpstreamTesting.tenant("revoked-shop", UPSTREAM.base());
        UPSTREAM.unauthorized(GRAPHQL, "3f1c-revoked", "{\"errors\":\"[API] Invalid API key or access token "
                + "(unrecognized login or wrong password)\",\"echo\":\"" + shopifyToken("revoked-shop") + "\"}");

        WireMockUpstream.Logged<List<OrderFacts>> call = WireMockUpstream.logged(
                () -> client().ordersByEmail(t, ShopifySamples.BOB, 5));
        UpstreamResult<List<OrderFacts>> result = call.result();
        String logs = call.logs();

        assertThat(result).isInstanceOf(UpstreamResult.Failed.class);
        UpstreamResult.Failed<List<OrderFacts>> failed = (UpstreamResult.Failed<List<OrderFacts>>) result;
        assertThat(failed.status()).isEqualTo(401);
        assertThat(failed.reason()).contains("shopify HTTP 401", "3f1c-revoked", "Invalid API key or access token");
        assertThat(logs).contains("tenant=revoked-shop", "3f1c-revoked", "Invalid API key");
        for (String text : new String[] {failed.reason(), logs}) {
            assertThat(text).doesNotContain(shopifyToken("revoked-shop"), gorgiasKey("revoked-shop"));
        }
        assertThat(UPSTREAM.moved("401")).isEqualTo(1);
    }

    @Test
    void graphQlErrorsWithoutDataAreFailed() {
        ResolvedTenant t = UpstreamTesting.tenant("denied-shop", UPSTREAM.base());
        UPSTREAM.server().stubFor(post(urlEqualTo(GRAPHQL)).willReturn(okJson("""
                {"errors": [{"message": "Access denied for orders field.",
                             "extensions": {"code": "ACCESS_DENIED"}}]}""")));

        UpstreamResult<List<OrderFacts>> result = client().ordersByEmail(t, ShopifySamples.BOB, 5);

        assertThat(result).isInstanceOf(UpstreamResult.Failed.class);
        assertThat(((UpstreamResult.Failed<List<OrderFacts>>) result).reason()).contains("ACCESS_DENIED");
    }

    @Test
    void aReadTimeoutIsRetriedLater() {
        ResolvedTenant t = UpstreamTesting.tenant("slow-shop", UPSTREAM.base());
        UPSTREAM.server().stubFor(post(urlEqualTo(GRAPHQL)).willReturn(
                okJson(new String(ShopifySamples.resource("graphql-customer-orders.json"))).withFixedDelay(3_000)));
        ShopifyClient client = new ShopifyClient(UpstreamTesting.settings(Duration.ofMillis(300), 1000, 1000),
                                                 UPSTREAM.metrics());

        UpstreamResult<List<OrderFacts>> result = client.ordersByEmail(t, ShopifySamples.BOB, 5);

        assertThat(result).isInstanceOf(UpstreamResult.RetryLater.class);
        assertThat(((UpstreamResult.RetryLater<List<OrderFacts>>) result).reason()).contains("shopify", "timeout");
        assertThat(UPSTREAM.moved("timeout")).isEqualTo(1);
    }

    @Test
    void theBreakerOpensAfterRepeatedFailuresAndShopifySeesNoMoreCalls() {
        ResolvedTenant t = UpstreamTesting.tenant("outage-shop", UPSTREAM.base());
        UPSTREAM.server().stubFor(post(urlEqualTo(GRAPHQL)).willReturn(aResponse().withStatus(500)));
        ShopifyClient client = new ShopifyClient(UpstreamTesting.settings(Duration.ofSeconds(10), 1000, 3),
                                                 UPSTREAM.metrics());

        for (int i = 0; i < 3; i++) {
            assertThat(client.ordersByEmail(t, ShopifySamples.BOB, 5)).isInstanceOf(UpstreamResult.RetryLater.class);
        }
        UpstreamResult<List<OrderFacts>> refused = client.ordersByEmail(t, ShopifySamples.BOB, 5);

        assertThat(refused).isInstanceOf(UpstreamResult.RetryLater.class);
        assertThat(((UpstreamResult.RetryLater<List<OrderFacts>>) refused).reason()).contains("circuit breaker open");
        UPSTREAM.server().verify(3, postRequestedFor(urlEqualTo(GRAPHQL)));
        assertThat(UPSTREAM.moved("500")).isEqualTo(3);
    }
}
