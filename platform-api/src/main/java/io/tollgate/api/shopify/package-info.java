/**
 * Talking to Shopify: the Admin GraphQL orders query and its answer (OrdersQuery, OrdersAnswer, Nodes),
 * REST/webhook order bodies (RestOrders), webhook subscriptions (WebhookSubscriptions), the client on the shared
 * upstream caller (ShopifyClient), each shop's GraphQL point bucket shared by the fleet and the cost figures of
 * answers (ShopifyPoints, QueryCost), and the jobs for Shopify's own webhooks, including privacy topics
 * (ShopifyEvents, ShopifyEventHandler).
 */
package io.tollgate.api.shopify;
