package io.tollgate.api.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.Webhooks;
import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.shopify.ShopifyGraphqlServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The order cache has no expiry of its own, so a missed orders/updated webhook would make every later note state the
 * old status. A cached order Shopify confirmed longer ago than TOLLGATE_ORDER_FRESHNESS_SECONDS (300 here, the
 * default) is read again by id before the draft states it; a fresher one is used as it is. Shopify is
 * {@link ShopifyGraphqlServer}, which limits and answers as Shopify does.
 */
class OrderFreshnessTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long ORDER = 450789469L;

    @RegisterExtension
    static final Pipeline p = Pipeline.forClass(Map.of());

    private static ShopifyGraphqlServer shopify;

    @BeforeAll
    static void startShopify() {
        shopify = new ShopifyGraphqlServer();
    }

    @AfterAll
    static void stopShopify() {
        shopify.close();
    }

    /** A tenant whose Shopify is the test server, with order #1001 cached as an unfulfilled order. */
    private static Pipeline.Tenant tenantWithCachedOrder(String slug) {
        Pipeline.Tenant t = p.tenant(slug);
        String domain = slug + ".myshopify.com";
        shopify.shop(t.accessToken(), domain, 1000, 100);
        HttpResponse<String> moved = Webhooks.admin(p.server(), "PATCH", "/admin/tenants/" + slug,
                                                    "{\"shopify\": {\"base_url\": \"" + shopify.base() + "\"}}");
        assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);

        ObjectNode order = (ObjectNode) Webhooks.json(new String(
                Pipeline.order(ORDER, 1001, Instant.parse("2024-03-05T15:00:00Z")), StandardCharsets.UTF_8));
        order.putNull("fulfillment_status");
        order.putArray("fulfillments");
        HttpResponse<String> accepted = p.shopify(p.server(), t, order.toString().getBytes(StandardCharsets.UTF_8),
                                                  "orders/updated", "evt-" + slug);
        assertThat(accepted.statusCode()).as(accepted.body()).isLessThan(300);
        p.awaitProcessed(Pipeline.eventId(accepted), WAIT);
        assertThat(cached(slug, "fulfillment_status")).isEqualTo("UNFULFILLED");
        return t;
    }

    /** Shopify's copy of #1001 now: shipped, with a tracking number, changed after the cached copy. */
    private static void shippedInShopify(String slug) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", OrderFacts.GID_PREFIX + ORDER);
        o.put("name", "#1001");
        o.put("email", Pipeline.BOB);
        o.put("createdAt", "2024-03-01T15:00:00Z");
        o.put("updatedAt", "2024-03-09T15:00:00Z");
        o.putNull("cancelledAt");
        o.put("displayFinancialStatus", "PAID");
        o.put("displayFulfillmentStatus", "FULFILLED");
        o.putArray("fulfillments").addObject().put("status", "SUCCESS").putArray("trackingInfo").addObject()
                .put("company", "UPS").put("number", "1ZFRESH0001").put("url", "https://www.ups.com/track?n=1");
        shopify.order(slug + ".myshopify.com", o);
    }

    @Test
    void aStaleCachedOrderIsReadAgainBeforeTheDraftAndTheNoteStatesItsNewStatus() {
        String slug = "fresh-stale";
        Pipeline.Tenant t = tenantWithCachedOrder(slug);
        shippedInShopify(slug); // ... and the orders/updated webhook that said so never came
        p.one("UPDATE orders SET confirmed_at = now() - interval '1 hour' WHERE tenant_id ="
                      + " (SELECT id FROM tenants WHERE slug = ?) RETURNING 1", slug);

        long ticket = 46_000_000_001L;
        p.deliverProcessed(t, Pipeline.ticket(ticket, 56_000_000_001L, "Order status", "Where is my order #1001?"),
                           "wh-stale", WAIT);

        String note = text(ticket);
        assertThat(note).contains("#1001").contains("has shipped").contains("1ZFRESH0001")
                .doesNotContain("is being prepared");
        assertThat(shopify.answered(slug + ".myshopify.com")).as("re-reads of the order").isEqualTo(1);
        assertThat(cached(slug, "fulfillment_status")).isEqualTo("FULFILLED");
        assertThat(p.one("SELECT (confirmed_at > now() - interval '1 minute')::text FROM orders WHERE tenant_id ="
                                 + " (SELECT id FROM tenants WHERE slug = ?)", slug)).isEqualTo("true");
    }

    @Test
    void whenTheShopsPointsAreSpentTheJobWaitsForThemRatherThanStatingTheStaleStatus() {
        String slug = "fresh-spent";
        Pipeline.Tenant t = tenantWithCachedOrder(slug);
        shippedInShopify(slug);
        p.one("UPDATE orders SET confirmed_at = now() - interval '1 hour' WHERE tenant_id ="
                      + " (SELECT id FROM tenants WHERE slug = ?) RETURNING 1", slug);
        String domain = slug + ".myshopify.com";
        shopify.drain(domain, 1000); // another app on the shop spent every point

        long ticket = 46_000_000_003L;
        UUID event = Pipeline.eventId(p.deliver(
                t, Pipeline.ticket(ticket, 56_000_000_003L, "Order status", "Where is my order #1001?"), "wh-spent"));
        p.awaitProcessed(event, WAIT);

        assertThat(shopify.throttled(domain)).as("THROTTLED answers").isPositive();
        assertThat(p.notePosts(ticket)).as("notes").hasSize(1);
        assertThat(text(ticket)).contains("has shipped").contains("1ZFRESH0001").doesNotContain("is being prepared");
    }

    @Test
    void aRecentlyConfirmedCachedOrderIsUsedWithoutAskingShopify() {
        String slug = "fresh-recent";
        Pipeline.Tenant t = tenantWithCachedOrder(slug);
        shippedInShopify(slug);

        long ticket = 46_000_000_002L;
        p.deliverProcessed(t, Pipeline.ticket(ticket, 56_000_000_002L, "Order status", "Where is my order #1001?"),
                           "wh-recent", WAIT);

        assertThat(text(ticket)).contains("#1001").contains("is being prepared").doesNotContain("1ZFRESH0001");
        assertThat(shopify.answered(slug + ".myshopify.com")).as("calls to Shopify").isZero();
    }

    private static String cached(String slug, String column) {
        return p.one("SELECT " + column + " FROM orders WHERE tenant_id = (SELECT id FROM tenants WHERE slug = ?)",
                     slug);
    }

    private static String text(long ticket) {
        JsonNode note = Webhooks.json(p.notePosts(ticket).getFirst().getBodyAsString());
        return note.get("body_text").asText();
    }
}
