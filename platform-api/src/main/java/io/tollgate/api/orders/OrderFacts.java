package io.tollgate.api.orders;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a reply about a Shopify order needs to know, from either the REST/webhook order object (shopify.RestOrders) or
 * a node of the GraphQL Admin API {@code orders} query (shopify.OrdersQuery). Every field except {@code tracking} may
 * be null (or 0 for {@code number}) when Shopify left it out.
 *
 * @param id                the numeric order id as a decimal string ("450789469"), exact even above 2^53; for a
 *                          GraphQL id that is not of the form gid://shopify/Order/DIGITS, the id as given
 * @param name              the order name customers see, e.g. "#1001" (merchants may add a prefix or suffix)
 * @param number            the order number, e.g. 1001 (REST {@code order_number}; for GraphQL the first run of digits
 *                          in {@code name}); 0 when unknown
 * @param email             the email on the order
 * @param createdAt         when the order was placed
 * @param updatedAt         when the order last changed
 * @param cancelledAt       when the order was cancelled, null if it was not
 * @param financialStatus   upper-case GraphQL vocabulary (PAID, PENDING, AUTHORIZED, PARTIALLY_PAID,
 *                          PARTIALLY_REFUNDED, REFUNDED, VOIDED, EXPIRED, ...), REST values are upper-cased
 * @param fulfillmentStatus upper-case GraphQL vocabulary (FULFILLED, UNFULFILLED, PARTIALLY_FULFILLED, IN_PROGRESS,
 *                          ON_HOLD, ...); REST "partial" becomes PARTIALLY_FULFILLED and a REST order whose
 *                          {@code fulfillment_status} is present but null (Shopify's "nothing fulfilled yet") becomes
 *                          UNFULFILLED; null when the source did not say
 * @param tracking          tracking entries of the order's fulfillments that were not cancelled or failed, in order,
 *                          without duplicates; never null
 */
public record OrderFacts(String id, String name, long number, String email, Instant createdAt, Instant updatedAt,
                         Instant cancelledAt, String financialStatus, String fulfillmentStatus,
                         List<Tracking> tracking) {

    public static final String GID_PREFIX = "gid://shopify/Order/";

    public OrderFacts {
        tracking = tracking == null ? List.of() : tracking.stream().filter(Objects::nonNull).toList();
    }

    /** The GraphQL global id, e.g. gid://shopify/Order/450789469; null if the id is unknown. */
    public String gid() {
        if (id == null) {
            return null;
        }
        return id.chars().allMatch(c -> c >= '0' && c <= '9') && !id.isEmpty() ? GID_PREFIX + id : id;
    }

    /**
     * One parcel of a fulfillment. Any field may be null, but not all three.
     *
     * @param company the carrier, e.g. "UPS"
     * @param number  the tracking number
     * @param url     the carrier's tracking page as Shopify gave it (not checked; the draft only links http(s))
     */
    public record Tracking(String company, String number, String url) {
    }
}
