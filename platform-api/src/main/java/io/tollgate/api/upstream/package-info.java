/**
 * Calling merchants' upstreams (Gorgias, Shopify, the model endpoint) through one caller: per-tenant pacing, a
 * circuit breaker, timeouts, Retry-After handling, metrics labelled by upstream (UpstreamCaller,
 * UpstreamMetrics), the sealed results every client returns (UpstreamResult) and the failures a client may word
 * itself (UpstreamFailure). Also the tolerant reading of timestamps upstreams send (Instants).
 */
package io.tollgate.api.upstream;
