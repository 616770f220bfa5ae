package io.tollgate.api.worker;

import io.tollgate.tenant.Provider;
import io.tollgate.tenant.TenantId;

import java.util.Optional;
import java.util.UUID;

/**
 * Where the worker reads the event a job is for. The events store answers it (the composition root hands
 * {@code EventStore::stored} to the {@link JobRunner}), so the worker writes no event SQL of its own.
 */
@FunctionalInterface
public interface StoredEvents {
    /** What a job needs of its stored event. */
    record StoredEvent(Provider provider, Optional<String> topic, byte[] body) {
    }

    /** The tenant's event, or empty when it is gone (retention, deletion) or is another tenant's. */
    Optional<StoredEvent> find(TenantId tenant, UUID eventId);
}
