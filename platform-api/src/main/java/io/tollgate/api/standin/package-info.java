/**
 * A local stand-in for a merchant's Gorgias account and Shopify shop (StandIn), run by hand or by tests to see a
 * drafted note without either account. Never part of the gateway: nothing in the gateway imports it.
 */
package io.tollgate.api.standin;
