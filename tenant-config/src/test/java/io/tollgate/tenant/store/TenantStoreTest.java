package io.tollgate.tenant.store;

import io.tollgate.tenant.Limits;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.TenantStatus;
import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.crypto.CredentialCryptoException;
import io.tollgate.tenant.crypto.MasterKey;
import io.tollgate.tenant.db.DataException;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.testing.TenantGraph;
import io.tollgate.tenant.testing.TestDatabase;
import io.tollgate.tenant.testing.TestTenants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TenantStoreTest {
    private static TestDatabase testDb;
    private static Database db;
    private static MasterKey key;
    private static TenantStore store;

    @BeforeAll
    static void setUp() {
        testDb = TestDatabase.migrated();
        db = testDb.open();
        key = MasterKey.fromBase64(MasterKey.generateBase64());
        store = new TenantStore(db, new CredentialCipher(key));
    }

    @AfterAll
    static void tearDown() {
        db.close();
        testDb.close();
    }

    @Test
    void createdTenantReadsBackWithDecryptedCredentials() {
        ResolvedTenant t = store.create(TestTenants.newTenant("acme-boots"));

        ResolvedTenant read = store.findBySlugUnscoped("acme-boots").orElseThrow();
        assertThat(read.id()).isEqualTo(t.id());
        assertThat(read.tenant().status()).isEqualTo(TenantStatus.ACTIVE);
        assertThat(read.tenant().limits()).isEqualTo(Limits.DEFAULTS);
        assertThat(read.gorgias().apiKey().reveal()).isEqualTo("gorgias-api-key-acme-boots-0123456789");
        assertThat(read.shopify().accessToken().reveal()).isEqualTo("shpat_acme-boots_access_token_abcdef");
        assertThat(read.shopify().shopDomain()).isEqualTo("acme-boots.myshopify.com");
        assertThat(read.verifyingSecrets(Provider.GORGIAS, Instant.now()))
                .containsExactly(Secret.of("gorgias-webhook-secret-acme-boots-xyz"));
        assertThat(read.verifyingSecrets(Provider.SHOPIFY, Instant.now()))
                .containsExactly(Secret.of("shopify-webhook-secret-acme-boots-xyz"));
    }

    @Test
    void findByIdAndBySlugAndTheListAgreeWithOrWithoutLiveSecrets() throws Exception {
        ResolvedTenant t = store.create(TestTenants.newTenant("one-query"));
        store.rotateSecret(t.id(), Provider.SHOPIFY, Secret.of("shopify-new-secret-one-query-0"), Duration.ofHours(1));
        ResolvedTenant byId = store.find(t.id()).orElseThrow();
        assertThat(byId).isEqualTo(store.findBySlugUnscoped("one-query").orElseThrow());
        assertThat(byId).isEqualTo(store.listResolved(1, Optional.of("one-que")).getFirst());
        assertThat(byId.secrets()).hasSize(3);
        // newest first, as the list loads them
        assertThat(byId.secrets().getFirst().value().reveal()).isEqualTo("shopify-new-secret-one-query-0");

        // every secret expired: the tenant is still found, with none
        try (var c = testDb.connect(); var ps = c.prepareStatement(
                "UPDATE webhook_secrets SET valid_from = now() - interval '2 minutes',"
                        + " valid_until = now() - interval '1 minute' WHERE tenant_id = ?")) {
            ps.setObject(1, t.id().value());
            ps.executeUpdate();
        }
        ResolvedTenant bare = store.find(t.id()).orElseThrow();
        assertThat(bare.secrets()).isEmpty();
        assertThat(bare.gorgias()).isEqualTo(byId.gorgias());
        assertThat(store.findBySlugUnscoped("one-query").orElseThrow().secrets()).isEmpty();
        assertThat(store.find(io.tollgate.tenant.TenantId.random())).isEmpty();
    }

    @Test
    void databaseHoldsNoPlaintextCredential() throws Exception {
        store.create(TestTenants.newTenant("plain-check"));
        List<String> plaintexts = List.of("gorgias-api-key-plain-check", "shpat_plain-check_access_token",
                                          "gorgias-webhook-secret-plain-check", "shopify-webhook-secret-plain-check");
        List<String> found = new ArrayList<>();
        try (Connection c = testDb.connect(); Statement st = c.createStatement()) {
            for (String table : List.of("tenants", "gorgias_credentials", "shopify_credentials", "webhook_secrets")) {
                // Every column of every row, as raw bytes (bytea columns included through their binary value).
                try (ResultSet rs = st.executeQuery("SELECT * FROM " + table)) {
                    int columns = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= columns; i++) {
                            byte[] raw = rs.getBytes(i);
                            if (raw == null) {
                                continue;
                            }
                            String asText = new String(raw, StandardCharsets.ISO_8859_1);
                            for (String p : plaintexts) {
                                if (asText.contains(p)) {
                                    found.add(table + "." + rs.getMetaData().getColumnName(i));
                                }
                            }
                        }
                    }
                }
            }
        }
        assertThat(found).isEmpty();
    }

    @Test
    void disablingShopifyIsPerTenantAndEndsWithANewAccessToken() {
        ResolvedTenant t = store.create(TestTenants.newTenant("uninstalled-shop"));
        ResolvedTenant other = store.create(TestTenants.newTenant("installed-shop"));
        assertThat(t.shopify().disabledAt()).isEmpty();

        assertThat(store.disableShopify(t.id())).isTrue();
        Instant disabledAt = store.find(t.id()).orElseThrow().shopify().disabledAt().orElseThrow();
        assertThat(store.find(other.id()).orElseThrow().shopify().enabled()).isTrue();
        assertThat(store.disableShopify(t.id())).as("again").isTrue();
        assertThat(store.find(t.id()).orElseThrow().shopify().disabledAt()).contains(disabledAt);
        assertThat(store.disableShopify(io.tollgate.tenant.TenantId.random())).as("no such tenant").isFalse();

        ResolvedTenant current = store.find(t.id()).orElseThrow();
        store.update(t.id(), "Renamed", current.tenant().limits(), current.gorgias(), current.shopify());
        assertThat(store.find(t.id()).orElseThrow().shopify().disabledAt()).as("same token").contains(disabledAt);

        var s = current.shopify();
        store.update(t.id(), "Renamed", current.tenant().limits(), current.gorgias(),
                     new io.tollgate.tenant.ShopifyCredentials(s.shopDomain(), Secret.of("shpat_new_token_0123"),
                                                               s.apiVersion(), s.baseUrl()));
        assertThat(store.find(t.id()).orElseThrow().shopify().disabledAt()).as("new token").isEmpty();
    }

    @Test
    void takenSlugIsAConflict() {
        store.create(TestTenants.newTenant("taken-slug"));
        assertThatThrownBy(() -> store.create(TestTenants.newTenant("taken-slug")))
                .isInstanceOf(DataException.Conflict.class)
                .satisfies(e -> assertThat(((DataException.Conflict) e).constraint()).isEqualTo("tenants_slug_uq"));
        // the failed transaction left nothing half-written
        assertThat(store.listResolved(100, Optional.empty())).filteredOn(t -> t.tenant().slug().equals("taken-slug"))
                .hasSize(1);
    }

    @Test
    void rotationKeepsTheOldSecretForTheGracePeriodOnly() throws Exception {
        ResolvedTenant t = store.create(TestTenants.newTenant("rotating"));
        Secret old = Secret.of("shopify-webhook-secret-rotating-xyz");
        Secret next = Secret.of("shopify-new-secret-rotating-000");

        assertThat(store.rotateSecret(t.id(), Provider.SHOPIFY, next, Duration.ofMillis(700))).isTrue();

        ResolvedTenant during = store.find(t.id()).orElseThrow();
        assertThat(during.verifyingSecrets(Provider.SHOPIFY, Instant.now())).containsExactly(next, old);
        assertThat(during.verifyingSecrets(Provider.GORGIAS, Instant.now())).hasSize(1);

        Thread.sleep(900);
        ResolvedTenant after = store.find(t.id()).orElseThrow();
        assertThat(after.verifyingSecrets(Provider.SHOPIFY, Instant.now())).containsExactly(next);
        // the cached copy taken during the grace period stops verifying the old secret by itself
        assertThat(during.verifyingSecrets(Provider.SHOPIFY, Instant.now())).containsExactly(next);
    }

    @Test
    void statusAndLimitsChangesAreStored() {
        ResolvedTenant t = store.create(TestTenants.newTenant("changing"));
        assertThat(store.setStatus(t.id(), TenantStatus.SUSPENDED)).isTrue();
        Limits tight = new Limits(30, 5, 65_536, 1_000, 2);
        assertThat(store.update(t.id(), "Renamed", tight, t.gorgias(), t.shopify())).isTrue();

        ResolvedTenant read = store.find(t.id()).orElseThrow();
        assertThat(read.tenant().status()).isEqualTo(TenantStatus.SUSPENDED);
        assertThat(read.tenant().limits()).isEqualTo(tight);
        assertThat(read.tenant().name()).isEqualTo("Renamed");
    }

    @Test
    void credentialsSealedWithAnotherMasterKeyFailLoudly() {
        ResolvedTenant t = store.create(TestTenants.newTenant("other-key"));
        TenantStore otherKeyStore = new TenantStore(db, new CredentialCipher(
                MasterKey.fromBase64(MasterKey.generateBase64())));
        assertThatThrownBy(() -> otherKeyStore.find(t.id()))
                .isInstanceOf(CredentialCryptoException.class)
                .hasMessageContaining(key.id());
    }

    @Test
    void deletingATenantRemovesEveryRowItOwnsAndNothingElse() throws Exception {
        ResolvedTenant a = store.create(TestTenants.newTenant("cascade-a"));
        ResolvedTenant b = store.create(TestTenants.newTenant("cascade-b"));
        store.rotateSecret(a.id(), Provider.GORGIAS, Secret.of("another-secret-for-a-000"), Duration.ofHours(1));
        Map<String, Long> beforeB;
        try (Connection c = testDb.connect()) {
            TenantGraph.seed(c, a.id().value());
            TenantGraph.seed(c, b.id().value());
            assertThat(TenantGraph.count(c, a.id().value())).allSatisfy((table, n) -> assertThat(n).as(table).isPositive());
            beforeB = TenantGraph.count(c, b.id().value());
        }

        assertThat(store.delete(a.id())).isTrue();

        try (Connection c = testDb.connect()) {
            assertThat(TenantGraph.count(c, a.id().value())).allSatisfy((table, n) -> assertThat(n).as(table).isZero());
            assertThat(TenantGraph.count(c, b.id().value())).isEqualTo(beforeB);
        }
        assertThat(store.findBySlugUnscoped("cascade-a")).isEmpty();
        assertThat(store.findBySlugUnscoped("cascade-b")).isPresent();
        assertThat(store.delete(a.id())).isFalse();
    }
}
