package io.tollgate.api.shopify;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.datarequests.Subject;
import io.tollgate.api.http.Json;
import io.tollgate.api.orders.OrderCache;
import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.orders.ShopifyCustomer;
import io.tollgate.api.orders.ShopifyIds;
import io.tollgate.api.privacy.Customer;
import io.tollgate.api.privacy.Erasure;
import io.tollgate.api.privacy.Tombstone;
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
import io.tollgate.api.upstream.UpstreamResult;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.store.TenantStore;

import java.io.IOException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Applies a stored Shopify event to the tenant's data (CONTRACT §2: "Shopify order and customer events update the
 * tenant's local order cache"):
 * <ul>
 *   <li>orders/create, orders/updated, orders/fulfilled, and orders/paid, orders/cancelled,
 *       orders/partially_fulfilled (not subscribed by Tollgate, but a whole order each when a merchant's own
 *       subscription sends them): the order is cached behind the {@code updated_at} fence ({@link Applied} or
 *       {@link Stale});</li>
 *   <li>orders/edited: its body is an {@code order_edit}, not an order: {@link Skipped} with the reason (the
 *       orders/updated Shopify sends for the same edit carries the order);</li>
 *   <li>customers/update: the Shopify customer row (id, current email, names) is recorded behind a fence on the
 *       customer's {@code updated_at}; cached orders keep the email they were placed with, and the lookup by email
 *       follows the customer's current email to their orders ({@link OrderCache#recentByEmail});</li>
 *   <li>customers/redact: that customer's personal data is erased from every table, stored webhook bodies of both
 *       providers included, and the erasure recorded ({@link Erasure#customer});</li>
 *   <li>shop/redact: every customer's data of the tenant is erased the same way; the tenant stays
 *       ({@link Erasure#shop});</li>
 *   <li>a body a privacy erasure already erased (a {@link Tombstone}, replayed or retried): {@link Skipped};</li>
 *   <li>app/uninstalled: once Shopify refuses the tenant's access token, the tenant's Shopify credentials are
 *       disabled ({@link TenantStore#disableShopify});</li>
 *   <li>customers/data_request: nothing is changed; whom it names (the request id, the customer's id, e-mail and
 *       phone, the orders requested) is read for the worker, which opens the request the operator answers
 *       ({@link Recorded});</li>
 *   <li>any other topic: {@link Ignored}.</li>
 * </ul>
 * Shopify signs the body only: {@code X-Shopify-Topic} is not covered by the HMAC, so a captured signed body can be
 * replayed under another topic. The {@link ShopifyEvents#GUARDED_TOPICS guarded topics} therefore act only on a body
 * that has that topic's documented shape and names the tenant's shop ({@link #shapeProblem}); anything else is
 * {@link NotApplied} and changes nothing. An app/uninstalled is confirmed with Shopify first: the shop's token must be
 * refused (HTTP 401 or 403) before the tenant is disabled; a token that still works is {@link NotApplied}, an answer
 * that says neither (5xx, 429, a timeout) is {@link Later}.
 * A body that cannot be applied gives {@link Malformed}; database failures surface as
 * {@link io.tollgate.tenant.db.DataException} (retry later).
 */
public final class ShopifyEventHandler {
    /** The reason an app/uninstalled is not applied when Shopify still accepts the shop's token. */
    public static final String TOKEN_STILL_WORKS = "the shop's token still works: not uninstalled";

    /** Fields only the privacy topics' bodies have, by topic; a shop/redact body has none of them. */
    private static final List<String> PRIVACY_FIELDS = List.of("customer", "orders_to_redact", "orders_requested",
                                                               "data_request");

    private final OrderCache cache;
    private final TenantStore tenants;
    private final ShopifyClient shopify;
    private final Erasure erasure;

    public ShopifyEventHandler(OrderCache cache, TenantStore tenants, ShopifyClient shopify, Erasure erasure) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.tenants = Objects.requireNonNull(tenants, "tenants");
        this.shopify = Objects.requireNonNull(shopify, "shopify");
        this.erasure = Objects.requireNonNull(erasure, "erasure");
    }

    /** Why a body a privacy erasure replaced is not applied (a replay, or a retry of the erasure's own event). */
    public static final String ERASED = "skipped: the body was erased by a privacy request; nothing is left to apply";

    /** Applies stored event {@code event} of {@code tenant}, its {@code topic} and {@code body}. */
    public Outcome apply(ResolvedTenant tenant, EventId event, String topic, byte[] body) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(event, "event");
        TenantId id = tenant.id();
        String t = topic == null ? "" : topic.strip().toLowerCase(Locale.ROOT);
        if (Tombstone.is(body)) {
            return new Skipped(ERASED);
        }
        try {
            if (ShopifyEvents.GUARDED_TOPICS.contains(t)) {
                Optional<JsonNode> root = guardedObject(body);
                if (root.isEmpty()) {
                    return new NotApplied("not applied: the body is not a JSON object, as a " + t + " body is");
                }
                Optional<String> problem = shapeProblem(t, root.get(), tenant.shopify().shopDomain());
                if (problem.isPresent()) {
                    return new NotApplied("not applied: " + problem.get());
                }
            }
            return switch (t) {
                case ShopifyEvents.ORDERS_CREATE, ShopifyEvents.ORDERS_UPDATED, ShopifyEvents.ORDERS_FULFILLED,
                     ShopifyEvents.ORDERS_PAID, ShopifyEvents.ORDERS_CANCELLED,
                     ShopifyEvents.ORDERS_PARTIALLY_FULFILLED -> order(id, object(body));
                case ShopifyEvents.ORDERS_EDITED -> new Skipped(ShopifyEvents.ORDER_EDIT_SKIPPED);
                case ShopifyEvents.CUSTOMERS_UPDATE -> customer(id, object(body));
                case ShopifyEvents.CUSTOMERS_REDACT -> redactCustomer(tenant, event, object(body));
                case ShopifyEvents.SHOP_REDACT -> deleted(erasure.shop(tenant, event, t));
                case ShopifyEvents.APP_UNINSTALLED -> uninstall(tenant);
                case ShopifyEvents.CUSTOMERS_DATA_REQUEST -> dataRequest(object(body));
                default -> new Ignored(t);
            };
        } catch (BadBody e) {
            return new Malformed(e.getMessage());
        }
    }

    /**
     * Why {@code root} is not a {@code topic} body of the shop {@code shopDomain}, in a few words that quote nothing
     * from the body (field names only); empty when it is. The shapes are Shopify's documented payloads: app/uninstalled
     * is the shop itself ({@code id}, {@code myshopify_domain}, ...); shop/redact is {@code shop_id} and
     * {@code shop_domain} alone; customers/redact adds {@code customer} and {@code orders_to_redact};
     * customers/data_request adds {@code customer}, {@code orders_requested} and {@code data_request}. Each privacy
     * shape also excludes the fields that only another privacy topic has, so one signed privacy body cannot be replayed
     * as another (a customers/redact body as shop/redact would erase the whole cache).
     */
    static Optional<String> shapeProblem(String topic, JsonNode root, String shopDomain) {
        List<String> wrong = new ArrayList<>();
        String domainField;
        if (topic.equals(ShopifyEvents.APP_UNINSTALLED)) {
            domainField = "myshopify_domain";
            require(ShopifyIds.id(root, "id") != null, "id", wrong);
        } else {
            domainField = "shop_domain";
            require(ShopifyIds.id(root, "shop_id") != null, "shop_id", wrong);
            List<String> own = switch (topic) {
                case ShopifyEvents.CUSTOMERS_REDACT -> List.of("customer", "orders_to_redact");
                case ShopifyEvents.CUSTOMERS_DATA_REQUEST -> List.of("customer", "orders_requested", "data_request");
                default -> List.of();
            };
            for (String field : PRIVACY_FIELDS) {
                JsonNode value = root.get(field);
                if (own.contains(field)) {
                    boolean array = field.startsWith("orders_");
                    require(value != null && (array ? value.isArray() : value.isObject()), field, wrong);
                } else {
                    require(value == null, "no " + field, wrong);
                }
            }
        }
        String domain = text(root, domainField);
        require(domain != null, domainField, wrong);
        if (!wrong.isEmpty()) {
            return Optional.of("the body does not have the shape of " + topic + " (missing or wrong: "
                                       + String.join(", ", wrong) + ")");
        }
        if (!domain.equalsIgnoreCase(shopDomain)) {
            return Optional.of("the body's " + domainField + " is another shop than the tenant's");
        }
        return Optional.empty();
    }

    private static void require(boolean holds, String what, List<String> wrong) {
        if (!holds) {
            wrong.add(what);
        }
    }

    /**
     * app/uninstalled of the tenant's shop: disabled once Shopify refuses the tenant's token. Shopify revokes an app's
     * access token when the shop uninstalls it, so a token that still reads the shop means the app is installed (a
     * replayed or forged topic) and nothing is disabled.
     */
    private Outcome uninstall(ResolvedTenant tenant) {
        if (!tenant.shopify().enabled()) {
            return new Disabled(); // already: nothing may call Shopify for it, and disabling again changes nothing
        }
        UpstreamResult<String> probe = shopify.shopDomain(tenant);
        return switch (probe) {
            case UpstreamResult.Ok<String> ok -> new NotApplied(TOKEN_STILL_WORKS);
            case UpstreamResult.Failed<String> f when f.status() == 401 || f.status() == 403 -> {
                tenants.disableShopify(tenant.id());
                yield new Disabled();
            }
            case UpstreamResult.RetryLater<String> r -> new Later(r.after(), "could not confirm the uninstall with"
                    + " Shopify: " + r.reason());
            case UpstreamResult.Failed<String> f -> new Later(Duration.ZERO, "could not confirm the uninstall with"
                    + " Shopify: " + f.reason());
        };
    }

    /** The body as a JSON object, or empty when it is not one. */
    private static Optional<JsonNode> guardedObject(byte[] body) {
        try {
            return Optional.of(object(body));
        } catch (BadBody e) {
            return Optional.empty();
        }
    }

    private Outcome order(TenantId tenant, JsonNode root) {
        JsonNode wrapped = root.get("order");
        JsonNode node = wrapped != null && wrapped.isObject() ? wrapped : root;
        OrderFacts facts = RestOrders.order(node);
        if (ShopifyIds.parse(facts.id()) == null) {
            throw new BadBody("the order has no numeric id");
        }
        if (facts.updatedAt() == null) {
            throw new BadBody("the order has no readable updated_at");
        }
        return cache.upsert(tenant, facts, node) ? new Applied(1) : new Stale();
    }

    private Outcome customer(TenantId tenant, JsonNode root) {
        JsonNode wrapped = root.get("customer");
        JsonNode node = wrapped != null && wrapped.isObject() ? wrapped : root;
        Long id = ShopifyIds.id(node, "id");
        if (id == null) {
            throw new BadBody("the customer has no numeric id");
        }
        ShopifyCustomer customer = new ShopifyCustomer(id, text(node, "email"), text(node, "first_name"),
                                                       text(node, "last_name"), instant(node, "updated_at"));
        return cache.recordCustomer(tenant, customer) ? new Applied(1) : new Stale();
    }

    private static Deleted deleted(Erasure.Erased erased) {
        return new Deleted((int) Math.min(Integer.MAX_VALUE, erased.total()));
    }

    private Outcome redactCustomer(ResolvedTenant tenant, EventId event, JsonNode root) {
        JsonNode customer = root.get("customer");
        Long id = ShopifyIds.id(customer, "id");
        if (id == null && ShopifyIds.present(customer, "id")) {
            throw new BadBody("customer.id is not a Shopify id");
        }
        String email = text(customer, "email");
        String phone = text(customer, "phone");
        List<Long> orders = new ArrayList<>();
        JsonNode listed = root.get("orders_to_redact");
        if (listed != null && !listed.isNull()) {
            if (!listed.isArray()) {
                throw new BadBody("orders_to_redact is not an array");
            }
            for (JsonNode element : listed) {
                Long order = element.isObject() ? ShopifyIds.id(element, "id") : idOf(element);
                if (order == null) {
                    throw new BadBody("orders_to_redact holds a value that is not a Shopify id");
                }
                orders.add(order);
            }
        }
        if (id == null && email == null && phone == null && orders.isEmpty()) {
            throw new BadBody("the body names no customer (customer.id, customer.email, customer.phone) and no"
                                      + " orders");
        }
        return deleted(erasure.customer(tenant, event, ShopifyEvents.CUSTOMERS_REDACT,
                                        new Customer(id, email, phone, orders)));
    }

    /** Whom a customers/data_request names; its shape was checked ({@link #shapeProblem}). */
    private static Outcome dataRequest(JsonNode root) {
        JsonNode customer = root.get("customer");
        Long id = ShopifyIds.id(customer, "id");
        if (id == null && ShopifyIds.present(customer, "id")) {
            throw new BadBody("customer.id is not a Shopify id");
        }
        Long request = ShopifyIds.id(root.get("data_request"), "id");
        if (request == null && ShopifyIds.present(root.get("data_request"), "id")) {
            throw new BadBody("data_request.id is not a Shopify id");
        }
        List<Long> orders = new ArrayList<>();
        for (JsonNode element : root.get("orders_requested")) {
            Long order = element.isObject() ? ShopifyIds.id(element, "id") : idOf(element);
            if (order == null) {
                throw new BadBody("orders_requested holds a value that is not a Shopify id");
            }
            orders.add(order);
        }
        Subject asked = new Subject(Optional.ofNullable(request), Optional.ofNullable(id),
                                            Optional.ofNullable(text(customer, "email")),
                                            Optional.ofNullable(text(customer, "phone")), orders);
        if (asked.customerId().isEmpty() && asked.email().isEmpty() && asked.phone().isEmpty() && orders.isEmpty()) {
            throw new BadBody("the body names no customer (customer.id, customer.email, customer.phone) and no orders");
        }
        return new Recorded(asked);
    }

    private static Long idOf(JsonNode value) {
        if (value.isIntegralNumber()) {
            return value.canConvertToLong() && value.longValue() > 0 ? value.longValue() : null;
        }
        return value.isTextual() ? ShopifyIds.parse(value.textValue()) : null;
    }

    private static JsonNode object(byte[] body) {
        JsonNode root;
        try {
            root = body == null || body.length == 0 ? null : Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new BadBody("the body is not valid JSON");
        } catch (IOException e) {
            throw new BadBody("the body could not be read");
        }
        if (root == null || !root.isObject()) {
            throw new BadBody("the body is not a JSON object");
        }
        return root;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || !value.isTextual()) {
            return null;
        }
        String t = value.textValue().strip();
        return t.isEmpty() ? null : t;
    }

    private static Instant instant(JsonNode node, String field) {
        String t = text(node, field);
        if (t == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeException e) {
            return null;
        }
    }

    /** A body that cannot be applied; its message becomes {@link Malformed#reason()}. */
    private static final class BadBody extends RuntimeException {
        BadBody(String reason) {
            super(reason, null, false, false);
        }
    }
}
