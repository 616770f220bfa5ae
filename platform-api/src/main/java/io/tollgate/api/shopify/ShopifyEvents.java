package io.tollgate.api.shopify;

import io.tollgate.tenant.TenantId;

import java.util.Objects;
import java.util.Set;

/** The Shopify webhook topics Tollgate acts on, a stored Shopify event, and what applying one did. */
public final class ShopifyEvents {
    public static final String ORDERS_CREATE = "orders/create";
    public static final String ORDERS_UPDATED = "orders/updated";
    public static final String ORDERS_FULFILLED = "orders/fulfilled";
    public static final String CUSTOMERS_UPDATE = "customers/update";
    public static final String CUSTOMERS_REDACT = "customers/redact";
    public static final String CUSTOMERS_DATA_REQUEST = "customers/data_request";
    public static final String SHOP_REDACT = "shop/redact";
    public static final String APP_UNINSTALLED = "app/uninstalled";

    /** Topics whose body is an order. */
    public static final Set<String> ORDER_TOPICS = Set.of(ORDERS_CREATE, ORDERS_UPDATED, ORDERS_FULFILLED);

    private ShopifyEvents() {
    }

    /**
     * A stored Shopify delivery ({@code webhook_events} row of provider shopify).
     *
     * @param topic the {@code X-Shopify-Topic} it came with
     * @param body  the raw body, as signed
     */
    public record Event(TenantId tenant, String topic, byte[] body) {
        public Event {
            Objects.requireNonNull(tenant, "tenant");
        }
    }

    /** What applying an event did. Every outcome except {@link Malformed} means the event is done with. */
    public sealed interface Outcome permits Applied, Stale, Deleted, Disabled, Recorded, Ignored, Malformed {
    }

    /** {@code rows} cache rows written (an order, or a customer). */
    public record Applied(int rows) implements Outcome {
    }

    /** The cache already holds a newer copy (the fence): nothing changed. */
    public record Stale() implements Outcome {
    }

    /** A redact deleted {@code rows} rows (orders and customer rows); 0 when there was nothing to delete. */
    public record Deleted(int rows) implements Outcome {
    }

    /** app/uninstalled: the tenant's Shopify credentials are disabled. */
    public record Disabled() implements Outcome {
    }

    /** customers/data_request: the stored event is the record the operator acts on; nothing else is kept. */
    public record Recorded() implements Outcome {
    }

    /** A topic Tollgate does not act on. */
    public record Ignored(String topic) implements Outcome {
    }

    /**
     * The body cannot be applied (not JSON, not an object, no usable id). Retrying cannot help: dead-letter it.
     *
     * @param reason a few words, never quoting the body
     */
    public record Malformed(String reason) implements Outcome {
    }
}
