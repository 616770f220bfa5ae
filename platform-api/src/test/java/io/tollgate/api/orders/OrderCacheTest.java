package io.tollgate.api.orders;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.StoreDatabase;
import io.tollgate.api.shopify.RestOrders;
import io.tollgate.api.shopify.ShopifySamples;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.tollgate.api.shopify.ShopifyTestOrders.BEYOND_DOUBLE;
import static io.tollgate.api.shopify.ShopifyTestOrders.BOB;
import static io.tollgate.api.shopify.ShopifyTestOrders.order;
import static io.tollgate.api.shopify.ShopifyTestOrders.shipped;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The order cache on the real PostgreSQL, always with two tenants: fence, lookup by email, exact ids. */
class OrderCacheTest {
    @RegisterExtension
    static final StoreDatabase DB = new StoreDatabase("cache", "orders", "customers");

    private final OrderCache cache = new OrderCache(DB.db());
    private final TenantId a = DB.a();
    private final TenantId b = DB.b();

    @Test
    void anOlderPayloadNeverOverwritesANewerOne() {
        ObjectNode newer = order(450789469L, 1001, "2024-03-01T10:00:00-05:00", "2024-03-05T10:00:00-05:00");
        newer.put("financial_status", "refunded");
        ObjectNode older = order(450789469L, 1001, "2024-03-01T10:00:00-05:00", "2024-03-02T10:00:00-05:00");
        older.put("financial_status", "paid");

        assertThat(cache.upsert(a, RestOrders.order(newer), newer)).as("first copy").isTrue();
        assertThat(cache.upsert(a, RestOrders.order(older), older)).as("a retry of an older payload").isFalse();
        assertThat(single(a).financialStatus()).isEqualTo("REFUNDED");
        assertThat(single(a).updatedAt()).isEqualTo(Instant.parse("2024-03-05T15:00:00Z"));

        // the other tenant's cache has its own fence: the older copy lands there
        assertThat(cache.upsert(b, RestOrders.order(older), older)).isTrue();
        assertThat(single(b).financialStatus()).isEqualTo("PAID");
        assertThat(single(a).financialStatus()).isEqualTo("REFUNDED");

        // a newer one overwrites
        ObjectNode newest = order(450789469L, 1001, "2024-03-01T10:00:00-05:00", "2024-03-06T10:00:00-05:00");
        newest.put("financial_status", "partially_refunded");
        assertThat(cache.upsert(a, RestOrders.order(newest), newest)).isTrue();
        assertThat(single(a).financialStatus()).isEqualTo("PARTIALLY_REFUNDED");
    }

    @Test
    void equalTimestampsApplyIdempotently() throws SQLException {
        ObjectNode o = order(450789469L, 1001, "2024-03-01T10:00:00-05:00", "2024-03-05T10:00:00-05:00");
        OrderFacts facts = RestOrders.order(o);
        assertThat(cache.upsert(a, facts, o)).isTrue();
        assertThat(cache.upsert(a, facts, o)).as("the same payload again (a duplicate delivery)").isTrue();
        assertThat(count("SELECT count(*) FROM orders WHERE tenant_id = '" + a.value() + "'")).isEqualTo(1);
        assertThat(single(a)).isEqualTo(facts);

        // same updated_at, other content (Shopify sends orders/updated and orders/fulfilled for one change)
        ObjectNode same = shipped(o.deepCopy());
        assertThat(cache.upsert(a, RestOrders.order(same), same)).isTrue();
        assertThat(single(a).tracking()).hasSize(2);
    }

    @Test
    void recentByEmailIsNewestFirstCaseInsensitiveAndPerTenant() {
        List<ObjectNode> orders = List.of(
                order(1002L, 1002, "2024-02-29T18:30:00-05:00", "2024-03-01T00:00:00Z"),
                order(1003L, 1003, "2024-03-12T10:04:05-05:00", "2024-03-12T16:00:00Z"),
                order(1001L, 1001, "2008-01-10T11:00:00-05:00", "2008-01-10T16:00:00Z"));
        for (ObjectNode o : orders) {
            assertThat(cache.upsert(a, RestOrders.order(o), o)).isTrue();
        }
        ObjectNode otherShop = order(1004L, 1004, "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z");
        cache.upsert(b, RestOrders.order(otherShop), otherShop);
        ObjectNode someoneElse = order(1005L, 1005, "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z");
        someoneElse.put("email", "alice@example.com");
        cache.upsert(a, RestOrders.order(someoneElse), someoneElse);

        assertThat(cache.recentByEmail(a, "  Bob.NORMAN@HostMail.com ", 10)).extracting(OrderFacts::name)
                .containsExactly("#1003", "#1002", "#1001");
        assertThat(cache.recentByEmail(a, BOB, 2)).extracting(OrderFacts::name).containsExactly("#1003", "#1002");
        assertThat(cache.recentByEmail(b, BOB, 10)).extracting(OrderFacts::name).containsExactly("#1004");
        assertThat(cache.recentByEmail(a, "nobody@example.com", 10)).isEmpty();
        assertThat(cache.recentByEmail(a, "", 10)).isEmpty();
        assertThatThrownBy(() -> cache.recentByEmail(a, BOB, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theLookupCanUseTheEmailIndex() throws SQLException {
        try (Connection c = DB.connect()) {
            // a shop with many customers (both tenants), statistics up to date
            try (Statement st = c.createStatement()) {
                for (TenantId t : List.of(a, b)) {
                    st.execute("INSERT INTO orders (id, tenant_id, shopify_order_id, shopify_customer_id, email,"
                                       + " upstream_created_at, upstream_updated_at)"
                                       + " SELECT gen_random_uuid(), '" + t.value() + "', n, n % 3000,"
                                       + " 'customer' || (n % 3000) || '@example.com', now(), now()"
                                       + " FROM generate_series(1, 20000) n");
                    st.execute("INSERT INTO customers (id, tenant_id, shopify_customer_id, email)"
                                       + " SELECT gen_random_uuid(), '" + t.value() + "', n,"
                                       + " 'customer' || n || '@example.com' FROM generate_series(1, 3000) n");
                }
                st.execute("ANALYZE orders");
                st.execute("ANALYZE customers");
            }
            StringBuilder plan = new StringBuilder();
            try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + OrderCache.BY_EMAIL)) {
                ps.setObject(1, a.value());
                ps.setString(2, "Customer42@example.com");
                ps.setObject(3, a.value());
                ps.setString(4, "Customer42@example.com");
                ps.setInt(5, 5);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
            }
            assertThat(plan.toString()).as(plan.toString()).contains("orders_email_ix").contains("customers_email_ix")
                    .doesNotContain("Seq Scan");
        }
    }

    @Test
    void aCopyIsStaleOnceShopifyConfirmedItLongerAgoThanTheBoundAndAReadAgainConfirmsIt() throws SQLException {
        ObjectNode o = order(450789469L, 1001, "2024-03-01T10:00:00-05:00", "2024-03-05T10:00:00-05:00");
        cache.upsert(a, RestOrders.order(o), o);
        cache.upsert(b, RestOrders.order(o), o);
        assertThat(cache.recentByEmail(a, BOB, 5, Duration.ofMinutes(5))).extracting(OrderCache.Cached::stale)
                .containsExactly(false);

        age(a, "10 minutes");
        assertThat(cache.recentByEmail(a, BOB, 5, Duration.ofMinutes(5))).extracting(OrderCache.Cached::stale)
                .containsExactly(true);
        assertThat(cache.recentByEmail(a, BOB, 5, Duration.ofMinutes(15))).extracting(OrderCache.Cached::stale)
                .containsExactly(false);

        // Shopify's copy is the cached one (same updated_at): still a confirmation
        assertThat(cache.confirm(a, RestOrders.order(o))).isTrue();
        assertThat(cache.recentByEmail(a, BOB, 5, Duration.ofMinutes(5))).extracting(OrderCache.Cached::stale)
                .containsExactly(false);
        // an older copy is fenced out, and is no confirmation of the newer one's data
        ObjectNode older = order(450789469L, 1001, "2024-03-01T10:00:00-05:00", "2024-03-02T10:00:00-05:00");
        older.put("financial_status", "pending");
        assertThat(cache.confirm(a, RestOrders.order(older))).isFalse();
        assertThat(single(a).updatedAt()).isEqualTo(Instant.parse("2024-03-05T15:00:00Z"));

        assertThat(cache.forget(a, "450789469")).isTrue();
        assertThat(cache.recentByEmail(a, BOB, 5)).isEmpty();
        assertThat(cache.recentByEmail(b, BOB, 5)).as("the other tenant's copy").hasSize(1);
    }

    private static void age(TenantId tenant, String interval) throws SQLException {
        try (Connection c = DB.connect(); PreparedStatement ps = c.prepareStatement(
                "UPDATE orders SET confirmed_at = now() - ?::interval WHERE tenant_id = ?")) {
            ps.setString(1, interval);
            ps.setObject(2, tenant.value());
            ps.executeUpdate();
        }
    }

    @Test
    void everyFactRoundTripsIncludingTracking() {
        ObjectNode o = shipped(order(450789469L, 1001, "2024-03-01T10:00:00-05:00", "2024-03-05T10:00:00-05:00"));
        o.put("cancelled_at", "2024-03-07T09:00:00+01:00");
        OrderFacts facts = RestOrders.order(o);
        assertThat(facts.tracking()).hasSize(2);
        assertThat(facts.cancelledAt()).isNotNull();

        cache.upsert(a, facts, o);
        assertThat(cache.recentByEmail(a, BOB, 5)).containsExactly(facts);

        // GraphQL-side facts (tracking from fulfillments { trackingInfo }) round-trip as well
        List<OrderFacts> graphql = ShopifySamples.graphqlOrders();
        assertThat(cache.putAll(b, graphql)).isEqualTo(graphql.size());
        assertThat(cache.recentByEmail(b, graphql.getFirst().email(), 10))
                .containsExactlyInAnyOrderElementsOf(graphql);
    }

    @Test
    void idsBeyondTwoToTheFiftyThreeStayExact() throws Exception {
        // as JSON text, so no Java long ever went through a double on the way in
        String body = new String(Fixtures.bytes("shopify-python-api-order.json"))
                .replaceFirst("\"id\": 450789469", "\"id\": " + BEYOND_DOUBLE)
                .replaceFirst("\"id\": 207119551", "\"id\": " + (BEYOND_DOUBLE + 2));
        OrderFacts first = RestOrders.parse(body.getBytes()).getFirst();
        ObjectNode raw = (ObjectNode) io.tollgate.api.http.Json.MAPPER.readTree(body).get("order");
        ObjectNode next = raw.deepCopy();
        next.put("id", BEYOND_DOUBLE + 1);
        next.put("name", "#1002");

        assertThat(cache.upsert(a, first, raw)).isTrue();
        assertThat(cache.upsert(a, RestOrders.order(next), next)).as("2^53+1 and 2^53+2 are two orders").isTrue();

        assertThat(cache.recentByEmail(a, BOB, 5)).extracting(OrderFacts::id)
                .containsExactlyInAnyOrder("9007199254740993", "9007199254740994");
        List<String> stored = new ArrayList<>();
        try (Connection c = DB.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT shopify_order_id, shopify_customer_id FROM orders"
                                                    + " ORDER BY shopify_order_id")) {
            while (rs.next()) {
                stored.add(rs.getLong(1) + "/" + rs.getLong(2));
            }
        }
        assertThat(stored).containsExactly("9007199254740993/9007199254740995", "9007199254740994/9007199254740995");
    }

    @Test
    void putAllFillsFromGraphqlBehindTheSameFence() {
        List<OrderFacts> graphql = ShopifySamples.graphqlOrders();
        OrderFacts first = graphql.getFirst();
        // a webhook already brought a newer copy of the first order
        OrderFacts newer = new OrderFacts(first.id(), first.name(), first.number(), first.email(), first.createdAt(),
                                          first.updatedAt().plusSeconds(60), null, "REFUNDED",
                                          first.fulfillmentStatus(), first.tracking());
        assertThat(cache.upsert(a, newer)).isTrue();

        assertThat(cache.putAll(a, graphql)).as("all but the fenced one").isEqualTo(graphql.size() - 1);
        assertThat(cache.recentByEmail(a, first.email(), 10)).contains(newer).doesNotContain(first);
        assertThat(cache.recentByEmail(b, first.email(), 10)).isEmpty();

        OrderFacts noId = new OrderFacts(null, "#9", 9, BOB, null, Instant.now(), null, null, null, null);
        OrderFacts noUpdate = new OrderFacts("77", "#9", 9, BOB, null, null, null, null, null, null);
        assertThat(cache.putAll(a, List.of(noId, noUpdate))).as("uncacheable orders are skipped").isZero();
        assertThatThrownBy(() -> cache.upsert(a, noUpdate)).isInstanceOf(IllegalArgumentException.class);
    }

    private OrderFacts single(TenantId tenant) {
        List<OrderFacts> found = cache.recentByEmail(tenant, BOB, 10);
        assertThat(found).hasSize(1);
        return found.getFirst();
    }

    private static long count(String sql) throws SQLException {
        try (Connection c = DB.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
