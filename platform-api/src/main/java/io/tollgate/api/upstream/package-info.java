/**
 * Calling merchants' upstreams (Gorgias, Shopify, the model endpoint) through one caller: a fleet-wide budget of calls
 * per upstream account kept in PostgreSQL (AccountPacing), a per-tenant circuit breaker, timeouts, Retry-After handling, metrics labelled by upstream (UpstreamCaller,
 * UpstreamMetrics), the sealed results every client returns (UpstreamResult) and the failures a client may word
 * itself (UpstreamFailure). Also the tolerant reading of timestamps upstreams send (Instants).
 */
package io.tollgate.api.upstream;
