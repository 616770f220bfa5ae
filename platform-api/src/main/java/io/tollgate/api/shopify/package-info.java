/**
 * Talking to Shopify: the Admin GraphQL orders query and its answer (OrdersQuery, OrdersAnswer, Nodes),
 * REST/webhook order bodies (RestOrders), webhook subscriptions (WebhookSubscriptions), the client on the shared
 * upstream caller (ShopifyClient), and the jobs for Shopify's own webhooks, including privacy topics
 * (ShopifyEvents, ShopifyEventHandler).
 */
package io.tollgate.api.shopify;
