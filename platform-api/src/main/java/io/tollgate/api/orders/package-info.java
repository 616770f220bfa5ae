/**
 * Shopify orders as Tollgate keeps them: the facts a reply needs (OrderFacts), the orders and customers cache
 * table (OrderCache, ShopifyCustomer), Shopify's exact 64-bit ids (ShopifyIds), and choosing the order a ticket
 * is about (OrderMatcher). Knows nothing of how Shopify is called; the shopify package parses Shopify's answers
 * into these types.
 */
package io.tollgate.api.orders;
