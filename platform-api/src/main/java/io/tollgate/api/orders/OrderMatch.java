package io.tollgate.api.orders;

/** Which order a ticket is about, as decided by {@link OrderMatcher}. */
public sealed interface OrderMatch {

    /** How the order was chosen. */
    enum How {
        /** The customer named it: "#1002", "# 1002", "order 1002", "order no. 1002", or its full name. */
        NAMED,
        /** The customer wrote its number on its own ("1002"), and that is one of this customer's order numbers. */
        NUMBER,
        /** The customer named no order of theirs; this is their most recent order. */
        MOST_RECENT
    }

    /** The order to talk about. */
    record Matched(OrderFacts order, How how) implements OrderMatch {
    }

    /**
     * The customer named an order (e.g. "#1099") that is not among the orders found for their email, and named none
     * that is. {@code mostRecent} is their most recent order, as context for the agent; the draft does not present
     * it as the order the customer means.
     */
    record UnknownOrder(String mentioned, OrderFacts mostRecent) implements OrderMatch {
    }

    /**
     * No order was found for the customer's email. {@code mentioned} is an order name the customer wrote
     * (e.g. "#1099"), or null.
     */
    record NoOrders(String email, String mentioned) implements OrderMatch {
    }

    /** The ticket has no customer email, so no order could be looked up; {@code mentioned} as in NoOrders. */
    record NoEmail(String mentioned) implements OrderMatch {
    }
}
