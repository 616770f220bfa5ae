/**
 * Talking to Gorgias: the REST client on the shared upstream caller (GorgiasClient) and Tollgate's HTTP
 * integration registered in a merchant's Gorgias account (HttpIntegration).
 */
package io.tollgate.api.gorgias;
