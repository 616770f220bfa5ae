package io.tollgate.api.shopify;

import io.tollgate.api.orders.OrderFacts;

import java.time.Duration;
import java.util.List;

/** What Shopify answered to the orders query (OrdersQuery.DOCUMENT), as OrdersQuery.parse reads it. */
public sealed interface OrdersAnswer {

    /**
     * The orders came back (possibly none). {@code errors} holds the messages of any GraphQL errors that came with
     * partial data (for example a field the app may not read); empty when there were none.
     */
    record Found(List<OrderFacts> orders, List<String> errors) implements OrdersAnswer {
        public Found {
            orders = List.copyOf(orders);
            errors = List.copyOf(errors);
        }
    }

    /**
     * Shopify's cost-based rate limit refused the query (an error with extensions.code THROTTLED). Try again after
     * {@code retryAfter}: computed from extensions.cost (requested cost minus currently available, divided by the
     * restore rate, rounded up to whole seconds, between one and 60 seconds), or {@link #DEFAULT_WAIT} when Shopify sent
     * no cost figures.
     */
    record Throttled(Duration retryAfter) implements OrdersAnswer {
        public static final Duration DEFAULT_WAIT = Duration.ofSeconds(2);
    }

    /**
     * No usable answer: GraphQL errors without data (ACCESS_DENIED, a bad query, ...) or a body that is not a GraphQL
     * response. {@code reason} is a short text built from the error codes and messages, never the raw body.
     */
    record Failed(String reason) implements OrdersAnswer {
    }
}
