package io.tollgate.api.events;

import io.tollgate.tenant.EventId;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.testing.TwoTenants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The worker's read of a job's event, through the events store, against the real schema. */
class EventStoreTest {
    private static TwoTenants two;

    @BeforeAll
    static void setUp() {
        two = TwoTenants.create("stored");
    }

    @AfterAll
    static void tearDown() {
        two.close();
    }

    @Test
    void storedEventIsReadOnlyForItsOwnTenant() throws Exception {
        TenantId a = two.a();
        TenantId b = two.b();
        EventId shopifyEvent = insert(a.value(), "shopify", "orders/updated", "{\"id\":1}");
        EventId gorgiasEvent = insert(b.value(), "gorgias", null, "{\"ticket\":2}");
        EventStore store = new EventStore(two.db());

        Optional<StoredEvent> own = store.stored(a, shopifyEvent);
        assertThat(own).isPresent();
        assertThat(own.get().provider()).isEqualTo(Provider.SHOPIFY);
        assertThat(own.get().topic()).contains("orders/updated");
        assertThat(new String(own.get().body(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":1}");

        Optional<StoredEvent> other = store.stored(b, gorgiasEvent);
        assertThat(other.map(StoredEvent::provider)).contains(Provider.GORGIAS);
        assertThat(other.flatMap(StoredEvent::topic)).isEmpty();

        // another tenant's event, and one that is gone, read as absent
        assertThat(store.stored(b, shopifyEvent)).isEmpty();
        assertThat(store.stored(a, gorgiasEvent)).isEmpty();
        assertThat(store.stored(a, new EventId(UUID.randomUUID()))).isEmpty();
    }

    private static EventId insert(UUID tenant, String provider, String topic, String body) throws Exception {
        UUID id = UUID.randomUUID();
        try (Connection c = two.testDb().connect();
             PreparedStatement ps = c.prepareStatement("""
                     INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body,
                                                 status)
                     VALUES (?, ?, ?, ?, 'k-' || gen_random_uuid(), sha256(?::bytea), ?, 'accepted')""")) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ps.setObject(1, id);
            ps.setObject(2, tenant);
            ps.setString(3, provider);
            ps.setString(4, topic);
            ps.setBytes(5, bytes);
            ps.setBytes(6, bytes);
            ps.executeUpdate();
        }
        return new EventId(id);
    }
}
