package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.config.AppConfig;
import io.tollgate.api.observe.ProcessMeters;
import io.tollgate.api.orders.OrderCache;
import io.tollgate.api.privacy.Erasure;
import io.tollgate.api.shopify.ShopifyClient;
import io.tollgate.api.shopify.ShopifyEventHandler;
import io.tollgate.api.shopify.ShopifyEvents;
import io.tollgate.api.upstream.UpstreamMetrics;
import io.tollgate.api.upstream.UpstreamTesting;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.ShopifyCredentials;
import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.crypto.MasterKey;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.store.TenantStore;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * app/uninstalled as operators see it: shopify.disabled_at in the admin API's tenant answer, for that tenant only,
 * kept by a PATCH that does not change the access token and cleared by one that gives a new token.
 */
class ShopifyUninstallAdminTest {
    /** The shop object app/uninstalled carries (a few of its fields), for uninstall-a's shop. */
    private static final byte[] UNINSTALLED_A = ("{\"id\": 690933842, \"name\": \"Super Toys\","
            + " \"domain\": \"toys.example\", \"myshopify_domain\": \"uninstall-a.myshopify.com\"}").getBytes();
    private static TestDatabase db;
    private static Tollgate server;
    private static AdminClient admin;
    private static Database pool;
    private static TenantStore store;
    private static ShopifyEventHandler handler;
    private static WireMockServer shopifyApi;

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
        shopifyApi = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        shopifyApi.start();
        // the uninstalled app's token: Shopify refuses it
        shopifyApi.stubFor(post(urlPathMatching("/admin/api/.*/graphql.json")).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"errors\":\"[API] Invalid API key or access token (unrecognized login or wrong"
                                  + " password)\"}")));
        handler = new ShopifyEventHandler(new OrderCache(pool), store, new ShopifyClient(
                UpstreamTesting.settings(), new UpstreamMetrics(ProcessMeters.registry())), new Erasure(pool));
    }

    @AfterAll
    static void stop() {
        shopifyApi.stop();
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
        assertThat(handler.apply(atShopifyApi(a), new EventId(UUID.randomUUID()), "app/uninstalled", UNINSTALLED_A))
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
        assertThat(handler.apply(atShopifyApi(store.find(a.id()).orElseThrow()), new EventId(UUID.randomUUID()), "app/uninstalled", UNINSTALLED_A))
                .isEqualTo(new ShopifyEvents.Disabled());
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

    /** The tenant as stored, with its Shopify Admin API at the local stub (as a base_url override would put it). */
    private static ResolvedTenant atShopifyApi(ResolvedTenant t) {
        ShopifyCredentials s = t.shopify();
        return new ResolvedTenant(t.tenant(), t.gorgias(), new ShopifyCredentials(
                s.shopDomain(), s.accessToken(), s.apiVersion(),
                Optional.of(URI.create("http://127.0.0.1:" + shopifyApi.port())), s.disabledAt()), t.secrets());
    }
}
