package io.tollgate.api.shopify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.http.Json;
import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.shopify.ShopifyEvents.Applied;
import io.tollgate.api.shopify.ShopifyEvents.Deleted;
import io.tollgate.api.shopify.ShopifyEvents.Disabled;
import io.tollgate.api.shopify.ShopifyEvents.Ignored;
import io.tollgate.api.shopify.ShopifyEvents.Malformed;
import io.tollgate.api.shopify.ShopifyEvents.Outcome;
import io.tollgate.api.shopify.ShopifyEvents.Recorded;
import io.tollgate.api.shopify.ShopifyEvents.Stale;
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

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.tollgate.api.shopify.ShopifyTestOrders.BEYOND_DOUBLE;
import static io.tollgate.api.shopify.ShopifyTestOrders.BOB;
import static io.tollgate.api.shopify.ShopifyTestOrders.BOB_ID;
import static io.tollgate.api.shopify.ShopifyTestOrders.bytes;
import static io.tollgate.api.shopify.ShopifyTestOrders.order;
import static io.tollgate.api.shopify.ShopifyTestOrders.shipped;
import static org.assertj.core.api.Assertions.assertThat;

/** Shopify events applied to two tenants' data on the real PostgreSQL, from Shopify's own REST fixtures. */
class ShopifyEventHandlerTest {
    private static final String ALICE = "alice@example.com";
    private static final long ALICE_ID = 115310627314723954L;

    private static TestDatabase testDb;
    private static Database db;
    private static TenantStore store;
    private static OrderCache cache;
    private static ShopifyEventHandler handler;
    private static TenantId a;
    private static TenantId b;

    @BeforeAll
    static void setUp() {
        testDb = TestDatabase.migrated();
        db = testDb.open();
        store = new TenantStore(db, new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64())));
        a = store.create(TestTenants.newTenant("events-a")).id();
        b = store.create(TestTenants.newTenant("events-b")).id();
        cache = new OrderCache(db);
        handler = new ShopifyEventHandler(cache, store);
    }

    @AfterAll
    static void tearDown() {
        db.close();
        testDb.close();
    }

    @BeforeEach
    void clean() throws SQLException {
        try (Connection c = testDb.connect(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM orders; DELETE FROM customers; UPDATE shopify_credentials SET disabled_at = NULL");
        }
    }

    @Test
    void orderTopicsCacheTheOrderBehindTheFence() {
        byte[] fixture = Fixtures.bytes("shopify-python-api-order.json"); // {"order": {...}}, updated 2008-01-10
        assertThat(handler.apply(a, "orders/create", fixture)).isEqualTo(new Applied(1));
        assertThat(handler.apply(a, "orders/create", fixture)).as("a duplicate delivery").isEqualTo(new Applied(1));
        assertThat(cache.recentByEmail(a, BOB, 5)).extracting(OrderFacts::id, OrderFacts::financialStatus)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("450789469", "AUTHORIZED"));

        ObjectNode fulfilled = shipped(order(450789469L, 1001, "2008-01-10T11:00:00-05:00",
                                             "2008-01-12T09:00:00-05:00"));
        assertThat(handler.apply(a, "orders/fulfilled", bytes(fulfilled))).isEqualTo(new Applied(1));
        assertThat(handler.apply(a, "orders/updated", fixture)).as("the older payload retried").isEqualTo(new Stale());
        OrderFacts cached = cache.recentByEmail(a, BOB, 5).getFirst();
        assertThat(cached.fulfillmentStatus()).isEqualTo("FULFILLED");
        assertThat(cached.tracking()).extracting(OrderFacts.Tracking::number).containsExactly("1Z2345", "1Z6789");

        assertThat(cache.recentByEmail(b, BOB, 5)).as("the other tenant's cache").isEmpty();
        assertThat(handler.apply(b, "ORDERS/UPDATED", fixture)).as("topic case does not matter")
                .isEqualTo(new Applied(1));
        assertThat(cache.recentByEmail(b, BOB, 5).getFirst().tracking()).isEmpty();
    }

    @Test
    void customersUpdateRecordsTheCustomerAndTheLookupFollowsTheNewEmail() throws SQLException {
        handler.apply(a, "orders/create", Fixtures.bytes("shopify-python-api-order.json"));
        handler.apply(b, "orders/create", Fixtures.bytes("shopify-python-api-order.json"));
        ObjectNode customer = (ObjectNode) readTree(Fixtures.bytes("shopify-python-api-customer.json")).get("customer");
        customer.put("email", "Robert.Norman@New.example");
        assertThat(handler.apply(a, "customers/update", bytes(customer))).isEqualTo(new Applied(1));

        assertThat(cache.recentByEmail(a, "robert.norman@new.example", 5)).extracting(OrderFacts::name)
                .containsExactly("#1001");
        assertThat(cache.recentByEmail(a, BOB, 5)).as("the order keeps the email it was placed with").hasSize(1);
        assertThat(cache.recentByEmail(b, "robert.norman@new.example", 5)).isEmpty();

        ObjectNode older = customer.deepCopy();
        older.put("email", "old@example.com");
        older.put("updated_at", "2015-05-01T00:00:00-04:00");
        assertThat(handler.apply(a, "customers/update", bytes(older))).isEqualTo(new Stale());
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
        Outcome outcome = handler.apply(a, "customers/redact", redact);

        // Bob's order by customer id and email, the two listed orders, Bob's Shopify customer row
        assertThat(outcome).isEqualTo(new Deleted(5));
        assertThat(longs("SELECT shopify_order_id FROM orders WHERE tenant_id = ? ORDER BY 1", a))
                .as("Alice's orders, and the order whose id is 2^53 + 2 (not listed)")
                .containsExactly(777L, BEYOND_DOUBLE + 1);
        assertThat(strings("SELECT email FROM customers WHERE tenant_id = ? ORDER BY email", a))
                .as("Alice's row, and the helpdesk's (Gorgias) row for Bob").containsExactly(ALICE, BOB);
        assertThat(longs("SELECT count(*) FROM customers WHERE tenant_id = ? AND shopify_customer_id = "
                                 + BOB_ID, a)).containsExactly(0L);
        assertThat(counts(b)).as("the other tenant").isEqualTo(before);
        assertThat(longs("SELECT count(*) FROM orders WHERE tenant_id = ?", b)).containsExactly(6L);

        assertThat(handler.apply(a, "customers/redact", redact)).as("again: nothing left").isEqualTo(new Deleted(0));
    }

    @Test
    void customersRedactUnlinksTheShopifyIdFromAHelpdeskCustomer() throws SQLException {
        exec("INSERT INTO customers (id, tenant_id, gorgias_customer_id, shopify_customer_id, email)"
                     + " VALUES (?, ?, 5001, ?, 'bob@helpdesk.example')", UUID.randomUUID(), a.value(), BOB_ID);
        exec("INSERT INTO customers (id, tenant_id, gorgias_customer_id, shopify_customer_id, email)"
                     + " VALUES (?, ?, 5001, ?, 'bob@helpdesk.example')", UUID.randomUUID(), b.value(), BOB_ID);
        assertThat(handler.apply(a, "customers/redact", "{\"customer\": {\"id\": 207119551}}".getBytes()))
                .isEqualTo(new Deleted(0));
        assertThat(longs("SELECT count(*) FROM customers WHERE shopify_customer_id IS NULL AND tenant_id = ?", a))
                .containsExactly(1L);
        assertThat(longs("SELECT count(*) FROM customers WHERE shopify_customer_id = " + BOB_ID
                                 + " AND tenant_id = ?", b)).containsExactly(1L);
    }

    @Test
    void shopRedactDeletesAllOfTheTenantsShopifyDataAndNothingElse() throws SQLException {
        for (TenantId t : List.of(a, b)) {
            seedBobAndAlice(t);
        }
        try (Connection c = testDb.connect()) {
            TenantGraph.seed(c, a.value()); // helpdesk data: customer (Gorgias), ticket, messages, note, + an order
            TenantGraph.seed(c, b.value());
        }
        Map<String, Long> aBefore = counts(a);
        Map<String, Long> bBefore = counts(b);

        Outcome outcome = handler.apply(a, "shop/redact",
                                        "{\"shop_id\": 954889, \"shop_domain\": \"events-a.myshopify.com\"}"
                                                .getBytes());

        assertThat(outcome).isEqualTo(new Deleted(7 + 2)); // 7 orders, Bob's and Alice's Shopify customer rows
        Map<String, Long> aAfter = counts(a);
        assertThat(aAfter.get("orders")).isZero();
        assertThat(aAfter.get("customers")).as("the Gorgias customer stays").isEqualTo(1L);
        for (String table : List.of("tickets", "messages", "notes", "webhook_events", "jobs",
                                    "shopify_credentials")) {
            assertThat(aAfter.get(table)).as(table).isEqualTo(aBefore.get(table));
        }
        assertThat(counts(b)).isEqualTo(bBefore);
    }

    @Test
    void appUninstalledDisablesOnlyThatTenantsShopifyCredentials() {
        assertThat(store.find(a).orElseThrow().shopify().enabled()).isTrue();
        assertThat(handler.apply(a, "app/uninstalled", "{\"id\": 690933842, \"name\": \"Super Toys\"}".getBytes()))
                .isEqualTo(new Disabled());
        assertThat(store.find(a).orElseThrow().shopify().disabledAt()).isPresent();
        assertThat(store.find(a).orElseThrow().shopify().enabled()).isFalse();
        assertThat(store.find(b).orElseThrow().shopify().disabledAt()).isEmpty();
    }

    @Test
    void dataRequestsAreRecordedAndOtherTopicsIgnoredWithoutTouchingData() throws SQLException {
        seedBobAndAlice(a);
        Map<String, Long> before = counts(a);
        byte[] request = """
                {"shop_id": 954889, "shop_domain": "events-a.myshopify.com", "orders_requested": [299938],
                 "customer": {"id": 207119551, "email": "bob.norman@hostmail.com"},
                 "data_request": {"id": 9999}}""".getBytes(StandardCharsets.UTF_8);
        assertThat(handler.apply(a, "customers/data_request", request)).isEqualTo(new Recorded());
        assertThat(handler.apply(a, "products/update", "{}".getBytes())).isEqualTo(new Ignored("products/update"));
        assertThat(handler.apply(a, null, "{}".getBytes())).isEqualTo(new Ignored(""));
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
                new Object[] {"customers/redact", "{\"customer\": {\"id\": \"abc\"}}".getBytes()},
                new Object[] {"customers/redact", "{\"customer\": {}, \"orders_to_redact\": []}".getBytes()},
                new Object[] {"customers/redact", "{\"customer\": {\"id\": 1}, \"orders_to_redact\": 5}".getBytes()},
                new Object[] {"customers/redact",
                              "{\"customer\": {\"id\": 1}, \"orders_to_redact\": [1, -2]}".getBytes()});
        for (Object[] c : cases) {
            Outcome outcome = handler.apply(a, (String) c[0], (byte[]) c[1]);
            assertThat(outcome).as("%s %s", c[0], c[1] == null ? "null" : new String((byte[]) c[1]))
                    .isInstanceOf(Malformed.class);
            assertThat(((Malformed) outcome).reason()).isNotBlank().doesNotContain("Exception");
        }
        assertThat(counts(a)).as("nothing changed").isEqualTo(before);
    }

    /**
     * For tenant {@code t}: Bob's fixture order (customer 207119551), Bob's orders 299938 (no customer) and 280263
     * (another email), two orders with ids 2^53 + 1 (listed in the redact) and 2^53 + 2 (Alice's, not listed),
     * Alice's order 777, and Shopify customer rows for Bob and Alice.
     */
    private static void seedBobAndAlice(TenantId t) throws SQLException {
        assertThat(handler.apply(t, "orders/create", Fixtures.bytes("shopify-python-api-order.json")))
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
            assertThat(handler.apply(t, "orders/create", bytes(o))).isEqualTo(new Applied(1));
        }
        assertThat(handler.apply(t, "customers/update", Fixtures.bytes("shopify-python-api-customer.json")))
                .isEqualTo(new Applied(1));
        ObjectNode aliceCustomer = Json.MAPPER.createObjectNode().put("id", ALICE_ID).put("email", ALICE)
                .put("first_name", "Alice").put("updated_at", "2024-01-04T00:00:00Z");
        assertThat(handler.apply(t, "customers/update", bytes(aliceCustomer))).isEqualTo(new Applied(1));
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
