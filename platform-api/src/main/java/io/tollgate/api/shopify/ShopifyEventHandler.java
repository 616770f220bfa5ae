package io.tollgate.api.shopify;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.http.Json;
import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.orders.RestOrders;
import io.tollgate.api.shopify.ShopifyEvents.Applied;
import io.tollgate.api.shopify.ShopifyEvents.Deleted;
import io.tollgate.api.shopify.ShopifyEvents.Disabled;
import io.tollgate.api.shopify.ShopifyEvents.Event;
import io.tollgate.api.shopify.ShopifyEvents.Ignored;
import io.tollgate.api.shopify.ShopifyEvents.Malformed;
import io.tollgate.api.shopify.ShopifyEvents.Outcome;
import io.tollgate.api.shopify.ShopifyEvents.Recorded;
import io.tollgate.api.shopify.ShopifyEvents.Stale;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.store.TenantStore;

import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Applies a stored Shopify event to the tenant's data (CONTRACT §2: "Shopify order and customer events update the
 * tenant's local order cache"):
 * <ul>
 *   <li>orders/create, orders/updated, orders/fulfilled: the order is cached behind the {@code updated_at} fence
 *       ({@link Applied} or {@link Stale});</li>
 *   <li>customers/update: the Shopify customer row (id, current email, names) is recorded behind a fence on the
 *       customer's {@code updated_at}; cached orders keep the email they were placed with, and the lookup by email
 *       follows the customer's current email to their orders ({@link OrderCache#recentByEmail});</li>
 *   <li>customers/redact: that customer's orders (by customer id, email and the listed order ids) and Shopify-only
 *       customer rows are deleted ({@link OrderCache#redactCustomer});</li>
 *   <li>shop/redact: all of the tenant's Shopify data is deleted ({@link OrderCache#redactShop});</li>
 *   <li>app/uninstalled: the tenant's Shopify credentials are disabled ({@link TenantStore#disableShopify});</li>
 *   <li>customers/data_request: nothing beyond the stored event, which the operator acts on ({@link Recorded});</li>
 *   <li>any other topic: {@link Ignored}.</li>
 * </ul>
 * A body that cannot be applied gives {@link Malformed}; database failures surface as
 * {@link io.tollgate.tenant.db.DataException} (retry later).
 */
public final class ShopifyEventHandler {
    private final OrderCache cache;
    private final TenantStore tenants;

    public ShopifyEventHandler(OrderCache cache, TenantStore tenants) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.tenants = Objects.requireNonNull(tenants, "tenants");
    }

    public Outcome apply(Event event) {
        return apply(event.tenant(), event.topic(), event.body());
    }

    public Outcome apply(TenantId tenant, String topic, byte[] body) {
        Objects.requireNonNull(tenant, "tenant");
        String t = topic == null ? "" : topic.strip().toLowerCase(Locale.ROOT);
        try {
            return switch (t) {
                case ShopifyEvents.ORDERS_CREATE, ShopifyEvents.ORDERS_UPDATED, ShopifyEvents.ORDERS_FULFILLED ->
                        order(tenant, object(body));
                case ShopifyEvents.CUSTOMERS_UPDATE -> customer(tenant, object(body));
                case ShopifyEvents.CUSTOMERS_REDACT -> redactCustomer(tenant, object(body));
                case ShopifyEvents.SHOP_REDACT -> new Deleted(cache.redactShop(tenant));
                case ShopifyEvents.APP_UNINSTALLED -> {
                    tenants.disableShopify(tenant);
                    yield new Disabled();
                }
                case ShopifyEvents.CUSTOMERS_DATA_REQUEST -> new Recorded();
                default -> new Ignored(t);
            };
        } catch (BadBody e) {
            return new Malformed(e.getMessage());
        }
    }

    private Outcome order(TenantId tenant, JsonNode root) {
        JsonNode wrapped = root.get("order");
        JsonNode node = wrapped != null && wrapped.isObject() ? wrapped : root;
        OrderFacts facts = RestOrders.order(node);
        if (ShopifyIds.parse(facts.id()) == null) {
            throw new BadBody("the order has no numeric id");
        }
        if (facts.updatedAt() == null) {
            throw new BadBody("the order has no readable updated_at");
        }
        return cache.upsert(tenant, facts, node) ? new Applied(1) : new Stale();
    }

    private Outcome customer(TenantId tenant, JsonNode root) {
        JsonNode wrapped = root.get("customer");
        JsonNode node = wrapped != null && wrapped.isObject() ? wrapped : root;
        Long id = ShopifyIds.id(node, "id");
        if (id == null) {
            throw new BadBody("the customer has no numeric id");
        }
        ShopifyCustomer customer = new ShopifyCustomer(id, text(node, "email"), text(node, "first_name"),
                                                       text(node, "last_name"), instant(node, "updated_at"));
        return cache.recordCustomer(tenant, customer) ? new Applied(1) : new Stale();
    }

    private Outcome redactCustomer(TenantId tenant, JsonNode root) {
        JsonNode customer = root.get("customer");
        Long id = ShopifyIds.id(customer, "id");
        if (id == null && ShopifyIds.present(customer, "id")) {
            throw new BadBody("customer.id is not a Shopify id");
        }
        String email = text(customer, "email");
        List<Long> orders = new ArrayList<>();
        JsonNode listed = root.get("orders_to_redact");
        if (listed != null && !listed.isNull()) {
            if (!listed.isArray()) {
                throw new BadBody("orders_to_redact is not an array");
            }
            for (JsonNode element : listed) {
                Long order = element.isObject() ? ShopifyIds.id(element, "id") : idOf(element);
                if (order == null) {
                    throw new BadBody("orders_to_redact holds a value that is not a Shopify id");
                }
                orders.add(order);
            }
        }
        if (id == null && email == null && orders.isEmpty()) {
            throw new BadBody("the body names no customer (customer.id, customer.email) and no orders");
        }
        return new Deleted(cache.redactCustomer(tenant, id, email, orders));
    }

    private static Long idOf(JsonNode value) {
        if (value.isIntegralNumber()) {
            return value.canConvertToLong() && value.longValue() > 0 ? value.longValue() : null;
        }
        return value.isTextual() ? ShopifyIds.parse(value.textValue()) : null;
    }

    private static JsonNode object(byte[] body) {
        JsonNode root;
        try {
            root = body == null || body.length == 0 ? null : Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new BadBody("the body is not valid JSON");
        } catch (IOException e) {
            throw new BadBody("the body could not be read");
        }
        if (root == null || !root.isObject()) {
            throw new BadBody("the body is not a JSON object");
        }
        return root;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || !value.isTextual()) {
            return null;
        }
        String t = value.textValue().strip();
        return t.isEmpty() ? null : t;
    }

    private static Instant instant(JsonNode node, String field) {
        String t = text(node, field);
        if (t == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeException e) {
            return null;
        }
    }

    /** A body that cannot be applied; its message becomes {@link Malformed#reason()}. */
    private static final class BadBody extends RuntimeException {
        BadBody(String reason) {
            super(reason, null, false, false);
        }
    }
}
