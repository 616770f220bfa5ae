package io.tollgate.api.shopify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.api.upstream.UpstreamAnswer;
import io.tollgate.api.upstream.UpstreamResult;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The webhook-subscription documents per API version, and liberal reading of Shopify's answers. */
class WebhookSubscriptionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static UpstreamAnswer answer(String body) {
        return new UpstreamAnswer(200, Optional.empty(), body.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(byte[] body) throws Exception {
        return JSON.readTree(body);
    }

    @Test
    void versionsFrom2025_10UseUriAndOlderOnesCallbackUrl() throws Exception {
        assertThat(WebhookSubscriptions.usesUri("2025-10")).isTrue();
        assertThat(WebhookSubscriptions.usesUri("2026-01")).isTrue();
        assertThat(WebhookSubscriptions.usesUri("unstable")).isTrue();
        assertThat(WebhookSubscriptions.usesUri("2025-07")).isFalse();
        assertThat(WebhookSubscriptions.usesUri("2024-10")).isFalse();

        JsonNode modern = json(WebhookSubscriptions.createBody("2025-10", "ORDERS_CREATE", "https://h/x"));
        assertThat(modern.at("/variables/webhookSubscription/uri").asText()).isEqualTo("https://h/x");
        assertThat(modern.at("/variables/webhookSubscription/format").asText()).isEqualTo("JSON");
        assertThat(modern.at("/variables/topic").asText()).isEqualTo("ORDERS_CREATE");
        assertThat(modern.get("query").asText()).contains("uri").doesNotContain("callbackUrl");

        JsonNode legacy = json(WebhookSubscriptions.createBody("2025-07", "APP_UNINSTALLED", "https://h/y"));
        assertThat(legacy.at("/variables/webhookSubscription/callbackUrl").asText()).isEqualTo("https://h/y");
        assertThat(legacy.at("/variables/webhookSubscription").has("uri")).isFalse();
        assertThat(legacy.get("query").asText()).contains("WebhookHttpEndpoint").doesNotContain(" uri");

        JsonNode list = json(WebhookSubscriptions.listBody("2025-10", List.of("ORDERS_CREATE", "APP_UNINSTALLED"),
                                                          Optional.of("c1")));
        assertThat(list.at("/variables/topics").toString()).isEqualTo("[\"ORDERS_CREATE\",\"APP_UNINSTALLED\"]");
        assertThat(list.at("/variables/after").asText()).isEqualTo("c1");
    }

    @Test
    void subscriptionsAreReadFromUriCallbackUrlOrEndpointInNodesOrEdges() {
        UpstreamResult<WebhookSubscriptions.Page> r = WebhookSubscriptions.page(answer("""
                {"data": {"webhookSubscriptions": {
                  "nodes": [{"id": "gid://shopify/WebhookSubscription/1", "topic": "ORDERS_CREATE", "uri": "https://a"}],
                  "edges": [
                    {"node": {"id": "gid://shopify/WebhookSubscription/2", "topic": "orders_updated",
                              "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": "https://b"}}},
                    {"node": {"id": "gid://shopify/WebhookSubscription/3", "topic": "APP_UNINSTALLED",
                              "callbackUrl": "https://c"}},
                    {"node": {"id": "gid://shopify/WebhookSubscription/4", "topic": "ORDERS_FULFILLED",
                              "endpoint": {"__typename": "WebhookPubSubEndpoint", "pubSubProject": "p"}}},
                    {"node": {"topic": "ORDERS_CREATE"}}],
                  "pageInfo": {"hasNextPage": true, "endCursor": "abc"}}}}"""));
        assertThat(r).isInstanceOf(UpstreamResult.Ok.class);
        WebhookSubscriptions.Page page = ((UpstreamResult.Ok<WebhookSubscriptions.Page>) r).value();
        assertThat(page.subscriptions()).containsExactly(
                new WebhookSubscriptions.Subscription("gid://shopify/WebhookSubscription/1", "ORDERS_CREATE",
                                                      "https://a"),
                new WebhookSubscriptions.Subscription("gid://shopify/WebhookSubscription/2", "ORDERS_UPDATED",
                                                      "https://b"),
                new WebhookSubscriptions.Subscription("gid://shopify/WebhookSubscription/3", "APP_UNINSTALLED",
                                                      "https://c"),
                new WebhookSubscriptions.Subscription("gid://shopify/WebhookSubscription/4", "ORDERS_FULFILLED",
                                                      null));
        assertThat(page.endCursor()).contains("abc");
    }

    @Test
    void throttledIsRetryLaterAndErrorsWithoutDataAreFailed() {
        UpstreamResult<String> throttled = WebhookSubscriptions.shopDomain(answer("""
                {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                 "extensions": {"cost": {"requestedQueryCost": 50, "throttleStatus":
                   {"maximumAvailable": 1000.0, "currentlyAvailable": 10, "restoreRate": 50.0}}}}"""));
        assertThat(throttled).isInstanceOfSatisfying(UpstreamResult.RetryLater.class,
                                                     r -> assertThat(r.after()).isEqualTo(Duration.ofSeconds(1)));

        UpstreamResult<String> denied = WebhookSubscriptions.shopDomain(answer("""
                {"errors": [{"message": "Access denied for shop field.", "extensions": {"code": "ACCESS_DENIED"}}]}"""));
        assertThat(denied).isInstanceOfSatisfying(UpstreamResult.Failed.class, f -> assertThat(f.reason())
                .isEqualTo("ACCESS_DENIED: Access denied for shop field."));

        assertThat(WebhookSubscriptions.shopDomain(answer("not json"))).isInstanceOf(UpstreamResult.Failed.class);
        assertThat(WebhookSubscriptions.shopDomain(answer("{\"data\": {\"shop\": {\"myshopifyDomain\": \"Acme.MyShopify.com\"}}}")))
                .isEqualTo(new UpstreamResult.Ok<>("acme.myshopify.com"));
    }

    @Test
    void userErrorsRefuseACreateAndAMissingSubscriptionIsAlreadyDeleted() {
        UpstreamResult<String> taken = WebhookSubscriptions.created(answer("""
                {"data": {"webhookSubscriptionCreate": {"webhookSubscription": null, "userErrors": [
                  {"field": ["webhookSubscription", "callbackUrl"], "message": "Address for this topic has already been taken"}]}}}"""));
        assertThat(taken).isInstanceOfSatisfying(UpstreamResult.Failed.class, f -> assertThat(f.reason())
                .isEqualTo("userErrors: webhookSubscription.callbackUrl: Address for this topic has already been taken"));
        assertThat(WebhookSubscriptions.created(answer("""
                {"data": {"webhookSubscriptionCreate": {"webhookSubscription": {"id": "gid://shopify/WebhookSubscription/9"},
                 "userErrors": []}}}"""))).isEqualTo(new UpstreamResult.Ok<>("gid://shopify/WebhookSubscription/9"));

        assertThat(WebhookSubscriptions.deleted(answer("""
                {"data": {"webhookSubscriptionDelete": {"deletedWebhookSubscriptionId": null, "userErrors": [
                  {"field": ["id"], "message": "Webhook subscription does not exist"}]}}}""")))
                .isEqualTo(new UpstreamResult.Ok<>(false));
        assertThat(WebhookSubscriptions.deleted(answer("""
                {"data": {"webhookSubscriptionDelete": {"deletedWebhookSubscriptionId": "gid://x", "userErrors": []}}}""")))
                .isEqualTo(new UpstreamResult.Ok<>(true));
        assertThat(WebhookSubscriptions.deleted(answer("""
                {"data": {"webhookSubscriptionDelete": {"userErrors": [{"field": null, "message": "Access denied"}]}}}""")))
                .isInstanceOf(UpstreamResult.Failed.class);
    }
}
