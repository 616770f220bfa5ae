package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.config.AppConfig;
import io.tollgate.api.shopify.OrderCache;
import io.tollgate.api.shopify.ShopifyEventHandler;
import io.tollgate.api.shopify.ShopifyEvents;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.crypto.MasterKey;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.store.TenantStore;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * app/uninstalled as operators see it: shopify.disabled_at in the admin API's tenant answer, for that tenant only,
 * kept by a PATCH that does not change the access token and cleared by one that gives a new token.
 */
class ShopifyUninstallAdminTest {
    private static TestDatabase db;
    private static Tollgate server;
    private static AdminClient admin;
    private static Database pool;
    private static TenantStore store;
    private static ShopifyEventHandler handler;

    @BeforeAll
    static void start() {
        db = TestDatabase.empty();
        Map<String, String> env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
        server = Tollgate.start(AppConfig.load(env));
        admin = new AdminClient(server);
        admin.secret(TestServers.ADMIN_TOKEN);
        admin.secret(env.get("TOLLGATE_MASTER_KEY"));
        pool = Database.open(db.settings());
        store = new TenantStore(pool, new CredentialCipher(MasterKey.fromBase64(env.get("TOLLGATE_MASTER_KEY"))));
        handler = new ShopifyEventHandler(new OrderCache(pool), store);
    }

    @AfterAll
    static void stop() {
        server.close();
        pool.close();
        db.close();
    }

    @Test
    void uninstallShowsAsDisabledAtUntilANewAccessTokenIsGiven() {
        admin.createTenant("uninstall-a");
        admin.createTenant("uninstall-b");
        assertThat(admin.get("/admin/tenants/uninstall-a").json().at("/shopify").has("disabled_at"))
                .as("a working shop").isFalse();
        ResolvedTenant a = store.findBySlugUnscoped("uninstall-a").orElseThrow();

        Instant before = Instant.now().minusSeconds(600);
        assertThat(handler.apply(a.id(), "app/uninstalled", "{\"id\": 690933842}".getBytes()))
                .isEqualTo(new ShopifyEvents.Disabled());

        JsonNode shopify = admin.get("/admin/tenants/uninstall-a").json().get("shopify");
        assertThat(shopify.has("disabled_at")).as(shopify.toString()).isTrue();
        Instant disabledAt = Instant.parse(shopify.get("disabled_at").asText());
        assertThat(disabledAt).isAfter(before);
        assertThat(admin.get("/admin/tenants/uninstall-b").json().at("/shopify").has("disabled_at"))
                .as("the other tenant").isFalse();
        assertThat(admin.get("/admin/tenants?limit=10").json().findValues("shopify"))
                .filteredOn(s -> s.has("disabled_at")).hasSize(1);

        // a second uninstall (Shopify retries) keeps the first time
        handler.apply(a.id(), "app/uninstalled", "{}".getBytes());
        assertThat(Instant.parse(admin.get("/admin/tenants/uninstall-a").json().at("/shopify/disabled_at").asText()))
                .isEqualTo(disabledAt);

        // changes that do not give a new token keep it
        AdminClient.Answer renamed = admin.patch("/admin/tenants/uninstall-a",
                                                 "{\"name\": \"Renamed\", \"shopify\": {\"api_version\": \"2025-07\"}}");
        assertThat(renamed.status()).as(renamed.body()).isEqualTo(200);
        assertThat(renamed.json().at("/shopify/disabled_at").asText()).isEqualTo(shopify.get("disabled_at").asText());
        AdminClient.Answer sameToken = admin.patch("/admin/tenants/uninstall-a",
                                                   "{\"shopify\": {\"access_token\": \"shpat_uninstall-a_0123456789\"}}");
        assertThat(sameToken.status()).isEqualTo(200);
        assertThat(sameToken.json().at("/shopify").has("disabled_at")).as("the same token again").isTrue();
        assertThat(store.find(a.id()).orElseThrow().shopify().enabled()).isFalse();

        // the shop installed the app again: the operator gives its new token
        admin.secret("shpat_reinstalled_0123456789");
        AdminClient.Answer reinstalled = admin.patch("/admin/tenants/uninstall-a",
                                                     "{\"shopify\": {\"access_token\": \"shpat_reinstalled_0123456789\"}}");
        assertThat(reinstalled.status()).as(reinstalled.body()).isEqualTo(200);
        assertThat(reinstalled.json().at("/shopify").has("disabled_at")).isFalse();
        assertThat(admin.get("/admin/tenants/uninstall-a").json().at("/shopify").has("disabled_at")).isFalse();
        ResolvedTenant after = store.find(a.id()).orElseThrow();
        assertThat(after.shopify().enabled()).isTrue();
        assertThat(after.shopify().accessToken().reveal()).isEqualTo("shpat_reinstalled_0123456789");
    }
}
