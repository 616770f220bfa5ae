/**
 * Webhook ingress, /webhooks/{tenant}/{provider}: resolves the tenant from the path, reads the body within the
 * tenant's limit and the process budget, verifies the signature, applies the tenant's rate bucket and bulkhead,
 * deduplicates and stores the event with its job in one transaction (EventWriter), and answers.
 */
package io.tollgate.api.ingest;
