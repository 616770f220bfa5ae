package io.tollgate.api.events;

import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.crypto.MasterKey;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.store.TenantStore;
import io.tollgate.tenant.testing.TestDatabase;
import io.tollgate.tenant.testing.TestTenants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class RetentionSweeperTest {
    private static TestDatabase testDb;
    private static Database db;

    @BeforeAll
    static void setUp() {
        testDb = TestDatabase.migrated();
        db = testDb.open();
    }

    @AfterAll
    static void tearDown() {
        db.close();
        testDb.close();
    }

    @Test
    void deletesOnlyEventsPastTheRetentionWithTheirJobsInBatches() throws Exception {
        TenantStore store = new TenantStore(db, new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64())));
        UUID a = store.create(TestTenants.newTenant("keeper-a")).id().value();
        UUID b = store.create(TestTenants.newTenant("keeper-b")).id().value();
        int old = RetentionSweeper.BATCH + 7;
        try (Connection c = testDb.connect()) {
            insert(c, a, old, 8);
            insert(c, b, 5, 8);
            insert(c, a, 3, 6);
            insert(c, b, 4, 0);
        }
        try (RetentionSweeper sweeper = new RetentionSweeper(db, Duration.ofDays(7))) {
            assertThat(sweeper.sweepOnce()).isEqualTo(old + 5);
            assertThat(sweeper.sweepOnce()).isZero();
        }
        try (Connection c = testDb.connect()) {
            assertThat(count(c, "SELECT count(*) FROM webhook_events")).isEqualTo(7);
            assertThat(count(c, "SELECT count(*) FROM jobs")).isEqualTo(7);
            assertThat(count(c, "SELECT count(*) FROM webhook_events WHERE received_at < now() - interval '7 days'"))
                    .isZero();
        }
    }

    private static void insert(Connection c, UUID tenant, int n, int daysAgo) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("""
                WITH e AS (
                  INSERT INTO webhook_events (id, tenant_id, provider, delivery_key, payload_sha256, body, status,
                                              received_at)
                  SELECT gen_random_uuid(), ?, 'shopify', 'k-' || gen_random_uuid(), sha256('x'::bytea), 'x'::bytea,
                         'accepted', now() - make_interval(days => ?) - interval '1 minute'
                  FROM generate_series(1, ?) RETURNING id, tenant_id)
                INSERT INTO jobs (id, tenant_id, event_id) SELECT gen_random_uuid(), tenant_id, id FROM e""")) {
            ps.setObject(1, tenant);
            ps.setInt(2, daysAgo);
            ps.setInt(3, n);
            ps.executeUpdate();
        }
    }

    private static long count(Connection c, String sql) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
