package io.tollgate.api.connect;

import io.tollgate.tenant.ResolvedTenant;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * One provider's part of a tenant's connection, through the same upstream client the worker uses: the steps of a
 * connect (what Tollgate registers upstream, and what each step reports), what a disconnect removes, and the drift
 * check of what was registered. It writes nothing itself: {@link Connector} runs the steps and records their outcome,
 * {@link DriftChecker} records the findings.
 */
sealed interface ProviderConnection permits GorgiasConnection, ShopifyConnection {
    /**
     * Registers the tenant's webhooks at {@code url}, idempotently; within the provider a failed check skips the steps
     * that depend on it.
     *
     * @param recorded the upstream ids the last connect recorded (empty when none)
     */
    Outcome connect(ResolvedTenant tenant, URI url, Map<String, String> recorded);

    /** Removes upstream what {@code recorded} names, best effort: one step per object, a failure stops nothing. */
    List<StepOut> disconnect(ResolvedTenant tenant, Map<String, String> recorded);

    /** Whether what a connect registered is still there and as it should be. */
    Finding check(ResolvedTenant tenant, ConnectionStore.Due due);

    /** What one provider's connect did, and the upstream ids to keep. */
    record Outcome(List<StepOut> steps, Map<String, String> ids) {
    }
}
