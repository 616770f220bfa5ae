package io.tollgate.api.ingest;

import io.tollgate.tenant.Provider;
import io.tollgate.tenant.TenantId;

import java.util.Map;
import java.util.Optional;

/**
 * One authentic delivery, ready to store.
 *
 * @param deliveryKey the dedup key within (tenant, provider): see {@link DeliveryKeys}
 * @param headers     the selected headers kept with the event (never a secret)
 */
public record Delivery(TenantId tenant, Provider provider, Optional<String> topic, String deliveryKey,
                       byte[] sha256, byte[] body, Map<String, String> headers) {
}
