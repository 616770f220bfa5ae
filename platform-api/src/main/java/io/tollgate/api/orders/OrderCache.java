package io.tollgate.api.orders;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.tollgate.api.http.Json;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.param;
import static io.tollgate.tenant.db.Rows.raw;
import static io.tollgate.tenant.db.Rows.string;

/**
 * A tenant's local copy of its Shopify orders (table {@code orders}) and of the Shopify side of its customers
 * (table {@code customers}, rows with a {@code shopify_customer_id}). Every statement is scoped by the tenant id.
 *
 * <p>The fence: Shopify retries a webhook with its original payload, and webhooks and GraphQL answers arrive in any
 * order, so a write only lands when its {@code updated_at} is not older than the cached one (in SQL, in the same
 * statement: {@code ON CONFLICT ... DO UPDATE ... WHERE orders.upstream_updated_at <= EXCLUDED.upstream_updated_at}).
 * An equal timestamp applies again (idempotent).
 *
 * <p>{@code data} holds the {@link OrderFacts} (with tracking) as JSON; the other columns are copies for querying.
 * {@code confirmed_at} is when Shopify last confirmed the copy (a write that landed, or a re-read: {@link #confirm}).
 * Failures surface as {@link io.tollgate.tenant.db.DataException}.
 */
public final class OrderCache {
    private static final String UPSERT = """
            INSERT INTO orders (id, tenant_id, shopify_order_id, shopify_customer_id, name, order_number, email,
                                financial_status, fulfillment_status, upstream_created_at, upstream_updated_at, data)
            VALUES (?, ?, ?, ?::bigint, ?::text, ?::bigint, ?::text, ?::text, ?::text, ?::timestamptz, ?, ?::jsonb)
            ON CONFLICT (tenant_id, shopify_order_id) DO UPDATE SET
                shopify_customer_id = COALESCE(EXCLUDED.shopify_customer_id, orders.shopify_customer_id),
                name = EXCLUDED.name, order_number = EXCLUDED.order_number, email = EXCLUDED.email,
                financial_status = EXCLUDED.financial_status, fulfillment_status = EXCLUDED.fulfillment_status,
                upstream_created_at = EXCLUDED.upstream_created_at,
                upstream_updated_at = EXCLUDED.upstream_updated_at, data = EXCLUDED.data, cached_at = now(),
                confirmed_at = now()
            WHERE orders.upstream_updated_at <= EXCLUDED.upstream_updated_at""";

    /**
     * Orders whose email is the given one, and orders of the Shopify customer whose current email it is (a customer
     * who changed their email, customers/update). Parameters: tenant, email, tenant, email, limit.
     */
    static final String BY_EMAIL = """
            SELECT data::text AS data, EXTRACT(EPOCH FROM (now() - confirmed_at))::float8 AS age FROM (
              SELECT o.shopify_order_id, o.upstream_created_at, o.data, o.confirmed_at FROM orders o
               WHERE o.tenant_id = ? AND lower(o.email) = lower(?)
              UNION
              SELECT o.shopify_order_id, o.upstream_created_at, o.data, o.confirmed_at FROM customers c
                JOIN orders o ON o.tenant_id = c.tenant_id AND o.shopify_customer_id = c.shopify_customer_id
               WHERE c.tenant_id = ? AND lower(c.email) = lower(?) AND c.shopify_customer_id IS NOT NULL
            ) found
            ORDER BY upstream_created_at DESC NULLS LAST, shopify_order_id DESC
            LIMIT ?""";

    private static final String UPSERT_CUSTOMER = """
            INSERT INTO customers (id, tenant_id, shopify_customer_id, email, first_name, last_name, name,
                                   shopify_updated_at)
            VALUES (?, ?, ?, ?::text, ?::text, ?::text, ?::text, ?::timestamptz)
            ON CONFLICT (tenant_id, shopify_customer_id) WHERE shopify_customer_id IS NOT NULL DO UPDATE SET
                email = EXCLUDED.email, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
                name = EXCLUDED.name, shopify_updated_at = EXCLUDED.shopify_updated_at, updated_at = now()
            WHERE customers.shopify_updated_at IS NULL OR EXCLUDED.shopify_updated_at IS NULL
               OR customers.shopify_updated_at <= EXCLUDED.shopify_updated_at""";

    /** The most orders {@link #recentByEmail} returns at once. */
    public static final int MAX_LIMIT = 250;

    private final Database db;

    public OrderCache(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    /**
     * Inserts the order, or updates the cached copy unless that one is newer (the fence).
     *
     * @param rawOrder the REST/webhook order object the facts came from, or null; only its {@code customer.id} is
     *                 kept (so a customers/redact can find the order by customer)
     * @return true when the row was written, false when a newer copy was already cached (nothing changed)
     * @throws IllegalArgumentException when the order has no numeric id or no {@code updatedAt} (it cannot be
     *                                  fenced, so it is not cached)
     */
    public boolean upsert(TenantId tenant, OrderFacts order, JsonNode rawOrder) {
        Objects.requireNonNull(tenant, "tenant");
        Row row = row(order, rawOrder == null ? null : ShopifyIds.id(rawOrder.get("customer"), "id"));
        return db.call(() -> write(db.client().execute(), tenant, row)) == 1;
    }

    /** {@link #upsert(TenantId, OrderFacts, JsonNode)} without a raw order (a cached customer id is kept). */
    public boolean upsert(TenantId tenant, OrderFacts order) {
        return upsert(tenant, order, null);
    }

    /**
     * Caches the orders of a GraphQL answer in one transaction, each behind the fence. Orders that cannot be cached
     * (no numeric id, no {@code updatedAt}) are skipped.
     *
     * @return how many rows were written (inserted or updated)
     */
    public int putAll(TenantId tenant, List<OrderFacts> orders) {
        return putAll(null, tenant, orders);
    }

    /**
     * {@link #putAll(TenantId, List)} within the caller's transaction {@code tx} (the worker's: the orders Shopify
     * answered are cached in the commit that records the draft); its own transaction when {@code tx} is null.
     */
    public int putAll(DbExecute tx, TenantId tenant, List<OrderFacts> orders) {
        Objects.requireNonNull(tenant, "tenant");
        List<Row> rows = new ArrayList<>();
        for (OrderFacts order : orders) {
            if (cacheable(order)) {
                rows.add(row(order, null));
            }
        }
        if (rows.isEmpty()) {
            return 0;
        }
        if (tx != null) {
            int written = 0;
            for (Row row : rows) {
                written += (int) write(tx, tenant, row);
            }
            return written;
        }
        return db.inTransaction(t -> putAll(t, tenant, orders));
    }

    /**
     * The tenant's cached orders for {@code email} (case-insensitive), newest ({@code createdAt}) first: orders placed
     * with that email, and orders of the Shopify customer whose current email it is.
     */
    public List<OrderFacts> recentByEmail(TenantId tenant, String email, int limit) {
        return recentByEmail(tenant, email, limit, Duration.ofDays(36_500)).stream()
                .map(Cached::order).toList();
    }

    /**
     * A cached order, and whether Shopify last confirmed it longer ago than the freshness bound asked for (by the
     * database's clock): a stale copy may state an old status when an orders/updated webhook was missed.
     */
    public record Cached(OrderFacts order, boolean stale) {
    }

    /**
     * {@link #recentByEmail(TenantId, String, int)}, each with whether Shopify confirmed it longer ago than
     * {@code fresh}.
     */
    public List<Cached> recentByEmail(TenantId tenant, String email, int limit, Duration fresh) {
        return db.call(() -> recentByEmail(db.client().execute(), tenant, email, limit, fresh));
    }

    /**
     * {@link #recentByEmail(TenantId, String, int, Duration)} within the caller's transaction {@code tx} (the worker's:
     * read in the commit that reserves the note, instead of a transaction of its own).
     */
    public List<Cached> recentByEmail(DbExecute tx, TenantId tenant, String email, int limit, Duration fresh) {
        Objects.requireNonNull(tenant, "tenant");
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
        }
        if (email == null || email.isBlank()) {
            return List.of();
        }
        String e = email.strip();
        try (Stream<DbRow> rows = tx.query(BY_EMAIL, tenant.value(), e, tenant.value(), e, limit)) {
            // the age by the database's clock, which also set confirmed_at
            return rows.map(r -> new Cached(facts(string(r, "data")),
                                            ((Number) raw(r, "age")).doubleValue() * 1000 > fresh.toMillis()))
                    .toList();
        }
    }

    /**
     * What Shopify answered when the order was read again: the copy is updated (behind the fence) and marked
     * confirmed now, even when Shopify's copy is the one already cached.
     *
     * @return true when the row's data was written
     */
    public boolean confirm(TenantId tenant, OrderFacts order) {
        Objects.requireNonNull(tenant, "tenant");
        Row row = row(order, null);
        return db.inTransaction(tx -> {
            boolean written = write(tx, tenant, row) == 1;
            tx.update("UPDATE orders SET confirmed_at = now() WHERE tenant_id = ? AND shopify_order_id = ?",
                      tenant.value(), row.orderId());
            return written;
        });
    }

    /** Deletes a cached order Shopify no longer has (its re-read found none); true when there was one. */
    public boolean forget(TenantId tenant, String orderId) {
        Objects.requireNonNull(tenant, "tenant");
        Long id = ShopifyIds.parse(orderId);
        if (id == null) {
            return false;
        }
        return db.call(() -> db.client().execute().delete(
                "DELETE FROM orders WHERE tenant_id = ? AND shopify_order_id = ?", tenant.value(), id)) > 0;
    }

    /**
     * Records the Shopify side of a customer (customers/update): its row in {@code customers} keyed by the Shopify
     * customer id, with its current email and names, behind the same kind of fence ({@code updatedAt}, when given).
     * Cached orders are not rewritten: their email stays the one on the order, and {@link #recentByEmail} also
     * follows the customer's current email to their orders.
     *
     * @return true when the row was written, false when a newer copy was already recorded
     */
    public boolean recordCustomer(TenantId tenant, ShopifyCustomer customer) {
        Objects.requireNonNull(tenant, "tenant");
        return db.call(() -> db.client().execute().insert(
                UPSERT_CUSTOMER, UUID.randomUUID(), tenant.value(), customer.id(), customer.email(),
                customer.firstName(), customer.lastName(), customer.name(), param(customer.updatedAt()))) == 1;
    }

    /** Whether the order can be cached: it has a numeric id and an {@code updatedAt} (the fence needs both). */
    public static boolean cacheable(OrderFacts order) {
        return order != null && order.updatedAt() != null && ShopifyIds.parse(order.id()) != null;
    }

    private record Row(long orderId, Long customerId, OrderFacts facts, String data) {
    }

    private static Row row(OrderFacts order, Long customerId) {
        Objects.requireNonNull(order, "order");
        Long id = ShopifyIds.parse(order.id());
        if (id == null) {
            throw new IllegalArgumentException("the order has no numeric Shopify id");
        }
        if (order.updatedAt() == null) {
            throw new IllegalArgumentException("the order has no updated_at");
        }
        return new Row(id, customerId, order, data(order));
    }

    private static long write(DbExecute exec, TenantId tenant, Row row) {
        OrderFacts o = row.facts();
        return exec.insert(UPSERT, UUID.randomUUID(), tenant.value(), row.orderId(), row.customerId(), o.name(),
                           o.number() > 0 ? o.number() : null, o.email(), o.financialStatus(), o.fulfillmentStatus(),
                           param(o.createdAt()), param(o.updatedAt()), row.data());
    }

    /** The facts as the {@code data} JSON. */
    static String data(OrderFacts o) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", o.id());
        n.put("name", o.name());
        n.put("number", o.number());
        n.put("email", o.email());
        n.put("created_at", text(o.createdAt()));
        n.put("updated_at", text(o.updatedAt()));
        n.put("cancelled_at", text(o.cancelledAt()));
        n.put("financial_status", o.financialStatus());
        n.put("fulfillment_status", o.fulfillmentStatus());
        ArrayNode tracking = n.putArray("tracking");
        for (OrderFacts.Tracking t : o.tracking()) {
            tracking.addObject().put("company", t.company()).put("number", t.number()).put("url", t.url());
        }
        return n.toString();
    }

    /** The facts back from the {@code data} JSON. */
    static OrderFacts facts(String data) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(data);
        } catch (JacksonException e) {
            throw new IllegalStateException("orders.data is not JSON", e);
        }
        List<OrderFacts.Tracking> tracking = new ArrayList<>();
        for (JsonNode t : n.path("tracking")) {
            tracking.add(new OrderFacts.Tracking(str(t, "company"), str(t, "number"), str(t, "url")));
        }
        return new OrderFacts(str(n, "id"), str(n, "name"), n.path("number").asLong(0), str(n, "email"),
                              instant(n, "created_at"), instant(n, "updated_at"), instant(n, "cancelled_at"),
                              str(n, "financial_status"), str(n, "fulfillment_status"), tracking);
    }

    private static String text(Instant i) {
        return i == null ? null : i.toString();
    }

    private static String str(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant instant(JsonNode n, String field) {
        String s = str(n, field);
        return s == null ? null : Instant.parse(s);
    }
}
