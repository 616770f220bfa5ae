package io.tollgate.api.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.http.Json;
import io.tollgate.tenant.Provider;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Whether a stored webhook body concerns a customer: any text in it holds the customer's e-mail (case-insensitively)
 * or phone (by its digits), a {@code customer} object has the customer's Shopify (or Gorgias) id, a Shopify order
 * body is one of the customer's orders ({@code id} or {@code order_id}), a customers/* body is the customer, or a
 * Gorgias body is about one of the customer's tickets. The walk is iterative and every comparison is a plain
 * substring or equality test: a body is hostile text, and no regex reads it.
 */
final class BodyMatcher {
    private final Customer customer;
    private final String phoneDigits;
    private final Set<Long> orderIds;
    private final Set<Long> gorgiasCustomerIds;

    /**
     * @param orderIds           the customer's Shopify orders (listed by Shopify, and cached)
     * @param gorgiasCustomerIds the customer's Gorgias customer ids (cached customer rows)
     */
    BodyMatcher(Customer customer, Set<Long> orderIds, Set<Long> gorgiasCustomerIds) {
        this.customer = customer;
        this.phoneDigits = customer.phoneDigits();
        this.orderIds = Set.copyOf(orderIds);
        this.gorgiasCustomerIds = Set.copyOf(gorgiasCustomerIds);
    }

    /** What one body says: whether it concerns the customer, and the Gorgias ticket ids it names. */
    record Found(boolean concerns, Set<Long> ticketIds) {
    }

    Found read(Provider provider, String topic, byte[] body) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (IOException | RuntimeException e) {
            root = null;
        }
        if (root == null || !root.isContainerNode()) {
            // not JSON (a rejected body): its text as a whole
            String text = new String(body, StandardCharsets.UTF_8);
            return new Found(text(text), Set.of());
        }
        boolean concerns = provider == Provider.SHOPIFY && shopifyRoot(topic == null ? "" : topic, root);
        Set<Long> tickets = new HashSet<>();
        Deque<Map.Entry<String, JsonNode>> todo = new ArrayDeque<>();
        todo.push(Map.entry("", root));
        while (!todo.isEmpty()) {
            Map.Entry<String, JsonNode> at = todo.pop();
            String field = at.getKey();
            JsonNode node = at.getValue();
            if (node.isTextual()) {
                concerns |= text(node.textValue());
            } else if (node.isObject()) {
                if (field.equals("customer")) {
                    Long id = id(node.get("id"));
                    concerns |= id != null && (provider == Provider.SHOPIFY ? id.equals(customer.id())
                            : gorgiasCustomerIds.contains(id));
                }
                if (provider == Provider.GORGIAS && field.equals("ticket")) {
                    addId(tickets, node.get("id"));
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> child = it.next();
                    if (provider == Provider.GORGIAS && child.getKey().equals("ticket_id")) {
                        addId(tickets, child.getValue());
                    }
                    if (provider == Provider.SHOPIFY && child.getKey().equals("order_id")) {
                        Long order = id(child.getValue());
                        concerns |= order != null && orderIds.contains(order);
                    }
                    todo.push(child);
                }
            } else if (node.isArray()) {
                for (JsonNode element : node) {
                    todo.push(Map.entry(field, element));
                }
            }
        }
        return new Found(concerns, Set.copyOf(tickets));
    }

    /** A Shopify body that is one of the customer's orders, or the customer. */
    private boolean shopifyRoot(String topic, JsonNode root) {
        JsonNode order = root.has("order") && root.get("order").isObject() ? root.get("order") : root;
        Long id = id(order.get("id"));
        if (id == null) {
            return false;
        }
        if (topic.startsWith("orders/")) {
            return orderIds.contains(id);
        }
        return topic.startsWith("customers/") && id.equals(customer.id());
    }

    private boolean text(String value) {
        String email = customer.email();
        if (email != null && value.length() >= email.length() && value.toLowerCase(Locale.ROOT).contains(email)) {
            return true;
        }
        if (phoneDigits == null) {
            return false;
        }
        if (value.contains(customer.phone())) {
            return true;
        }
        return phoneLike(value) && samePhone(digits(value), phoneDigits);
    }

    /** The same number, one of them perhaps with a country code (up to 3 more leading digits) the other lacks. */
    private static boolean samePhone(String a, String b) {
        String longer = a.length() >= b.length() ? a : b;
        String shorter = longer == a ? b : a;
        return shorter.length() >= 7 && longer.length() - shorter.length() <= 3 && longer.endsWith(shorter);
    }

    /** Whether the text is written like a phone number: digits with at most {@code + - ( ) . /} and spaces. */
    private static boolean phoneLike(String value) {
        if (value.length() > 40) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(c >= '0' && c <= '9') && "+-(). /".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    static String digits(String value) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= '0' && c <= '9') {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static void addId(Set<Long> into, JsonNode value) {
        Long id = id(value);
        if (id != null) {
            into.add(id);
        }
    }

    /** A positive 64-bit id given as a JSON number or as decimal text; null otherwise. */
    static Long id(JsonNode value) {
        if (value == null) {
            return null;
        }
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value.longValue() > 0 ? value.longValue() : null;
        }
        if (value.isTextual()) {
            String t = value.textValue().strip();
            if (t.isEmpty() || t.length() > 19 || !digits(t).equals(t)) {
                return null;
            }
            try {
                long v = Long.parseLong(t);
                return v > 0 ? v : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
