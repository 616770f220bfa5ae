package io.tollgate.api.shopify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tollgate.api.datarequests.Subject;
import io.tollgate.api.http.Json;
import io.tollgate.api.observe.ProcessMeters;
import io.tollgate.api.orders.OrderCache;
import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.privacy.Erasure;
import io.tollgate.api.shopify.ShopifyEvents.Applied;
import io.tollgate.api.shopify.ShopifyEvents.Deleted;
import io.tollgate.api.shopify.ShopifyEvents.Disabled;
import io.tollgate.api.shopify.ShopifyEvents.Ignored;
import io.tollgate.api.shopify.ShopifyEvents.Later;
import io.tollgate.api.shopify.ShopifyEvents.Malformed;
import io.tollgate.api.shopify.ShopifyEvents.NotApplied;
import io.tollgate.api.shopify.ShopifyEvents.Outcome;
import io.tollgate.api.shopify.ShopifyEvents.Recorded;
import io.tollgate.api.shopify.ShopifyEvents.Skipped;
import io.tollgate.api.shopify.ShopifyEvents.Stale;
import io.tollgate.api.upstream.UpstreamMetrics;
import io.tollgate.api.upstream.UpstreamTesting;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.NewTenant;
import io.tollgate.tenant.ShopifyCredentials;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.crypto.MasterKey;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.store.TenantStore;
import io.tollgate.tenant.testing.Fixtures;
import io.tollgate.tenant.testing.TenantGraph;
import io.tollgate.tenant.testing.TestDatabase;
import io.tollgate.tenant.testing.TestTenants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.tollgate.api.shopify.ShopifyTestOrders.BEYOND_DOUBLE;
import static io.tollgate.api.shopify.ShopifyTestOrders.BOB;
import static io.tollgate.api.shopify.ShopifyTestOrders.BOB_ID;
import static io.tollgate.api.shopify.ShopifyTestOrders.bytes;
import static io.tollgate.api.shopify.ShopifyTestOrders.order;
import static io.tollgate.api.shopify.ShopifyTestOrders.shipped;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shopify events applied to two tenants' data on the real PostgreSQL, from Shopify's own REST fixtures and documented
 * payloads; Shopify's Admin API (asked before an uninstall disables a tenant) is WireMock on a local port.
 */
class ShopifyEventHandlerTest {
    private static final String ALICE = "alice@example.com";
    private static final long ALICE_ID = 115310627314723954L;
    private static final String GRAPHQL = "/admin/api/" + ShopifyCredentials.DEFAULT_API_VERSION + "/graphql.json";
    /** What Shopify's Admin API answers to an access token it no longer accepts (an uninstalled app's). */
    private static final String REFUSED = "{\"errors\":\"[API] Invalid API key or access token (unrecognized login or"
            + " wrong password)\"}";

    private static WireMockServer shopifyApi;
    private static TestDatabase testDb;
    private static Database db;
    private static TenantStore store;
    private static OrderCache cache;
    private static ShopifyEventHandler handler;
    private static TenantId a;
    private static TenantId b;

    @BeforeAll
    static void setUp() {
        shopifyApi = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        shopifyApi.start();
        URI base = URI.create("http://127.0.0.1:" + shopifyApi.port());
        testDb = TestDatabase.migrated();
        db = testDb.open();
        store = new TenantStore(db, new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64())));
        a = store.create(atShopifyApi(TestTenants.newTenant("events-a"), base)).id();
        b = store.create(atShopifyApi(TestTenants.newTenant("events-b"), base)).id();
        cache = new OrderCache(db);
        handler = new ShopifyEventHandler(cache, store, new ShopifyClient(
                UpstreamTesting.settings(), new UpstreamMetrics(ProcessMeters.registry())), new Erasure(db));
    }

    @AfterAll
    static void tearDown() {
        db.close();
        testDb.close();
        shopifyApi.stop();
    }

    @BeforeEach
    void clean() throws SQLException {
        try (Connection c = testDb.connect(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM notes; DELETE FROM messages; DELETE FROM tickets; DELETE FROM orders;"
                               + " DELETE FROM customers; DELETE FROM jobs; DELETE FROM webhook_events;"
                               + " DELETE FROM privacy_erasures; UPDATE shopify_credentials SET disabled_at = NULL");
        }
        shopifyApi.resetAll();
    }

    /** The tenant as the worker has it (resolved, credentials decrypted) and the event applied to it. */
    private static Outcome apply(TenantId tenant, String topic, byte[] body) {
        return handler.apply(store.find(tenant).orElseThrow(), new EventId(UUID.randomUUID()), topic, body);
    }

    private static NewTenant atShopifyApi(NewTenant t, URI base) {
        ShopifyCredentials s = t.shopify();
        return new NewTenant(t.slug(), t.name(), t.limits(), t.gorgias(),
                             new ShopifyCredentials(s.shopDomain(), s.accessToken(), s.apiVersion(), Optional.of(base)),
                             t.gorgiasWebhookSecret(), t.shopifyWebhookSecret());
    }

    @Test
    void orderTopicsCacheTheOrderBehindTheFence() {
        byte[] fixture = Fixtures.bytes("shopify-python-api-order.json"); // {"order": {...}}, updated 2008-01-10
        assertThat(apply(a, "orders/create", fixture)).isEqualTo(new Applied(1));
        assertThat(apply(a, "orders/create", fixture)).as("a duplicate delivery").isEqualTo(new Applied(1));
        assertThat(cache.recentByEmail(a, BOB, 5)).extracting(OrderFacts::id, OrderFacts::financialStatus)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("450789469", "AUTHORIZED"));

        ObjectNode fulfilled = shipped(order(450789469L, 1001, "2008-01-10T11:00:00-05:00",
                                             "2008-01-12T09:00:00-05:00"));
        assertThat(apply(a, "orders/fulfilled", bytes(fulfilled))).isEqualTo(new Applied(1));
        assertThat(apply(a, "orders/updated", fixture)).as("the older payload retried").isEqualTo(new Stale());
        OrderFacts cached = cache.recentByEmail(a, BOB, 5).getFirst();
        assertThat(cached.fulfillmentStatus()).isEqualTo("FULFILLED");
        assertThat(cached.tracking()).extracting(OrderFacts.Tracking::number).containsExactly("1Z2345", "1Z6789");

        assertThat(cache.recentByEmail(b, BOB, 5)).as("the other tenant's cache").isEmpty();
        assertThat(apply(b, "ORDERS/UPDATED", fixture)).as("topic case does not matter")
                .isEqualTo(new Applied(1));
        assertThat(cache.recentByEmail(b, BOB, 5).getFirst().tracking()).isEmpty();
    }

    @Test
    void paidCancelledAndPartiallyFulfilledCarryAWholeOrderAndUpdateTheCacheLikeOrdersUpdated() {
        byte[] fixture = Fixtures.bytes("shopify-python-api-order.json"); // order #1001, authorized, updated 2008-01-10
        assertThat(apply(a, "orders/create", fixture)).isEqualTo(new Applied(1));

        ObjectNode paid = order(450789469L, 1001, "2008-01-10T11:00:00-05:00", "2008-01-11T09:00:00-05:00");
        paid.put("financial_status", "paid");
        assertThat(apply(a, "orders/paid", bytes(paid))).isEqualTo(new Applied(1));
        assertThat(cache.recentByEmail(a, BOB, 5).getFirst().financialStatus()).isEqualTo("PAID");

        ObjectNode partial = shipped(order(450789469L, 1001, "2008-01-10T11:00:00-05:00",
                                           "2008-01-12T09:00:00-05:00"));
        partial.put("financial_status", "paid");
        partial.put("fulfillment_status", "partial");
        assertThat(apply(a, "orders/partially_fulfilled", bytes(partial))).isEqualTo(new Applied(1));
        OrderFacts partly = cache.recentByEmail(a, BOB, 5).getFirst();
        assertThat(partly.fulfillmentStatus()).isEqualTo("PARTIALLY_FULFILLED");
        assertThat(partly.tracking()).extracting(OrderFacts.Tracking::number).containsExactly("1Z2345", "1Z6789");

        ObjectNode cancelled = order(450789469L, 1001, "2008-01-10T11:00:00-05:00", "2008-01-13T09:00:00-05:00");
        cancelled.put("financial_status", "voided");
        cancelled.put("cancelled_at", "2008-01-13T09:00:00-05:00");
        cancelled.put("cancel_reason", "customer");
        assertThat(apply(a, "orders/cancelled", bytes(cancelled))).isEqualTo(new Applied(1));
        OrderFacts gone = cache.recentByEmail(a, BOB, 5).getFirst();
        assertThat(gone.cancelledAt()).isEqualTo(Instant.parse("2008-01-13T14:00:00Z"));
        assertThat(gone.financialStatus()).isEqualTo("VOIDED");

        assertThat(cache.recentByEmail(b, BOB, 5)).as("the other tenant's cache").isEmpty();
    }

    @Test
    void anOlderCopyUnderTheNewTopicsNeverOverwritesANewerCachedOne() {
        ObjectNode cancelled = order(450789469L, 1001, "2008-01-10T11:00:00-05:00", "2008-01-13T09:00:00-05:00");
        cancelled.put("financial_status", "voided");
        cancelled.put("cancelled_at", "2008-01-13T09:00:00-05:00");
        assertThat(apply(a, "orders/cancelled", bytes(cancelled))).isEqualTo(new Applied(1));

        // Shopify's retries carry the original payload: a paid or partially fulfilled copy from before the cancel
        ObjectNode paid = order(450789469L, 1001, "2008-01-10T11:00:00-05:00", "2008-01-11T09:00:00-05:00");
        paid.put("financial_status", "paid");
        assertThat(apply(a, "orders/paid", bytes(paid))).isEqualTo(new Stale());
        ObjectNode partial = shipped(order(450789469L, 1001, "2008-01-10T11:00:00-05:00",
                                           "2008-01-12T09:00:00-05:00"));
        partial.put("fulfillment_status", "partial");
        assertThat(apply(a, "orders/partially_fulfilled", bytes(partial))).isEqualTo(new Stale());

        OrderFacts cached = cache.recentByEmail(a, BOB, 5).getFirst();
        assertThat(cached.financialStatus()).isEqualTo("VOIDED");
        assertThat(cached.cancelledAt()).isNotNull();
        assertThat(cached.tracking()).isEmpty();
    }

    @Test
    void ordersEditedIsAnOrderEditNotAnOrderAndIsSkippedWithItsReason() {
        assertThat(apply(a, "orders/create", Fixtures.bytes("shopify-python-api-order.json")))
                .isEqualTo(new Applied(1));
        // the orders/edited payload: an order_edit naming the order and what the edit added or removed
        byte[] edit = """
                {"order_edit": {"id": 78912328, "app_id": null, "created_at": "2008-01-12T09:00:00-05:00",
                 "committed_at": "2008-01-12T09:01:00-05:00", "notify_customer": false, "order_id": 450789469,
                 "staff_note": "", "user_id": null,
                 "line_items": {"additions": [{"id": 466157049, "delta": 1}],
                                "removals": [{"id": 518995019, "delta": 1}]},
                 "discounts": {"line_item": {"additions": [], "removals": []}},
                 "shipping_lines": {"additions": [], "removals": []}}}""".getBytes(StandardCharsets.UTF_8);
        Outcome outcome = apply(a, "orders/edited", edit);

        assertThat(outcome).isEqualTo(new Skipped(ShopifyEvents.ORDER_EDIT_SKIPPED));
        assertThat(((Skipped) outcome).reason()).contains("orders/edited").contains("order_edit")
                .contains("orders/updated");
        OrderFacts cached = cache.recentByEmail(a, BOB, 5).getFirst();
        assertThat(cached.updatedAt()).as("the cached order untouched")
                .isEqualTo(Instant.parse("2008-01-10T16:00:00Z"));
        assertThat(apply(a, "orders/edited", "not json".getBytes(StandardCharsets.UTF_8)))
                .as("skipped by its topic, whatever its body").isEqualTo(new Skipped(ShopifyEvents.ORDER_EDIT_SKIPPED));
    }

    @Test
    void customersUpdateRecordsTheCustomerAndTheLookupFollowsTheNewEmail() throws SQLException {
        apply(a, "orders/create", Fixtures.bytes("shopify-python-api-order.json"));
        apply(b, "orders/create", Fixtures.bytes("shopify-python-api-order.json"));
        ObjectNode customer = (ObjectNode) readTree(Fixtures.bytes("shopify-python-api-customer.json")).get("customer");
        customer.put("email", "Robert.Norman@New.example");
        assertThat(apply(a, "customers/update", bytes(customer))).isEqualTo(new Applied(1));

        assertThat(cache.recentByEmail(a, "robert.norman@new.example", 5)).extracting(OrderFacts::name)
                .containsExactly("#1001");
        assertThat(cache.recentByEmail(a, BOB, 5)).as("the order keeps the email it was placed with").hasSize(1);
        assertThat(cache.recentByEmail(b, "robert.norman@new.example", 5)).isEmpty();

        ObjectNode older = customer.deepCopy();
        older.put("email", "old@example.com");
        older.put("updated_at", "2015-05-01T00:00:00-04:00");
        assertThat(apply(a, "customers/update", bytes(older))).isEqualTo(new Stale());
        assertThat(strings("SELECT email FROM customers WHERE tenant_id = ? AND shopify_customer_id = " + BOB_ID, a))
                .containsExactly("Robert.Norman@New.example");
    }

    @Test
    void customersRedactDeletesExactlyThatCustomersDataOfThatTenant() throws SQLException {
        for (TenantId t : List.of(a, b)) {
            seedBobAndAlice(t);
        }
        UUID gorgiasBob = UUID.randomUUID();
        exec("INSERT INTO customers (id, tenant_id, gorgias_customer_id, shopify_customer_id, email)"
                     + " VALUES (?, ?, 5001, NULL, ?)", gorgiasBob, a.value(), BOB);
        Map<String, Long> before = counts(b);

        byte[] redact = """
                {"shop_id": 954889, "shop_domain": "events-a.myshopify.com",
                 "customer": {"id": 207119551, "email": "BOB.norman@hostmail.com", "phone": "555-625-1199"},
                 "orders_to_redact": [299938, 280263, 9007199254740993]}""".getBytes(StandardCharsets.UTF_8);
        Outcome outcome = apply(a, "customers/redact", redact);

        // Bob's order by customer id and email, the listed orders, Bob's Shopify and helpdesk (Gorgias) rows
        assertThat(outcome).isEqualTo(new Deleted(6));
        assertThat(longs("SELECT shopify_order_id FROM orders WHERE tenant_id = ? ORDER BY 1", a))
                .as("Alice's orders, and the order whose id is 2^53 + 2 (not listed)")
                .containsExactly(777L, BEYOND_DOUBLE + 1);
        assertThat(strings("SELECT email FROM customers WHERE tenant_id = ? ORDER BY email", a))
                .as("Alice's row only: Bob's helpdesk row is Bob too").containsExactly(ALICE);
        assertThat(counts(b)).as("the other tenant").isEqualTo(before);
        assertThat(longs("SELECT count(*) FROM orders WHERE tenant_id = ?", b)).containsExactly(6L);

        assertThat(apply(a, "customers/redact", redact)).as("again: nothing left").isEqualTo(new Deleted(0));
    }

    @Test
    void customersRedactErasesTheHelpdeskCustomerWithThatShopifyIdOfThatTenantOnly() throws SQLException {
        exec("INSERT INTO customers (id, tenant_id, gorgias_customer_id, shopify_customer_id, email)"
                     + " VALUES (?, ?, 5001, ?, 'bob@helpdesk.example')", UUID.randomUUID(), a.value(), BOB_ID);
        exec("INSERT INTO customers (id, tenant_id, gorgias_customer_id, shopify_customer_id, email)"
                     + " VALUES (?, ?, 5001, ?, 'bob@helpdesk.example')", UUID.randomUUID(), b.value(), BOB_ID);
        assertThat(apply(a, "customers/redact", privacy("events-a", "\"customer\": {\"id\": 207119551},"
                + " \"orders_to_redact\": []")))
                .isEqualTo(new Deleted(1));
        assertThat(longs("SELECT count(*) FROM customers WHERE tenant_id = ?", a)).containsExactly(0L);
        assertThat(longs("SELECT count(*) FROM customers WHERE shopify_customer_id = " + BOB_ID
                                 + " AND tenant_id = ?", b)).containsExactly(1L);
    }

    @Test
    void shopRedactErasesAllOfTheTenantsCustomersDataAndNothingElse() throws SQLException {
        for (TenantId t : List.of(a, b)) {
            seedBobAndAlice(t);
        }
        try (Connection c = testDb.connect()) {
            TenantGraph.seed(c, a.value()); // helpdesk data: customer (Gorgias), ticket, messages, note, + an order
            TenantGraph.seed(c, b.value());
        }
        Map<String, Long> aBefore = counts(a);
        Map<String, Long> bBefore = counts(b);

        Outcome outcome = apply(a, "shop/redact", privacy("events-a", ""));

        Map<String, Long> aAfter = counts(a);
        for (String table : List.of("orders", "customers", "tickets", "messages")) {
            assertThat(aAfter.get(table)).as(table).isZero();
        }
        // 7 orders, 3 customer rows (Bob's and Alice's Shopify rows, the helpdesk's), the ticket, its 2 messages,
        // the note's text, the stored event's body
        assertThat(outcome).isEqualTo(new Deleted(7 + 3 + 1 + 2 + 1 + 1));
        for (String table : List.of("notes", "webhook_events", "shopify_credentials")) {
            assertThat(aAfter.get(table)).as(table + ": rows stay, their personal data goes")
                    .isEqualTo(aBefore.get(table));
        }
        // the seeded event was still waiting: erased, it is skipped, so its job is finished and leaves the queue
        assertThat(aBefore.get("jobs")).isEqualTo(1L);
        assertThat(aAfter.get("jobs")).as("jobs: a finished job leaves the queue").isZero();
        assertThat(longs("SELECT count(*) FROM webhook_events WHERE status = 'skipped' AND tenant_id = ?", a))
                .containsExactly(1L);
        assertThat(longs("SELECT count(*) FROM notes WHERE body_text IS NOT NULL AND tenant_id = ?", a))
                .containsExactly(0L);
        assertThat(counts(b)).isEqualTo(bBefore);
        assertThat(apply(a, "shop/redact", privacy("events-a", ""))).as("again: nothing left")
                .isEqualTo(new Deleted(0));
    }

    @Test
    void appUninstalledDisablesOnlyThatTenantsShopifyCredentialsOnceShopifyRefusesItsToken() {
        shopifyApi.stubFor(post(urlEqualTo(GRAPHQL)).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json").withBody(REFUSED)));
        assertThat(store.find(a).orElseThrow().shopify().enabled()).isTrue();

        assertThat(apply(a, "app/uninstalled", uninstalled("events-a"))).isEqualTo(new Disabled());

        assertThat(store.find(a).orElseThrow().shopify().disabledAt()).isPresent();
        assertThat(store.find(a).orElseThrow().shopify().enabled()).isFalse();
        assertThat(store.find(b).orElseThrow().shopify().disabledAt()).isEmpty();
        // asked with the tenant's own token, once
        shopifyApi.verify(1, postRequestedFor(urlEqualTo(GRAPHQL))
                .withHeader("X-Shopify-Access-Token", equalTo("shpat_events-a_access_token_abcdef")));

        // Shopify retries the webhook: still disabled, and nothing is asked of Shopify for a disabled shop
        assertThat(apply(a, "app/uninstalled", uninstalled("events-a"))).isEqualTo(new Disabled());
        shopifyApi.verify(1, anyRequestedFor(anyUrl()));
    }

    @Test
    void anOrderBodyReplayedAsAppUninstalledDisablesNothing() {
        // even were Shopify to refuse the token, the body must first be a shop: no call is made for it
        shopifyApi.stubFor(post(urlEqualTo(GRAPHQL)).willReturn(aResponse().withStatus(401).withBody(REFUSED)));
        byte[] signedOrder = Fixtures.bytes("shopify-python-api-order.json");
        byte[] bareOrder = bytes(order(450789469L, 1001, "2008-01-10T11:00:00-05:00", "2008-01-10T11:00:00-05:00"));

        for (byte[] body : List.of(signedOrder, bareOrder)) {
            Outcome outcome = apply(a, "app/uninstalled", body);
            assertThat(outcome).isInstanceOf(NotApplied.class);
            assertThat(((NotApplied) outcome).reason()).contains("shape of app/uninstalled")
                    .contains("myshopify_domain").doesNotContain("bob").doesNotContain("Norman");
        }
        assertThat(store.find(a).orElseThrow().shopify().enabled()).isTrue();
        shopifyApi.verify(0, anyRequestedFor(anyUrl()));
    }

    @Test
    void anotherShopsUninstallDisablesNothing() {
        shopifyApi.stubFor(post(urlEqualTo(GRAPHQL)).willReturn(aResponse().withStatus(401).withBody(REFUSED)));
        Outcome outcome = apply(a, "app/uninstalled", uninstalled("events-b"));
        assertThat(outcome).isEqualTo(new NotApplied(
                "not applied: the body's myshopify_domain is another shop than the tenant's"));
        assertThat(store.find(a).orElseThrow().shopify().enabled()).isTrue();
        assertThat(store.find(b).orElseThrow().shopify().enabled()).isTrue();
        shopifyApi.verify(0, anyRequestedFor(anyUrl()));
    }

    @Test
    void aGenuineUninstallWhileTheShopsTokenStillWorksDisablesNothing() {
        shopifyApi.stubFor(post(urlEqualTo(GRAPHQL))
                .willReturn(okJson("{\"data\": {\"shop\": {\"myshopifyDomain\": \"events-a.myshopify.com\"}}}")));
        assertThat(apply(a, "app/uninstalled", uninstalled("events-a")))
                .isEqualTo(new NotApplied(ShopifyEventHandler.TOKEN_STILL_WORKS));
        assertThat(store.find(a).orElseThrow().shopify().enabled()).isTrue();
        shopifyApi.verify(1, postRequestedFor(urlEqualTo(GRAPHQL)));
    }

    @Test
    void anUninstallShopifyCannotConfirmIsTriedAgainLater() {
        shopifyApi.stubFor(post(urlEqualTo(GRAPHQL)).willReturn(aResponse().withStatus(503)
                .withHeader("Retry-After", "7").withBody("maintenance")));
        Outcome outcome = apply(a, "app/uninstalled", uninstalled("events-a"));
        assertThat(outcome).isInstanceOf(Later.class);
        assertThat(((Later) outcome).after()).isEqualTo(java.time.Duration.ofSeconds(7));
        assertThat(((Later) outcome).reason()).contains("could not confirm the uninstall").contains("503")
                .doesNotContain("shpat_");
        assertThat(store.find(a).orElseThrow().shopify().enabled()).isTrue();
    }

    @Test
    void privacyBodiesOfAnotherShopOrAnotherTopicEraseNothing() throws SQLException {
        for (TenantId t : List.of(a, b)) {
            seedBobAndAlice(t);
        }
        Map<String, Long> aBefore = counts(a);
        Map<String, Long> bBefore = counts(b);
        String customer = "\"customer\": {\"id\": 207119551, \"email\": \"bob.norman@hostmail.com\","
                + " \"phone\": \"555-625-1199\"}";
        byte[] redactB = privacy("events-b", customer + ", \"orders_to_redact\": [299938]");
        byte[] redactA = privacy("events-a", customer + ", \"orders_to_redact\": [299938]");
        byte[] requestA = privacy("events-a", customer + ", \"orders_requested\": [299938],"
                + " \"data_request\": {\"id\": 9999}");
        List<Object[]> cases = List.of(
                new Object[] {"shop/redact", privacy("events-b", ""), "another shop"},
                new Object[] {"shop/redact", "{\"shop_domain\": \"events-a.myshopify.com\"}".getBytes(), "shop_id"},
                // a signed customers/redact or data request of this very shop, replayed as shop/redact
                new Object[] {"shop/redact", redactA, "no customer, no orders_to_redact"},
                new Object[] {"shop/redact", requestA, "no customer, no orders_requested, no data_request"},
                new Object[] {"shop/redact", Fixtures.bytes("shopify-python-api-order.json"), "shop_id"},
                new Object[] {"customers/redact", redactB, "another shop"},
                new Object[] {"customers/redact", requestA, "orders_to_redact"},
                new Object[] {"customers/redact", Fixtures.bytes("shopify-python-api-customer.json"), "shop_domain"},
                new Object[] {"customers/data_request", redactA, "orders_requested"},
                new Object[] {"shop/redact", "[1]".getBytes(), "not a JSON object"});
        for (Object[] c : cases) {
            Outcome outcome = apply(a, (String) c[0], (byte[]) c[1]);
            assertThat(outcome).as("%s %s", c[0], new String((byte[]) c[1])).isInstanceOf(NotApplied.class);
            assertThat(((NotApplied) outcome).reason()).as("%s", c[0]).startsWith("not applied: ")
                    .contains((String) c[2])
                    .doesNotContain("bob").doesNotContain("555").doesNotContain("events-b");
        }
        assertThat(counts(a)).as("nothing erased").isEqualTo(aBefore);
        assertThat(counts(b)).isEqualTo(bBefore);
        assertThat(apply(a, "shop/redact", privacy("events-a", ""))).as("the tenant's own shop/redact")
                .isEqualTo(new Deleted(6 + 2));
        assertThat(counts(b)).isEqualTo(bBefore);
    }

    @Test
    void dataRequestsAreRecordedAndOtherTopicsIgnoredWithoutTouchingData() throws SQLException {
        seedBobAndAlice(a);
        Map<String, Long> before = counts(a);
        byte[] request = """
                {"shop_id": 954889, "shop_domain": "events-a.myshopify.com", "orders_requested": [299938],
                 "customer": {"id": 207119551, "email": "bob.norman@hostmail.com"},
                 "data_request": {"id": 9999}}""".getBytes(StandardCharsets.UTF_8);
        assertThat(apply(a, "customers/data_request", request)).as("whom it names, read for the worker")
                .isEqualTo(new Recorded(new Subject(
                        Optional.of(9999L), Optional.of(207119551L), Optional.of("bob.norman@hostmail.com"),
                        Optional.empty(), List.of(299938L))));
        assertThat(apply(a, "products/update", "{}".getBytes())).isEqualTo(new Ignored("products/update"));
        assertThat(apply(a, null, "{}".getBytes())).isEqualTo(new Ignored(""));
        assertThat(counts(a)).isEqualTo(before);
    }

    @Test
    void bodiesThatCannotBeAppliedAreMalformed() throws SQLException {
        seedBobAndAlice(a);
        Map<String, Long> before = counts(a);
        ObjectNode noId = order(1L, 1001, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z");
        noId.remove("id");
        ObjectNode noUpdate = order(1L, 1001, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z");
        noUpdate.put("updated_at", "last tuesday");
        List<Object[]> cases = List.of(
                new Object[] {"orders/create", "{\"id\": 1, ".getBytes()},
                new Object[] {"orders/create", "[1, 2]".getBytes()},
                new Object[] {"orders/create", new byte[0]},
                new Object[] {"orders/create", null},
                new Object[] {"orders/updated", bytes(noId)},
                new Object[] {"orders/updated", bytes(noUpdate)},
                new Object[] {"customers/update", "{\"id\": \"not-an-id\"}".getBytes()},
                new Object[] {"customers/update", "{\"id\": 18446744073709551616}".getBytes()},
                new Object[] {"customers/redact",
                              privacy("events-a", "\"customer\": {\"id\": \"abc\"}, \"orders_to_redact\": []")},
                new Object[] {"customers/redact", privacy("events-a", "\"customer\": {}, \"orders_to_redact\": []")},
                new Object[] {"customers/redact",
                              privacy("events-a", "\"customer\": {\"id\": 1}, \"orders_to_redact\": [1, -2]")});
        for (Object[] c : cases) {
            Outcome outcome = apply(a, (String) c[0], (byte[]) c[1]);
            assertThat(outcome).as("%s %s", c[0], c[1] == null ? "null" : new String((byte[]) c[1]))
                    .isInstanceOf(Malformed.class);
            assertThat(((Malformed) outcome).reason()).isNotBlank().doesNotContain("Exception");
        }
        assertThat(counts(a)).as("nothing changed").isEqualTo(before);
    }

    /**
     * A privacy topic's body as Shopify documents it (shopify.dev, privacy law compliance): the shop's id and domain
     * ({@code <slug>.myshopify.com}), then {@code rest} (the topic's own fields, or nothing for shop/redact).
     */
    private static byte[] privacy(String slug, String rest) {
        return ("{\"shop_id\": 954889, \"shop_domain\": \"" + slug + ".myshopify.com\""
                + (rest.isEmpty() ? "" : ", " + rest) + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** An app/uninstalled body: the shop object, in the shape of Shopify's example (a few of its fields). */
    private static byte[] uninstalled(String slug) {
        return ("""
                {"id": 548380009, "name": "Super Toys", "email": "j.smith@example.com", "domain": "shop.apple.com",
                 "province": "California", "country": "US", "address1": "1 Infinite Loop", "zip": "95014",
                 "city": "Cupertino", "source": null, "phone": "1231231234", "latitude": 45.45,
                 "longitude": -75.43, "primary_locale": "en", "created_at": null, "updated_at": null,
                 "country_code": "US", "country_name": "United States", "currency": "USD",
                 "customer_email": "customers@apple.com", "timezone": "(GMT-05:00) Eastern Time (US & Canada)",
                 "shop_owner": "John Smith", "plan_name": "enterprise", "myshopify_domain": "%s.myshopify.com",
                 "has_storefront": true, "plan_display_name": "Shopify Plus"}""".formatted(slug))
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * For tenant {@code t}: Bob's fixture order (customer 207119551), Bob's orders 299938 (no customer) and 280263
     * (another email), two orders with ids 2^53 + 1 (listed in the redact) and 2^53 + 2 (Alice's, not listed),
     * Alice's order 777, and Shopify customer rows for Bob and Alice.
     */
    private static void seedBobAndAlice(TenantId t) throws SQLException {
        assertThat(apply(t, "orders/create", Fixtures.bytes("shopify-python-api-order.json")))
                .isEqualTo(new Applied(1));
        ObjectNode guest = order(299938L, 1002, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z");
        guest.remove("customer");
        guest.put("email", "bob.at.work@example.com");
        ObjectNode listed = order(280263L, 1003, "2024-01-02T00:00:00Z", "2024-01-02T00:00:00Z");
        listed.remove("customer");
        listed.put("email", "someone.else@example.com");
        ObjectNode big = order(BEYOND_DOUBLE, 1004, "2024-01-03T00:00:00Z", "2024-01-03T00:00:00Z");
        big.remove("customer");
        big.put("email", "big@example.com");
        ObjectNode bigAlice = order(BEYOND_DOUBLE + 1, 1005, "2024-01-03T00:00:00Z", "2024-01-03T00:00:00Z");
        bigAlice.put("email", ALICE);
        ((ObjectNode) bigAlice.get("customer")).put("id", ALICE_ID).put("email", ALICE);
        ObjectNode alice = order(777L, 1006, "2024-01-04T00:00:00Z", "2024-01-04T00:00:00Z");
        alice.put("email", ALICE);
        ((ObjectNode) alice.get("customer")).put("id", ALICE_ID).put("email", ALICE);
        for (ObjectNode o : List.of(guest, listed, big, bigAlice, alice)) {
            assertThat(apply(t, "orders/create", bytes(o))).isEqualTo(new Applied(1));
        }
        assertThat(apply(t, "customers/update", Fixtures.bytes("shopify-python-api-customer.json")))
                .isEqualTo(new Applied(1));
        ObjectNode aliceCustomer = Json.MAPPER.createObjectNode().put("id", ALICE_ID).put("email", ALICE)
                .put("first_name", "Alice").put("updated_at", "2024-01-04T00:00:00Z");
        assertThat(apply(t, "customers/update", bytes(aliceCustomer))).isEqualTo(new Applied(1));
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(byte[] body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, Long> counts(TenantId tenant) throws SQLException {
        try (Connection c = testDb.connect()) {
            return TenantGraph.count(c, tenant.value());
        }
    }

    private static void exec(String sql, Object... params) throws SQLException {
        try (Connection c = testDb.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }

    private static List<Long> longs(String sql, TenantId tenant) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = testDb.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, tenant.value());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }

    private static List<String> strings(String sql, TenantId tenant) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = testDb.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, tenant.value());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
