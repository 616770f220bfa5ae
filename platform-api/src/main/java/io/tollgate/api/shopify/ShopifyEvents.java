package io.tollgate.api.shopify;

import io.tollgate.api.datarequests.Subject;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/** The Shopify webhook topics Tollgate acts on, and what applying a stored Shopify event did. */
public final class ShopifyEvents {
    public static final String ORDERS_CREATE = "orders/create";
    public static final String ORDERS_UPDATED = "orders/updated";
    public static final String ORDERS_FULFILLED = "orders/fulfilled";
    /** Not subscribed by Tollgate; a merchant's own subscriptions may send them: each body is a whole order. */
    public static final String ORDERS_PAID = "orders/paid";
    public static final String ORDERS_CANCELLED = "orders/cancelled";
    public static final String ORDERS_PARTIALLY_FULFILLED = "orders/partially_fulfilled";
    /** Its body is an {@code order_edit} (what an edit changed), not an order: stored, and skipped with a reason. */
    public static final String ORDERS_EDITED = "orders/edited";
    public static final String CUSTOMERS_UPDATE = "customers/update";
    public static final String CUSTOMERS_REDACT = "customers/redact";
    public static final String CUSTOMERS_DATA_REQUEST = "customers/data_request";
    public static final String SHOP_REDACT = "shop/redact";
    public static final String APP_UNINSTALLED = "app/uninstalled";

    /** Topics whose body is a whole order: each is applied to the order cache like orders/updated. */
    public static final Set<String> ORDER_TOPICS = Set.of(ORDERS_CREATE, ORDERS_UPDATED, ORDERS_FULFILLED,
                                                          ORDERS_PAID, ORDERS_CANCELLED, ORDERS_PARTIALLY_FULFILLED);

    /** Why an orders/edited is not applied (shown as the event's status reason). */
    public static final String ORDER_EDIT_SKIPPED = "skipped: orders/edited carries an order_edit (the line items an"
            + " edit added or removed), not a whole order; the orders/updated Shopify sends for the same edit"
            + " updates the cache";

    /**
     * Topics that destroy or disable (and the privacy request that hands a customer's data over): their body must have
     * the topic's documented shape and name the tenant's shop before anything is done, since Shopify signs the body
     * only, not the {@code X-Shopify-Topic} header.
     */
    public static final Set<String> GUARDED_TOPICS = Set.of(APP_UNINSTALLED, SHOP_REDACT, CUSTOMERS_REDACT,
                                                            CUSTOMERS_DATA_REQUEST);

    private ShopifyEvents() {
    }

    /**
     * What applying an event did. Every outcome except {@link Malformed} and {@link Later} means the event is done
     * with.
     */
    public sealed interface Outcome permits Applied, Stale, Deleted, Disabled, Recorded, Ignored, Skipped, NotApplied,
            Later, Malformed {
    }

    /** {@code rows} cache rows written (an order, or a customer). */
    public record Applied(int rows) implements Outcome {
    }

    /** The cache already holds a newer copy (the fence): nothing changed. */
    public record Stale() implements Outcome {
    }

    /**
     * A privacy erasure erased {@code rows} rows in all, every table together (see
     * {@link io.tollgate.api.privacy.Erasure}); 0 when there was nothing left to erase.
     */
    public record Deleted(int rows) implements Outcome {
    }

    /** app/uninstalled: the tenant's Shopify credentials are disabled. */
    public record Disabled() implements Outcome {
    }

    /**
     * customers/data_request of the tenant's shop: whom it names, read from the body. Nothing is changed here; the
     * worker opens the request the operator answers.
     */
    public record Recorded(Subject request) implements Outcome {
        public Recorded {
            Objects.requireNonNull(request, "request");
        }
    }


    /** A topic Tollgate does not act on. */
    public record Ignored(String topic) implements Outcome {
    }

    /**
     * A topic Tollgate knows and deliberately does not apply (orders/edited), for {@code reason}: nothing changed.
     *
     * @param reason a few words for the operator, never quoting the body
     */
    public record Skipped(String reason) implements Outcome {
        public Skipped {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * A guarded topic whose body is not that topic's (another topic's body replayed under it, another shop's), or an
     * app/uninstalled that Shopify does not confirm (the shop's token still works): nothing was changed.
     *
     * @param reason a few words for the operator, never quoting the body
     */
    public record NotApplied(String reason) implements Outcome {
        public NotApplied {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Could not be decided now (Shopify's answer to the uninstall check was a 5xx, a 429, a timeout, or not one that
     * says either way): try again, not before {@code after} ({@link Duration#ZERO}: the retry schedule decides).
     */
    public record Later(Duration after, String reason) implements Outcome {
        public Later {
            Objects.requireNonNull(after, "after");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The body cannot be applied (not JSON, not an object, no usable id). Retrying cannot help: dead-letter it.
     *
     * @param reason a few words, never quoting the body
     */
    public record Malformed(String reason) implements Outcome {
    }
}
