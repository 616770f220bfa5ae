package io.tollgate.api.orders;

import java.time.Instant;
import java.util.Objects;

/**
 * The Shopify side of a customer, from a customers/update body (the REST customer object).
 *
 * @param id        the Shopify customer id (64-bit, exact)
 * @param email     the customer's current email, or null
 * @param updatedAt when Shopify last changed the customer, or null
 */
public record ShopifyCustomer(long id, String email, String firstName, String lastName, Instant updatedAt) {
    public ShopifyCustomer {
        if (id <= 0) {
            throw new IllegalArgumentException("a Shopify customer id is positive");
        }
    }

    /** "First Last", or whichever of the two is known; null when neither is. */
    public String name() {
        String n = (Objects.toString(firstName, "") + " " + Objects.toString(lastName, "")).strip();
        return n.isEmpty() ? null : n;
    }
}
