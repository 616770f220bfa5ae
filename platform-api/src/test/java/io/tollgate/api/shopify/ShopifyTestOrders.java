package io.tollgate.api.shopify;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;

/** Copies of Shopify's REST fixture order #1001 (shopify-python-api-order.json) with other ids, dates, emails. */
public final class ShopifyTestOrders {
    public static final String BOB = ShopifySamples.BOB;
    public static final long BOB_ID = 207119551L;
    /** 2^53 + 1: the first integer a double cannot hold. */
    public static final long BEYOND_DOUBLE = 9_007_199_254_740_993L;

    private ShopifyTestOrders() {
    }

    /** The fixture order with another id, order number, creation and update time. */
    public static ObjectNode order(long id, long number, String createdAt, String updatedAt) {
        ObjectNode o = ShopifySamples.bobsOrderJson();
        o.put("id", id);
        o.put("name", "#" + number);
        o.put("order_number", number);
        o.put("created_at", createdAt);
        o.put("updated_at", updatedAt);
        return o;
    }

    /** The same order shipped: one fulfillment with two UPS parcels. */
    public static ObjectNode shipped(ObjectNode order) {
        order.put("fulfillment_status", "fulfilled");
        ArrayNode fulfillments = order.putArray("fulfillments");
        ObjectNode f = fulfillments.addObject();
        f.put("id", 255858046L);
        f.put("status", "success");
        f.put("tracking_company", "UPS");
        f.putArray("tracking_numbers").add("1Z2345").add("1Z6789");
        f.putArray("tracking_urls").add("https://www.ups.com/track?tracknum=1Z2345")
                .add("https://www.ups.com/track?tracknum=1Z6789");
        return order;
    }

    public static byte[] bytes(ObjectNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }
}
