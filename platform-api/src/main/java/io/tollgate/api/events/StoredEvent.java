package io.tollgate.api.events;

import io.tollgate.tenant.Provider;

import java.util.Optional;

/** What a job needs of its stored event: who sent it, the Shopify topic when there is one, and the body. */
public record StoredEvent(Provider provider, Optional<String> topic, byte[] body) {
}
