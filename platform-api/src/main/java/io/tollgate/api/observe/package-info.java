/**
 * Logs, metrics and health, depending on nothing else of ours: the one process-wide meter registry
 * (ProcessMeters), ingress, worker, pool and process metrics, tenant labels with bounded cardinality, JSON and
 * text log formats with request/tenant/event context and guards against secrets, and the readiness check fed a
 * load snapshot by the composition root.
 */
package io.tollgate.api.observe;
