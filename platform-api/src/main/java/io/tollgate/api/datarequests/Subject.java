package io.tollgate.api.datarequests;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Whom a data request is about, as Shopify's customers/data_request names them: the request's own id
 * ({@code data_request.id}), the customer's Shopify id, e-mail and phone, and the orders Shopify lists
 * ({@code orders_requested}). Any of them may be missing; ids are Shopify's 64-bit ids.
 */
public record Subject(Optional<Long> shopifyRequestId, Optional<Long> customerId, Optional<String> email,
                      Optional<String> phone, List<Long> ordersRequested) {
    public Subject {
        Objects.requireNonNull(shopifyRequestId, "shopifyRequestId");
        Objects.requireNonNull(customerId, "customerId");
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(phone, "phone");
        ordersRequested = List.copyOf(ordersRequested);
    }

    /** Whether it names anyone at all (a customer id, an e-mail, a phone or an order). */
    public boolean namesSomeone() {
        return customerId.isPresent() || email.isPresent() || phone.isPresent() || !ordersRequested.isEmpty();
    }
}
