package io.tollgate.api.connect;

import io.tollgate.api.StoreDatabase;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.TenantId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code connections.status_since} (the console's "broken since") over real PostgreSQL: it moves when a connect or a
 * drift check writes another status, and stays when either confirms the status it had or cannot tell; another
 * tenant's row is never touched.
 */
class ConnectionStatusSinceTest {
    @RegisterExtension
    static final StoreDatabase db = new StoreDatabase("since", "connections");
    private static final Instant LONG_AGO = Instant.parse("2001-01-01T00:00:00Z");
    private static final Map<String, String> IDS = Map.of("integration", "42");

    private static ConnectionStore store;

    @BeforeAll
    static void store() {
        store = new ConnectionStore(db.db(), Duration.ofHours(1));
    }

    @Test
    void aConnectMovesItOnlyWhenTheStatusChanges() throws Exception {
        connected(db.a(), ConnectionStatus.BROKEN);
        connected(db.b(), ConnectionStatus.BROKEN);
        assertThat(since(db.a())).isAfter(LONG_AGO);
        backdate(db.a());
        backdate(db.b());

        // still broken: since stays
        store.record(db.a(), Provider.GORGIAS, ConnectionStatus.BROKEN, Optional.of("still 401"), IDS, "u", false);
        assertThat(since(db.a())).isEqualTo(LONG_AGO);
        // repaired: since is now
        store.record(db.a(), Provider.GORGIAS, ConnectionStatus.OK, Optional.empty(), IDS, "u", true);
        assertThat(since(db.a())).isAfter(LONG_AGO);
        assertThat(since(db.b())).isEqualTo(LONG_AGO);
    }

    @Test
    void aDriftCheckMovesItOnlyWhenItFindsAnotherStatus() throws Exception {
        connected(db.a(), ConnectionStatus.OK);
        backdate(db.a());

        // confirmed ok, then an upstream that could not tell: since stays
        store.recordCheck(due(), Optional.of(ConnectionStatus.OK), Optional.empty());
        assertThat(since(db.a())).isEqualTo(LONG_AGO);
        store.recordCheck(due(), Optional.empty(), Optional.empty());
        assertThat(since(db.a())).isEqualTo(LONG_AGO);
        assertThat(status(db.a())).isEqualTo("ok");

        // found broken: since is now
        store.recordCheck(due(), Optional.of(ConnectionStatus.BROKEN), Optional.of("integration deleted"));
        assertThat(status(db.a())).isEqualTo("broken");
        assertThat(since(db.a())).isAfter(LONG_AGO);
    }

    private static void connected(TenantId tenant, ConnectionStatus status) {
        assertThat(store.lease(tenant, Provider.GORGIAS, Duration.ofMinutes(1))).isTrue();
        store.record(tenant, Provider.GORGIAS, status, status == ConnectionStatus.BROKEN
                ? Optional.of("401") : Optional.empty(), IDS, "u", status == ConnectionStatus.OK);
    }

    /** Tenant a's connection claimed for a check (made due first). */
    private static ConnectionStore.Due due() throws SQLException {
        exec("UPDATE connections SET next_check_at = now() - interval '1 second' WHERE tenant_id = ?", db.a());
        List<ConnectionStore.Due> due = store.claimDue(10);
        assertThat(due).hasSize(1);
        assertThat(due.getFirst().tenant()).isEqualTo(db.a());
        return due.getFirst();
    }

    private static void backdate(TenantId tenant) throws SQLException {
        exec("UPDATE connections SET status_since = '2001-01-01T00:00:00Z' WHERE tenant_id = ?", tenant);
    }

    private static void exec(String sql, TenantId tenant) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, tenant.value());
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private static Instant since(TenantId tenant) throws SQLException {
        return read(tenant, "status_since").map(v -> ((java.sql.Timestamp) v).toInstant()).orElseThrow();
    }

    private static String status(TenantId tenant) throws SQLException {
        return read(tenant, "status").map(Object::toString).orElseThrow();
    }

    private static Optional<Object> read(TenantId tenant, String column) throws SQLException {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM connections WHERE tenant_id = ?")) {
            ps.setObject(1, tenant.value());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getObject(1)) : Optional.empty();
            }
        }
    }
}
