/**
 * Connecting a tenant to Gorgias and Shopify and keeping it connected: the connect route (ConnectService, its body
 * ConnectIn, the webhook URLs it registers), the connect steps per provider, the stored connection state
 * (ConnectionStore), drift checks against what is registered upstream (DriftChecker), and the count of tenants that
 * went silent (SilenceWatch).
 */
package io.tollgate.api.connect;
